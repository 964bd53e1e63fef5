/** Versioned topic names: a breaking change to a record's shape gets a new version, never an edit. */
export const TOPICS = {
  telemetry: 'sentinel.telemetry.v1',
  anomalies: 'sentinel.anomalies.v1',
  telemetryDlq: 'sentinel.telemetry.dlq.v1',
  raw: 'sentinel.raw.v1',
  /** Each series' current baseline, keyed by series key (compaction-friendly), from detection to storage. */
  baselines: 'sentinel.baselines.v1',
} as const;
export type TopicName = (typeof TOPICS)[keyof typeof TOPICS];
