import { PII_ENTITIES, type PiiEntity } from './entities.js';
import { DETECTORS, type Detector } from './detectors/index.js';

export interface PiiMatch {
  entity: PiiEntity;
  /** UTF-16 offsets into the scanned text, end exclusive. */
  start: number;
  end: number;
}

/**
 * When two matches overlap the longer one wins (it explains more of the text: an IBAN over the card-like
 * digits inside it, an email over the phone number in its local part); on equal spans the more specific
 * entity wins, so `Bearer eyJ…` is one jwt, not also an api_key.
 */
const SPECIFICITY: Record<PiiEntity, number> = {
  jwt: 0,
  api_key: 1,
  payment_card: 2,
  iban: 3,
  email: 4,
  national_id: 5,
  ip_address: 6,
  phone: 7,
};

const ALL_ENTITIES: ReadonlySet<PiiEntity> = new Set(PII_ENTITIES);

/** The PII in `text`, sorted by position and never overlapping. */
export function findPii(text: string, entities: ReadonlySet<PiiEntity> = ALL_ENTITIES): PiiMatch[] {
  const found: PiiMatch[] = [];
  for (const detector of DETECTORS) {
    if (entities.has(detector.entity) && detector.hint.test(text)) scan(detector, text, found);
  }
  return found.length < 2 ? found : resolveOverlaps(found);
}

function scan(detector: Detector, text: string, found: PiiMatch[]): void {
  const { pattern } = detector;
  pattern.lastIndex = 0;
  for (let m = pattern.exec(text); m !== null; m = pattern.exec(text)) {
    const span = detector.accept(text, m);
    if (span) {
      found.push({ entity: detector.entity, start: span.start, end: span.end });
      pattern.lastIndex = span.end;
    } else {
      // A rejected candidate may hide a valid one that starts later inside it ("42 4111 1111 1111 1111").
      pattern.lastIndex = m.index + 1;
    }
  }
}

function resolveOverlaps(found: PiiMatch[]): PiiMatch[] {
  found.sort((a, b) => a.start - b.start || b.end - a.end);
  const kept: PiiMatch[] = [];
  let cluster: PiiMatch[] = [];
  let clusterEnd = -1;
  for (const m of found) {
    if (m.start >= clusterEnd) {
      kept.push(...pickWithin(cluster));
      cluster = [];
    }
    cluster.push(m);
    clusterEnd = Math.max(clusterEnd, m.end);
  }
  kept.push(...pickWithin(cluster));
  return kept;
}

/** Within a run of mutually overlapping matches, keep the best ones greedily (see SPECIFICITY). */
function pickWithin(cluster: PiiMatch[]): PiiMatch[] {
  if (cluster.length < 2) return cluster;
  const ranked = [...cluster].sort((a, b) => b.end - b.start - (a.end - a.start) || SPECIFICITY[a.entity] - SPECIFICITY[b.entity] || a.start - b.start);
  const chosen: PiiMatch[] = [];
  for (const m of ranked) if (chosen.every((c) => m.end <= c.start || m.start >= c.end)) chosen.push(m);
  return chosen.sort((a, b) => a.start - b.start);
}
