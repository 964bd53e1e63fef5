import type { AnomalyEvent, SeriesBaseline, Severity, TelemetryEvent } from '@sentinel/contracts';

export const TELEMETRY_METRICS = [
  'latency_ms',
  'time_to_first_token_ms',
  'prompt_tokens',
  'completion_tokens',
  'total_tokens',
  'cost_usd',
  'error',
] as const;
export type TelemetryMetric = (typeof TELEMETRY_METRICS)[number];

export const AGGREGATES = ['avg', 'min', 'max', 'sum', 'count', 'p50', 'p95', 'p99'] as const;
export type Aggregate = (typeof AGGREGATES)[number];

/** Half-open time range [from, to) in epoch milliseconds. */
export interface TimeRange {
  from: number;
  to: number;
}

export interface TelemetryQuery extends TimeRange {
  service?: string;
  model?: string;
  limit: number;
}

/** One stored telemetry row: the numbers Sentinel keeps per call (texts are not stored). */
export interface TelemetryPoint {
  event_id: string;
  timestamp: string;
  service_name: string;
  model: string;
  latency_ms: number;
  time_to_first_token_ms: number | null;
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  cost_usd: number;
  error: boolean;
  finish_reason: string;
  trace_id: string | null;
}

export interface SeriesQuery extends TimeRange {
  service: string;
  model: string;
  metric: TelemetryMetric;
  /** Bucket width in milliseconds. */
  stepMs: number;
  agg: Aggregate;
}

export interface SeriesBucket {
  /** Bucket start, epoch ms. */
  t: number;
  value: number | null;
  count: number;
}

export interface AnomalyQuery extends Partial<TimeRange> {
  service?: string;
  model?: string;
  metric?: string;
  minSeverity?: Severity;
  type?: string;
  method?: string;
  limit: number;
  /** Opaque cursor from a previous page: results strictly after it in (timestamp desc, alert_id desc) order. */
  cursor?: string;
}

export interface AnomalyPage {
  items: AnomalyEvent[];
  /** Present when more results may follow. */
  nextCursor: string | null;
}

export interface SeriesListQuery {
  service?: string;
  model?: string;
  metric?: string;
  limit: number;
  /** Opaque cursor from a previous page: series after it in series_key order. */
  cursor?: string;
}

export interface SeriesPage {
  items: SeriesBaseline[];
  nextCursor: string | null;
}

/**
 * Where telemetry points and anomalies live. Writes are idempotent by event id and alert id, so a replayed
 * record is stored once. Implementations: DuckDB (embedded file) and InfluxDB 3.
 */
export interface Store {
  appendTelemetry(events: readonly TelemetryEvent[]): Promise<void>;
  appendAnomalies(anomalies: readonly AnomalyEvent[]): Promise<void>;
  queryTelemetry(query: TelemetryQuery): Promise<TelemetryPoint[]>;
  querySeries(query: SeriesQuery): Promise<SeriesBucket[]>;
  queryAnomalies(query: AnomalyQuery): Promise<AnomalyPage>;
  getAnomaly(alertId: string): Promise<AnomalyEvent | null>;
  /** Keeps each series' latest baseline: a baseline with an older `last_timestamp` than the stored one is ignored. */
  upsertBaselines(baselines: readonly SeriesBaseline[]): Promise<void>;
  listSeries(query: SeriesListQuery): Promise<SeriesPage>;
  getSeries(seriesKey: string): Promise<SeriesBaseline | null>;
  /** Readiness, for /health/ready. */
  check(): Promise<void>;
  close(): Promise<void>;
}
