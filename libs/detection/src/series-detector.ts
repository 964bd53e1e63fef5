import type { BaselineStats, DetectorVerdict } from '@sentinel/contracts';
import { DetectionConfigSchema, resolveSeriesParams, type DetectionConfig, type DetectionConfigInput, type SeriesParams } from './config.js';
import { squash } from './ensemble.js';
import { RollingWindow } from './rolling-window.js';
import { SeasonalHistory, findPeriod } from './season.js';
import { SeriesState } from './series-state.js';

export interface SeriesOptions {
  /** Selects per-metric overrides and directions; the default 'value' has none and judges both directions. */
  metric?: string;
  /**
   * Also judge each value's residual from the same phase of earlier cycles (season.ts), the cycle length
   * found from the warm-up samples; a series without a clear cycle is judged on its values alone.
   */
  seasonal?: boolean;
  /**
   * Score the mean ensemble strength of the last `smoothing` values (default 1: each value alone). At 2,
   * a lone one-sample blip scores half its strength while a change that lasts keeps its full strength.
   */
  smoothing?: number;
}

/**
 * The detection ensemble over one plain numeric series of regular cadence, for replays and benchmarks
 * (NAB): the same SeriesState, detectors and ensemble as BaselineShard, without telemetry events around
 * it, plus the options above. The score is squash of the strongest view's strength (averaged over
 * `smoothing` values); after a score reaches config.minScore, config.cooldown values score 0, whichever
 * view raised it, since a single change is one anomaly.
 */
export class SeriesDetector {
  private readonly params: SeriesParams;
  private readonly value: SeriesState;
  private readonly smoothing: number;
  private readonly strengths: Float64Array;
  private strengthAt = 0;
  private quietFor = 0;
  /** Warm-up values, kept until the cycle length is decided (seasonal only). */
  private warmupValues: Float64Array | null;
  private seen = 0;
  private seasonal: { history: SeasonalHistory; state: SeriesState } | null = null;

  constructor(config: DetectionConfig | DetectionConfigInput = {}, options: SeriesOptions = {}) {
    const parsed = DetectionConfigSchema.parse(config);
    this.params = resolveSeriesParams(parsed, options.metric ?? 'value');
    // The views never go quiet themselves: the cooldown applies to the combined score.
    this.value = new SeriesState({ ...this.params, cooldown: 0 }, new RollingWindow(parsed.window));
    this.smoothing = Math.max(1, Math.floor(options.smoothing ?? 1));
    this.strengths = new Float64Array(this.smoothing);
    this.warmupValues = options.seasonal ? new Float64Array(this.params.warmup) : null;
  }

  /**
   * Judges `value` against the history so far, learns it, and returns the ensemble score in [0, 1]
   * (0 during warm-up and while a reported anomaly's cooldown lasts).
   * @throws RangeError for NaN and ±Infinity, which would poison every statistic after them.
   */
  score(value: number): number {
    if (typeof value !== 'number' || !Number.isFinite(value)) throw new RangeError(`SeriesDetector.score: value must be a finite number, got ${String(value)}`);
    this.value.update(value, '');
    let strength = this.value.strength;
    if (this.seasonal) {
      const { history, state } = this.seasonal;
      state.update(history.residual(value), '');
      history.push(value);
      if (state.strength > strength) strength = state.strength;
    } else if (this.warmupValues) {
      this.warmupValues[this.seen++] = value;
      if (this.seen === this.warmupValues.length) this.startSeasonal(this.warmupValues);
    }
    return this.combine(strength);
  }

  /** Whether the last scored value was judged (false during warm-up). */
  get judged(): boolean {
    return this.value.judged;
  }

  /** Every detector's verdict on the last scored value (undefined during warm-up), on its values. */
  verdicts(): DetectorVerdict[] | undefined {
    return this.value.judged ? this.value.verdicts() : undefined;
  }

  /** The baseline the last value was judged against (undefined during warm-up). */
  judgedStats(): BaselineStats | undefined {
    return this.value.judged ? this.value.judgedStats() : undefined;
  }

  /** The baseline now, including the last value. */
  stats(): BaselineStats {
    return this.value.currentStats();
  }

  get count(): number {
    return this.value.window.count;
  }

  /** Cycle length in samples of the seasonal view (0: none, or not decided yet). */
  get period(): number {
    return this.seasonal?.history.period ?? 0;
  }

  /** Once warm-up ends: find the cycle and replay the warm-up values through the seasonal view. */
  private startSeasonal(values: Float64Array): void {
    this.warmupValues = null;
    const period = findPeriod(values);
    if (period === 0) return;
    const history = new SeasonalHistory(period);
    // Residuals exist from the second cycle on; the view judges from the first value after warm-up.
    const state = new SeriesState({ ...this.params, cooldown: 0, warmup: Math.max(2, values.length - period) }, new RollingWindow(this.value.window.capacity));
    for (const v of values) {
      if (history.ready) state.update(history.residual(v), '');
      history.push(v);
    }
    this.seasonal = { history, state };
  }

  private combine(strength: number): number {
    const recent = this.strengths;
    recent[this.strengthAt] = strength;
    this.strengthAt = this.strengthAt + 1 === this.smoothing ? 0 : this.strengthAt + 1;
    if (this.quietFor > 0) {
      this.quietFor--;
      return 0;
    }
    let sum = 0;
    for (let i = 0; i < recent.length; i++) sum += recent[i]!;
    const score = this.value.judged ? squash(sum / this.smoothing) : 0;
    if (score >= this.params.minScore && this.params.cooldown > 0) this.quietFor = this.params.cooldown;
    return score;
  }
}

/** Scores a whole series in order, each value judged only against the values before it. */
export function scoreSeries(values: ArrayLike<number>, config: DetectionConfig | DetectionConfigInput = {}, options: SeriesOptions = {}): Float64Array {
  const detector = new SeriesDetector(config, options);
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = detector.score(values[i]!);
  return out;
}
