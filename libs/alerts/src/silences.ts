import type { AnomalyEvent } from '@sentinel/contracts';
import type { Matcher, MatcherLabel, Silence } from './state/alert-state.js';

export type SilenceState = 'pending' | 'active' | 'expired';

export function silenceState(s: Silence, nowMs: number): SilenceState {
  if (nowMs >= s.endsAt) return 'expired';
  return nowMs < s.startsAt ? 'pending' : 'active';
}

const LABELS: Record<MatcherLabel, (a: AnomalyEvent) => string> = {
  service: (a) => a.service_name,
  model: (a) => a.model,
  metric: (a) => a.metric,
  anomaly_type: (a) => a.anomaly_type,
  severity: (a) => a.severity,
  method: (a) => a.detection_method,
  series_key: (a) => a.series_key,
};

/** An anomaly's value of a label that silences match and groups are keyed by. */
export function labelOf(name: MatcherLabel, a: AnomalyEvent): string {
  return LABELS[name](a);
}

/** Alertmanager anchors matcher regexes: `=~ "gpt-4.*"` must match the whole label. */
export function compileMatcherRegex(value: string): RegExp {
  return new RegExp(`^(?:${value})$`);
}

function matcherMatches(m: Matcher, a: AnomalyEvent, regexes: Map<string, RegExp>): boolean {
  const label = labelOf(m.name, a);
  let hit: boolean;
  if (m.isRegex) {
    let re = regexes.get(m.value);
    if (!re) regexes.set(m.value, (re = compileMatcherRegex(m.value)));
    hit = re.test(label);
  } else {
    hit = label === m.value;
  }
  return hit === m.isEqual;
}

/**
 * The active silences, compiled once per batch. A silence matches an anomaly when every matcher does,
 * as in Alertmanager.
 */
export class SilenceSet {
  private readonly regexes = new Map<string, RegExp>();
  private readonly active: Silence[];

  constructor(silences: readonly Silence[], nowMs: number) {
    this.active = silences.filter((s) => silenceState(s, nowMs) === 'active');
  }

  /** The id of the first silence muting this anomaly, or null. */
  silencedBy(a: AnomalyEvent): string | null {
    for (const s of this.active) {
      if (s.matchers.every((m) => matcherMatches(m, a, this.regexes))) return s.id;
    }
    return null;
  }
}
