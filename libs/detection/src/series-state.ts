import type { BaselineStats, DetectorVerdict } from '@sentinel/contracts';
import type { SeriesParams } from './config.js';
import { clip, cusumStep, iqrDistance, modifiedZScore, scaleFloor, zScore } from './detectors.js';
import { combineStrengths, downward, nextSeverityCut, squash, upward } from './ensemble.js';
import type { RollingWindow } from './rolling-window.js';

const cusumScratch = { upper: 0, lower: 0 };

/**
 * One series' baseline (rolling window + CUSUM sums) and the judgement of the latest value against it.
 *
 * `update(x)` first judges x against the baseline as it stands, leaving the result in plain number fields
 * (no objects on the hot path; verdicts are built by `verdicts()` only when an anomaly is reported), and
 * then adds x: an outlier is judged against history, not against itself.
 *
 * Heavy-tailed metrics (latency, tokens, cost: roughly lognormal) are judged on a log scale,
 * y = ln(1 + x / logUnit) (config.ts). On the raw scale their long right tail trips every detector
 * several times per thousand normal calls; on the log scale the tail is symmetric, the textbook
 * thresholds mean what they say, and a 5× spike is as far out at 500 ms as at 5 s. The window and every
 * statistic below live on the judged scale; `judgedStats()` and `currentStats()` report them in the
 * metric's unit (`toUnit`).
 */
export class SeriesState {
  readonly params: SeriesParams;
  window: RollingWindow;
  cusumUpper = 0;
  cusumLower = 0;
  /** Samples left during which reports are suppressed after the last one (config `cooldown`). */
  quietFor = 0;
  /**
   * While quiet, a score at or above this is reported anyway: the next severity cut above the last report's.
   * An outage then escalates as it deepens (an error rate climbing from 5 % to 60 % goes from low to
   * critical within the cooldown) instead of staying at the severity of its first, mildest sample.
   */
  escalateAt = Infinity;
  /** Timestamp of the last event that fed this series ('' for none). */
  lastTimestamp = '';

  // The last judgement. `judged` is false during warm-up, when nothing below is meaningful.
  judged = false;
  count = 0;
  mean = 0;
  std = 0;
  median = 0;
  mad = 0;
  q1 = 0;
  q3 = 0;
  /** The dispersion floor the statistics were measured against (detectors.ts). */
  floor = 0;
  zStat = 0;
  iqrStat = 0;
  madStat = 0;
  /** Signed CUSUM statistic of this step: +upper sum or −lower sum, whichever is larger, before any reset. */
  cusumStat = 0;
  /** 1 when the judged deviation points up, −1 down. */
  direction = 1;
  /** Ensemble score in [0, 1] (0 in warm-up and while quiet). */
  score = 0;
  /** Ensemble strength R (ensemble.ts): 1 at the thresholds; rawScore = squash(R). */
  strength = 0;
  /** Ensemble score before cooldown suppression. */
  rawScore = 0;

  constructor(params: SeriesParams, window: RollingWindow) {
    this.params = params;
    this.window = window;
  }

  /** The value on the judged scale. */
  judgedValue(x: number): number {
    return toJudgedScale(x, this.params.logUnit);
  }

  /** A value, or a centre, of the judged scale back in the metric's unit. */
  toUnit(y: number): number {
    return fromJudgedScale(y, this.params.logUnit);
  }

  /** A spread around centre c on the judged scale, in the metric's unit: half the width of c ± d mapped back. */
  spreadToUnit(c: number, d: number): number {
    return this.params.logUnit === 0 ? d : (this.toUnit(c + d) - this.toUnit(c - d)) / 2;
  }

  /**
   * Judges x (finite, checked by the caller) against the baseline, advances CUSUM, then learns x.
   * Returns the ensemble score in [0, 1] (0 in warm-up and while quiet after a report).
   */
  update(x: number, timestamp: string): number {
    const y = this.judgedValue(x);
    const score = this.judge(y);
    this.window.push(y);
    this.lastTimestamp = timestamp;
    return score;
  }

