/**
 * The API's shapes and vocabulary as the console uses them. The constants mirror @sentinel/contracts and
 * @sentinel/alerts (the browser bundle does not pull in zod); apps/console/test checks that they agree.
 */
export const SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

export const ANOMALY_TYPES = [
  'latency_spike',
  'latency_drop',
  'time_to_first_token_spike',
  'token_usage_spike',
  'token_usage_drop',
  'cost_anomaly',
  'error_rate_increase',
  'finish_reason_shift',
  'prompt_injection',
  'security_threat',
] as const;

export const MATCHER_LABELS = ['service', 'model', 'metric', 'anomaly_type', 'severity', 'method', 'series_key'] as const;

/** The MAD and IQR detectors' default thresholds (libs/detection config): for a series' band without an anomaly's verdicts. */
export const DEFAULT_MAD_THRESHOLD = 3.5;
export const DEFAULT_IQR_K = 1.5;
/** Φ⁻¹(0.75): the modified z-score is 0.6745·(x − median) / MAD. */
export const MAD_TO_SIGMA = 0.6745;
/** detection.rateWindow's default: error and finish-reason rates are shares of the last N calls. */
export const RATE_WINDOW = 100;

export interface BaselineStats {
  count: number;
  mean: number;
  std_dev: number;
  median: number;
  mad: number;
  q1: number;
  q3: number;
}

export interface DetectorVerdict {
  method: string;
  anomalous: boolean;
  score: number;
  statistic: number;
  threshold: number;
}

export interface Anomaly {
  alert_id: string;
  event_id: string;
  timestamp: string;
  severity: Severity;
  anomaly_type: string;
  detection_method: string;
  service_name: string;
  model: string;
  series_key: string;
  metric: string;
  value: number;
  score: number;
  baseline: BaselineStats;
  detectors: DetectorVerdict[];
  explanation: string;
  details: { threshold: number; additional: Record<string, unknown> };
  context: { sample_count: number; time_window: string };
  remediation: string[];
}

export interface SeriesBaseline {
  series_key: string;
  service_name: string;
  model: string;
  metric: string;
  stats: BaselineStats;
  last_timestamp: string;
}

export interface TelemetryRow {
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
}

export interface Page<T> {
  data: T[];
  next_cursor?: string | null;
}

export interface Subscription {
  id: string;
  name: string;
  url: string;
  min_severity: Severity;
  services: string[];
  models: string[];
  anomaly_types: string[];
  enabled: boolean;
  managed_by: 'api' | 'config';
  previous_secret_expires_at: string | null;
  created_at: string;
  updated_at: string;
  secret?: string;
}

export interface Matcher {
  name: (typeof MATCHER_LABELS)[number];
  value: string;
  is_regex: boolean;
  is_equal: boolean;
}

export interface Silence {
  id: string;
  state: 'active' | 'pending' | 'expired';
  matchers: Matcher[];
  starts_at: string;
  ends_at: string;
  created_by: string;
  comment: string;
}

export interface Delivery {
  id: string;
  channel: 'webhook' | 'amqp';
  target: string;
  message_id: string;
  event_type: string;
  routing_key?: string;
  status: 'pending' | 'delivered' | 'dead';
  created_at: string;
  next_attempt_at: string | null;
  attempts: Array<{ at: string; ok: boolean; status_code: number | null; error?: string; duration_ms: number }>;
}

/**
 * The baseline band of a series: where the MAD detector stays quiet (median ± (t / 0.6745)·MAD, t its
 * threshold: a modified z-score of t) and where the IQR detector does (Tukey's fences Q1 − k·IQR, Q3 + k·IQR).
 * From the statistics in the metric's unit; on log-judged metrics (latency, tokens, cost) the detectors'
 * own bounds are asymmetric, so these are the unit-scale reading of the same statistics.
 */
export interface Band {
  median: number;
  madThreshold: number;
  /** The MAD multiplier: t / 0.6745. */
  madK: number;
  madLow: number;
  madHigh: number;
  iqrK: number;
  fenceLow: number;
  fenceHigh: number;
}

export function bandOf(stats: BaselineStats, detectors: DetectorVerdict[] = []): Band {
  const madThreshold = detectors.find((d) => d.method === 'mad')?.threshold ?? DEFAULT_MAD_THRESHOLD;
  const iqrK = detectors.find((d) => d.method === 'iqr')?.threshold ?? DEFAULT_IQR_K;
  const madK = madThreshold / MAD_TO_SIGMA;
  const iqr = stats.q3 - stats.q1;
  return {
    median: stats.median,
    madThreshold,
    madK,
    // Every metric Sentinel watches (time, tokens, cost, shares of calls) is ≥ 0: a band below 0 would only mislead.
    madLow: Math.max(0, stats.median - madK * stats.mad),
    madHigh: stats.median + madK * stats.mad,
    iqrK,
    fenceLow: Math.max(0, stats.q1 - iqrK * iqr),
    fenceHigh: stats.q3 + iqrK * iqr,
  };
}

/**
 * A metric's values from raw telemetry rows in time order: per call for the per-call metrics, the rolling
 * share of the last RATE_WINDOW calls for rates. null for a metric that is not a series (prompt_injection).
 */
export function metricValues(metric: string, rows: TelemetryRow[]): Array<[t: number, v: number]> | null {
  const perCall = ['latency_ms', 'time_to_first_token_ms', 'prompt_tokens', 'completion_tokens', 'total_tokens', 'cost_usd'] as const;
  const field = perCall.find((m) => m === metric);
  if (field) {
    const out: Array<[number, number]> = [];
    for (const r of rows) {
      const v = r[field];
      if (typeof v === 'number') out.push([Date.parse(r.timestamp), v]);
    }
    return out;
  }
  let hit: ((r: TelemetryRow) => boolean) | null = null;
  if (metric === 'error_rate') hit = (r) => r.error;
  else if (metric.startsWith('finish_reason_rate:')) {
    const reason = metric.slice('finish_reason_rate:'.length);
    hit = (r) => r.finish_reason === reason;
  }
  if (!hit) return null;
  const out: Array<[number, number]> = [];
  let hits = 0;
  for (let i = 0; i < rows.length; i++) {
    if (hit(rows[i]!)) hits++;
    if (i >= RATE_WINDOW && hit(rows[i - RATE_WINDOW]!)) hits--;
    out.push([Date.parse(rows[i]!.timestamp), hits / Math.min(i + 1, RATE_WINDOW)]);
  }
  return out;
}

export function formatValue(metric: string, v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '–';
  if (metric.endsWith('_ms')) return `${v.toLocaleString('en-US', { maximumFractionDigits: v < 10 ? 2 : 0 })} ms`;
  if (metric === 'cost_usd') return `$${v.toPrecision(3)}`;
  if (metric === 'error_rate' || metric.startsWith('finish_reason_rate:')) return `${(v * 100).toFixed(1)} %`;
  if (metric.endsWith('_tokens')) return v.toLocaleString('en-US', { maximumFractionDigits: 1 });
  return v.toLocaleString('en-US', { maximumFractionDigits: 3 });
}

export const formatTime = (iso: string | number) => new Date(iso).toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'medium' });
