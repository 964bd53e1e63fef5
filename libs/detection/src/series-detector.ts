import type { BaselineStats, DetectorVerdict } from '@sentinel/contracts';
import { DetectionConfigSchema, resolveSeriesParams, type DetectionConfig, type DetectionConfigInput } from './config.js';
import { RollingWindow } from './rolling-window.js';
import { SeriesState } from './series-state.js';

/**
 * The detection ensemble over one plain numeric series, for replays and benchmarks (NAB): the same
 * SeriesState, detectors and ensemble as BaselineShard, without telemetry events around it.
 */
export class SeriesDetector {
  private readonly state: SeriesState;

  /** `metric` selects per-metric overrides and directions; the default judges both directions. */
  constructor(config: DetectionConfig | DetectionConfigInput = {}, metric = 'value') {
    const parsed = DetectionConfigSchema.parse(config);
    this.state = new SeriesState(resolveSeriesParams(parsed, metric), new RollingWindow(parsed.window));
  }

  /**
   * Judges `value` against the history so far, learns it, and returns the ensemble score in [0, 1]
   * (0 during warm-up and while a reported anomaly's cooldown lasts).
   * @throws RangeError for NaN and ±Infinity, which would poison every statistic after them.
   */
  score(value: number): number {
    if (typeof value !== 'number' || !Number.isFinite(value)) throw new RangeError(`SeriesDetector.score: value must be a finite number, got ${String(value)}`);
    const s = this.state.judge(value);
    this.state.learn(value, '');
    return s;
  }

  /** Whether the last scored value was judged (false during warm-up). */
  get judged(): boolean {
    return this.state.judged;
  }

  /** Every detector's verdict on the last scored value (undefined during warm-up). */
  verdicts(): DetectorVerdict[] | undefined {
    return this.state.judged ? this.state.verdicts() : undefined;
  }

  /** The baseline the last value was judged against (undefined during warm-up). */
  judgedStats(): BaselineStats | undefined {
    return this.state.judged ? this.state.judgedStats() : undefined;
  }

  /** The baseline now, including the last value. */
  stats(): BaselineStats {
    return this.state.currentStats();
  }

  get count(): number {
    return this.state.window.count;
  }
}

/** Scores a whole series in order, each value judged only against the values before it. */
export function scoreSeries(values: ArrayLike<number>, config: DetectionConfig | DetectionConfigInput = {}, metric = 'value'): Float64Array {
  const detector = new SeriesDetector(config, metric);
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = detector.score(values[i]!);
  return out;
}
