import { LRUCache } from 'lru-cache';
import { severityRank, type AnomalyEvent } from '@sentinel/contracts';

export interface DedupDecision {
  send: boolean;
  /** How many anomalies of this (series, type) the current window has seen, this one included. */
  count: number;
}

interface Entry {
  windowStart: number;
  count: number;
  /** Highest severity sent in this window: a worse one is an escalation and is sent too. */
  sentRank: number;
  seen: Set<string>;
}

/**
 * The same (series, anomaly type) within a fixed window becomes one alert with a count. The window does
 * not slide, so a steady stream still alerts once per window (the anchor's sliding window never does).
 * A repeated alert id is the same anomaly replayed and never counts twice. A severity above any sent in the
 * window is sent at once: otherwise a low first alert, which a pager's filter drops, would hide a critical one.
 */
export class AlertDeduplicator {
  private readonly entries: LRUCache<string, Entry>;

  constructor(
    private readonly windowMs: number,
    maxEntries = 100_000,
  ) {
    this.entries = new LRUCache({ max: maxEntries });
  }

  decide(anomaly: AnomalyEvent, nowMs: number): DedupDecision {
    if (this.windowMs === 0) return { send: true, count: 1 };
    const key = `${anomaly.series_key}\u001f${anomaly.anomaly_type}`;
    const entry = this.entries.get(key);
    if (!entry || nowMs - entry.windowStart >= this.windowMs) {
      this.entries.set(key, { windowStart: nowMs, count: 1, sentRank: severityRank(anomaly.severity), seen: new Set([anomaly.alert_id]) });
      return { send: true, count: 1 };
    }
    if (entry.seen.has(anomaly.alert_id)) return { send: false, count: entry.count };
    entry.seen.add(anomaly.alert_id);
    entry.count++;
    const rank = severityRank(anomaly.severity);
    if (rank <= entry.sentRank) return { send: false, count: entry.count };
    entry.sentRank = rank;
    return { send: true, count: entry.count };
  }
}
