import { z } from 'zod';
import type { SeverityCuts } from './ensemble.js';

/**
 * Detection configuration. Every field has a default so that `{}` parses to a complete config: the app
 * embeds this schema in its own and users only write the keys they change. Nested objects use
 * `.prefault({})` (zod 4) so their inner defaults are applied too.
 */

export const DIRECTIONS = ['up', 'down', 'both'] as const;
export type Direction = (typeof DIRECTIONS)[number];

const positive = z.number().positive().refine(Number.isFinite, { message: 'must be finite' });
const nonNegative = z.number().min(0).refine(Number.isFinite, { message: 'must be finite' });

export const ThresholdsSchema = z.object({
  /** |z| above which the Z-score detector calls a point anomalous. */
  zScore: positive.default(3),
  /** Tukey fence multiplier: outside [Q1 − k·IQR, Q3 + k·IQR]. */
  iqrK: positive.default(1.5),
  /** Modified z-score (0.6745·|x − median| / MAD) threshold, after Iglewicz & Hoaglin. */
  mad: positive.default(3.5),
  /** CUSUM slack in σ: drifts smaller than this are absorbed. */
  cusumK: nonNegative.default(0.5),
  /**
   * CUSUM decision threshold in σ. With k = 0.5, h = 8 raises a false alarm (either side) about once per
   * 9,500 in-control samples (h = 5, the textbook choice, once per ~470: too often for a pager); a shift of
   * 1σ is still found within ~16 samples on average, one of 2σ within ~6 (Siegmund's approximation).
   */
  cusumH: positive.default(8),
  /**
   * Each standardised step fed to CUSUM is clipped to ±this many σ, so one outlier (which the point
   * detectors already report) cannot by itself fake a mean shift.
   */
  cusumClip: positive.default(4),
});
export type Thresholds = z.infer<typeof ThresholdsSchema>;

/** Per-metric overrides; a `finish_reason_rate` key applies to every finish reason. */
export const MetricOverrideSchema = z.object({
  /** false: the metric gets no series and is never judged. */
  enabled: z.boolean().optional(),
  /** Which deviations count: `up` (higher than the baseline), `down`, or `both`. */
  direction: z.enum(DIRECTIONS).optional(),
  thresholds: ThresholdsSchema.partial().optional(),
  /** Smallest dispersion (on the judged scale) a deviation is measured against; see detectors.ts. */
  minScale: nonNegative.optional(),
  /**
   * Judge ln(1 + x / logUnit) instead of x (0 = judge x itself). For heavy-tailed, non-negative metrics:
   * see series-state.ts. logUnit is the size below which differences stop mattering (1 ms, 1 token, $1e-6).
   */
  logUnit: nonNegative.optional(),
  /** Whether CUSUM takes part (off for rates: consecutive shares of a sliding window are not independent). */
  cusum: z.boolean().optional(),
  /** Samples to stay quiet after a reported anomaly (defaults: config `cooldown`; rateWindow for rates). */
  cooldown: z.number().int().min(0).max(1_000_000).optional(),
});
export type MetricOverride = z.infer<typeof MetricOverrideSchema>;

export const SeverityCutsSchema = z
  .object({
    /** Lowest score of a `medium` anomaly (below it: `low`). */
    medium: z.number().min(0).max(1).default(0.7),
    /** Lowest score of a `high` anomaly. */
    high: z.number().min(0).max(1).default(0.85),
    /** Lowest score of a `critical` anomaly. */
    critical: z.number().min(0).max(1).default(0.95),
  })
  .refine((c) => c.medium <= c.high && c.high <= c.critical, { message: 'severity cut points must satisfy medium <= high <= critical' });

export const DetectionConfigSchema = z.object({
  /** Samples kept per series (the rolling window W). */
  window: z.number().int().min(8).max(1_000_000).default(1000),
  /** A series judges nothing before it holds this many samples. */
  warmup: z.number().int().min(2).max(1_000_000).default(30),
  thresholds: ThresholdsSchema.prefault({}),
  /** Keyed by metric name (`latency_ms`, ..., `error_rate`, `finish_reason_rate` or `finish_reason_rate:<reason>`). */
  metrics: z.record(z.string(), MetricOverrideSchema).default({}),
  /** error_rate and finish_reason_rate are shares of the last N calls of a (service, model). */
  rateWindow: z.number().int().min(2).max(100_000).default(100),
  /** Distinct non-`stop` finish reasons tracked per (service, model); later ones are not tracked. */
  maxFinishReasons: z.number().int().min(0).max(64).default(8),
  /** Scores at or above a cut point get that severity; below `medium` an anomaly is `low`. */
  severity: SeverityCutsSchema.prefault({}),
  /**
   * Anomalies scoring below this are not reported. 0.5 is "the ensemble's strength reaches 1": all three
   * point detectors past their thresholds, or a CUSUM alarm (ensemble.ts). With heavy-tailed metrics judged
   * on a log scale that is already quiet: well under one report per 1000 normal calls per series.
   */
  minScore: z.number().min(0).max(1).default(0.5),
  /**
   * Deviations are measured against at least this fraction of the baseline's magnitude, so a constant
   * series (std = MAD = IQR = 0) still yields finite, bounded statistics; see detectors.ts.
   */
  relativeScaleFloor: z.number().min(0).max(1).default(1e-6),
  /** After a reported anomaly a series stays quiet for this many samples (0 = off). */
  cooldown: z.number().int().min(0).max(1_000_000).default(0),
});