  private judge(x: number): number {
    const w = this.window;
    const p = this.params;
    const n = w.count;
    if (n < p.warmup) {
      this.judged = false;
      this.score = 0;
      this.rawScore = 0;
      this.strength = 0;
      return 0;
    }
    const t = p.thresholds;
    const mean = w.mean;
    const std = w.std;
    const median = w.median;
    const mad = w.mad(median);
    const q1 = w.quantile(0.25);
    const q3 = w.quantile(0.75);
    const floor = scaleFloor(median, x, p.minScale, p.relativeScaleFloor);
    const z = zScore(x, mean, std, floor);
    const iqrStat = iqrDistance(x, q1, q3, floor);
    const madStat = modifiedZScore(x, median, mad, floor);

    if (p.cusum) cusumStep(this.cusumUpper, this.cusumLower, clip(z, t.cusumClip), t.cusumK, cusumScratch);
    else cusumScratch.upper = cusumScratch.lower = 0;
    const upper = cusumScratch.upper;
    const lower = cusumScratch.lower;
    if (upper > t.cusumH || lower > t.cusumH) {
      // An alarm restarts both sums, so the next alarm needs fresh evidence of a (further) shift.
      this.cusumUpper = 0;
      this.cusumLower = 0;
    } else {
      this.cusumUpper = upper;
      this.cusumLower = lower;
    }

    const rUp = p.up ? combineStrengths(upward(z, t.zScore), upward(iqrStat, t.iqrK), upward(madStat, t.mad), upper / t.cusumH) : 0;
    const rDown = p.down ? combineStrengths(downward(z, t.zScore), downward(iqrStat, t.iqrK), downward(madStat, t.mad), lower / t.cusumH) : 0;
    const strength = rUp >= rDown ? rUp : rDown;
    const raw = squash(strength);

    this.judged = true;
    this.count = n;
    this.mean = mean;
    this.std = std;
    this.median = median;
    this.mad = mad;
    this.q1 = q1;
    this.q3 = q3;
    this.floor = floor;
    this.zStat = z;
    this.iqrStat = iqrStat;
    this.madStat = madStat;
    this.cusumStat = upper >= lower ? upper : -lower;
    this.direction = rUp >= rDown ? 1 : -1;
    this.strength = strength;
    this.rawScore = raw;
    if (this.quietFor > 0 && raw < this.escalateAt) {
      this.quietFor--;
      this.score = 0;
    } else {
      this.score = raw;
      if (raw >= p.minScore && p.cooldown > 0) {
        this.quietFor = p.cooldown;
        this.escalateAt = nextSeverityCut(raw, p.severity);
      }
    }
    return this.score;
  }

  /** Every detector's verdict on the last judged value (allocates; call only when reporting). */
  verdicts(): DetectorVerdict[] {
    const t = this.params.thresholds;
    return [
      verdict('z_score', this.zStat, t.zScore),
      verdict('iqr', this.iqrStat, t.iqrK),
      verdict('mad', this.madStat, t.mad),
      verdict('cusum', this.cusumStat, t.cusumH),
    ];
  }

  /** Baseline statistics the last value was judged against, in the metric's unit. */
  judgedStats(): BaselineStats {
    return this.inUnit(this.count, this.mean, this.std, this.median, this.mad, this.q1, this.q3);
  }

  /** Baseline statistics as they stand now (after the last update), in the metric's unit. */
  currentStats(): BaselineStats {
    const w = this.window;
    if (w.count === 0) return { count: 0, mean: 0, std_dev: 0, median: 0, mad: 0, q1: 0, q3: 0 };
    const median = w.median;
    return this.inUnit(w.count, w.mean, w.std, median, w.mad(median), w.quantile(0.25), w.quantile(0.75));
  }

  /**
   * On a log scale, order statistics map back exactly (the map is monotone), the mean becomes the
   * geometric-type mean toUnit(mean of y), and a spread becomes the half-width of centre ± spread mapped back.
   */
  private inUnit(count: number, mean: number, std: number, median: number, mad: number, q1: number, q3: number): BaselineStats {
    return {
      count,
      mean: this.toUnit(mean),
      std_dev: this.spreadToUnit(mean, std),
      median: this.toUnit(median),
      mad: this.spreadToUnit(median, mad),
      q1: this.toUnit(q1),
      q3: this.toUnit(q3),
    };
  }
}

/** x on the scale judged with this logUnit (config.ts): ln(1 + x / logUnit), or x itself for 0. */
export function toJudgedScale(x: number, logUnit: number): number {
  if (logUnit === 0) return x;
  return x > 0 ? Math.log1p(x / logUnit) : 0;
}

/** The inverse of toJudgedScale, capped so that a report stays finite. */
export function fromJudgedScale(y: number, logUnit: number): number {
  if (logUnit === 0) return y;
  const x = logUnit * Math.expm1(y);
  return x < Number.MAX_VALUE ? x : Number.MAX_VALUE;
}

function verdict(method: DetectorVerdict['method'], statistic: number, threshold: number): DetectorVerdict {
  const r = (statistic < 0 ? -statistic : statistic) / threshold;
  return { method, anomalous: r > 1, score: squash(r), statistic, threshold };
}
