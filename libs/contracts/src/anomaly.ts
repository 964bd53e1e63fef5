import { z } from 'zod';
import { validateWith, type Validated } from './validation.js';

export const SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
export const SeveritySchema = z.enum(SEVERITIES);
export type Severity = z.infer<typeof SeveritySchema>;

/** Severity order for "min severity" filters: low < medium < high < critical. */
export function severityRank(s: Severity): number {
  return SEVERITIES.indexOf(s);
}

export const DETECTION_METHODS = ['z_score', 'iqr', 'mad', 'cusum', 'rule'] as const;
export const DetectionMethodSchema = z.enum(DETECTION_METHODS);
export type DetectionMethod = z.infer<typeof DetectionMethodSchema>;

/** The anchor's anomaly types Sentinel produces, plus the finish-reason and security types it adds. */
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
export const AnomalyTypeSchema = z.enum(ANOMALY_TYPES);
export type AnomalyType = z.infer<typeof AnomalyTypeSchema>;

/** The labels of an anomaly that silences match and alert groups are keyed by. */
export const ANOMALY_LABELS = ['service', 'model', 'metric', 'anomaly_type', 'severity', 'method', 'series_key'] as const;
export type AnomalyLabel = (typeof ANOMALY_LABELS)[number];

export const METRICS = [
  'latency_ms',
  'time_to_first_token_ms',
  'prompt_tokens',
  'completion_tokens',
  'total_tokens',
  'cost_usd',
  'error_rate',
  /** Not a series: the rule score of one prompt, for `prompt_injection` security anomalies. */
  'prompt_injection',
] as const;
/** A metric is one of METRICS or `finish_reason_rate:<reason>`. */
export const MetricSchema = z.string().regex(/^(latency_ms|time_to_first_token_ms|prompt_tokens|completion_tokens|total_tokens|cost_usd|error_rate|prompt_injection|finish_reason_rate:[A-Za-z0-9_.-]{1,64})$/, {
  message: `must be one of ${METRICS.join(', ')} or finish_reason_rate:<reason>`,
});
export type Metric = (typeof METRICS)[number] | `finish_reason_rate:${string}`;

export const BaselineStatsSchema = z.object({
  count: z.number().int().min(0),
  mean: z.number(),
  std_dev: z.number().min(0),
  median: z.number(),
  mad: z.number().min(0),
  q1: z.number(),
  q3: z.number(),
});
export type BaselineStats = z.infer<typeof BaselineStatsSchema>;

export const DetectorVerdictSchema = z.object({
  method: DetectionMethodSchema,
  /** True when this detector alone calls the point anomalous. */
  anomalous: z.boolean(),
  /** This detector's normalised strength in [0, 1]. */
  score: z.number().min(0).max(1),
  /** The raw statistic: z, modified z, fence distance in IQRs, or CUSUM sum in σ. */
  statistic: z.number(),
  threshold: z.number(),
});
export type DetectorVerdict = z.infer<typeof DetectorVerdictSchema>;

const nullableString = z.string().nullable();

/**
 * A superset of the anchor's `AnomalyEvent`: its consumers keep working, and Sentinel adds the series key,
 * baseline statistics, every detector's verdict, the combined score and a human explanation.
 * `alert_id` is deterministic (same event, same metric, same id), so replays are idempotent downstream.
 */
export const AnomalyEventSchema = z.object({
  alert_id: z.uuid(),
  event_id: z.uuid(),
  /** Event time of the telemetry that raised it, not wall-clock: keeps ids and replays deterministic. */
  timestamp: z.iso.datetime({ offset: true }),
  severity: SeveritySchema,
  anomaly_type: AnomalyTypeSchema,
  detection_method: DetectionMethodSchema,
  service_name: z.string().min(1),
  model: z.string().min(1),
  series_key: z.string().min(1),
  metric: MetricSchema,
  value: z.number(),
  confidence: z.number().min(0).max(1),
  score: z.number().min(0).max(1),
  baseline: BaselineStatsSchema,
  detectors: z.array(DetectorVerdictSchema),
  explanation: z.string(),
  details: z.object({
    metric: MetricSchema,
    value: z.number(),
    baseline: z.number(),
    threshold: z.number(),
    deviation_sigma: z.number().nullable(),
    additional: z.record(z.string(), z.unknown()),
  }),
  context: z.object({
    trace_id: nullableString,
    user_id: nullableString,
    region: nullableString,
    time_window: z.string(),
    sample_count: z.number().int().min(0),
    additional: z.record(z.string(), z.string()),
  }),
  root_cause: nullableString,
  remediation: z.array(z.string()),
  related_alerts: z.array(z.uuid()),
  runbook_url: nullableString,
});
export type AnomalyEvent = z.infer<typeof AnomalyEventSchema>;

export function validateAnomalyEvent(input: unknown): Validated<AnomalyEvent> {
  return validateWith(AnomalyEventSchema, input);
}