export type DetectionConfig = z.infer<typeof DetectionConfigSchema>;
export type DetectionConfigInput = z.input<typeof DetectionConfigSchema>;

export const DEFAULT_DETECTION_CONFIG: DetectionConfig = DetectionConfigSchema.parse({});

/** Built-in per-metric defaults, applied under the user's `metrics` overrides. */
const BUILT_IN_OVERRIDES: Record<string, MetricOverride> = {
  // A fast answer is rarely a problem worth paging for; opt in with direction "both".
  latency_ms: { direction: 'up', logUnit: 1 },
  time_to_first_token_ms: { direction: 'up', logUnit: 1 },
  prompt_tokens: { direction: 'both', logUnit: 1 },
  completion_tokens: { direction: 'both', logUnit: 1 },
  total_tokens: { direction: 'both', logUnit: 1 },
  cost_usd: { direction: 'up', logUnit: 1e-6 },
  // Rates move in steps of 1/rateWindow; one stray error must not look like a shift from a clean baseline.
  // Consecutive rate samples share N − 1 calls: CUSUM would read that autocorrelation as a shift.
  error_rate: { direction: 'up', minScale: 0.01, cusum: false },
  finish_reason_rate: { direction: 'up', minScale: 0.01, cusum: false },
};

function isRate(base: string): boolean {
  return base === 'error_rate' || base === 'finish_reason_rate';
}

/** The resolved parameters a series of one metric is judged with. */
export interface SeriesParams {
  readonly metric: string;
  readonly enabled: boolean;
  readonly up: boolean;
  readonly down: boolean;
  readonly thresholds: Thresholds;
  readonly minScale: number;
  /** 0: judge values as they are; > 0: judge ln(1 + x / logUnit). */
  readonly logUnit: number;
  readonly relativeScaleFloor: number;
  readonly warmup: number;
  readonly minScore: number;
  readonly cooldown: number;
  readonly cusum: boolean;
  /** A score reaching the next severity cut above the last report's breaks its cooldown (an escalation). */
  readonly severity: SeverityCuts;
}

function baseMetric(metric: string): string {
  return metric.startsWith('finish_reason_rate:') ? 'finish_reason_rate' : metric;
}

/** Merges built-in defaults, the generic override (`finish_reason_rate`) and the exact metric's override. */
export function resolveSeriesParams(config: DetectionConfig, metric: string): SeriesParams {
  const base = baseMetric(metric);
  const layers = [BUILT_IN_OVERRIDES[base], config.metrics[base], base === metric ? undefined : config.metrics[metric]];
  let enabled = true;
  let direction: Direction = 'both';
  let minScale = 0;
  let logUnit = 0;
  let cusum = true;
  // A rate stays high for about rateWindow samples after one burst; one report per burst is enough.
  let cooldown = isRate(base) ? Math.max(config.cooldown, config.rateWindow) : config.cooldown;
  let thresholds: Thresholds = { ...config.thresholds };
  for (const layer of layers) {
    if (!layer) continue;
    if (layer.enabled !== undefined) enabled = layer.enabled;
    if (layer.direction !== undefined) direction = layer.direction;
    if (layer.minScale !== undefined) minScale = layer.minScale;
    if (layer.logUnit !== undefined) logUnit = layer.logUnit;
    if (layer.cusum !== undefined) cusum = layer.cusum;
    if (layer.cooldown !== undefined) cooldown = layer.cooldown;
    if (layer.thresholds) thresholds = { ...thresholds, ...definedOnly(layer.thresholds) };
  }
  return {
    metric,
    enabled,
    up: direction !== 'down',
    down: direction !== 'up',
    thresholds,
    minScale,
    logUnit,
    relativeScaleFloor: config.relativeScaleFloor,
    warmup: config.warmup,
    minScore: config.minScore,
    cooldown,
    cusum,
    severity: config.severity,
  };
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
