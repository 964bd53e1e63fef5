/**
 * Seasonality of a regular-cadence series (a value every 5 minutes, say): its cycle length, found from
 * the samples seen so far, and the residual of each new value from the same phase of earlier cycles.
 * Traffic-like series repeat daily or weekly; a value that is normal for the series but wrong for its
 * time of day (a holiday, a missing daily peak) only stands out in that residual.
 */

/** A cycle must correlate at least this well with the previous one to count. */
const MIN_AUTOCORRELATION = 0.4;
/** The residual is taken from the median of the same phase in up to this many earlier cycles. */
const SEASON_CYCLES = 3;

/**
 * The cycle length of `xs` in samples, or 0 when there is none.
 *
 * First the lag with the highest autocorrelation that is a local peak, at least MIN_AUTOCORRELATION,
 * between 4 samples and half the samples, and past the first lag where the autocorrelation drops to 0
 * (before that, neighbouring samples are merely alike, which is persistence, not a cycle). Each lag's
 * sum is divided by its own count of pairs, so long cycles (a week of half-hours) are not penalised for
 * having fewer pairs. The autocorrelation of a smooth cycle is flat at its peak, and the partial cycle
 * at the window's end shifts that peak by a few lags; so the lags within 3% of it are then compared by
 * the mean squared difference x[i] − x[i − lag] over the same samples, which is smallest at the true
 * cycle. O(n²), run once per series.
 */
export function findPeriod(xs: Float64Array): number {
  const n = xs.length;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += xs[i]!;
  mean /= n;
  let variance = 0;
  for (let i = 0; i < n; i++) variance += (xs[i]! - mean) ** 2;
  variance /= n;
  if (!(variance > 0) || !Number.isFinite(variance)) return 0;
  const maxLag = n >>> 1;
  const acf = new Float64Array(maxLag + 2);
  for (let lag = 1; lag <= maxLag + 1 && lag < n; lag++) {
    let c = 0;
    for (let i = lag; i < n; i++) c += (xs[i]! - mean) * (xs[i - lag]! - mean);
    acf[lag] = c / (n - lag) / variance;
  }
  let lag = 1;
  while (lag <= maxLag && acf[lag]! > 0) lag++;
  let peak = 0;
  let peakValue = MIN_AUTOCORRELATION;
  for (lag = Math.max(lag, 4); lag <= maxLag; lag++) {
    const a = acf[lag]!;
    if (a > peakValue && a >= acf[lag - 1]! && a >= acf[lag + 1]!) {
      peak = lag;
      peakValue = a;
    }
  }
  return peak === 0 ? 0 : refinePeriod(xs, peak);
}

function refinePeriod(xs: Float64Array, peak: number): number {
  const n = xs.length;
  const reach = Math.max(1, Math.round(0.03 * peak));
  const from = Math.max(4, peak - reach);
  const to = Math.min(n - 1, peak + reach);
  let best = peak;
  let bestError = Infinity;
  for (let lag = from; lag <= to; lag++) {
    let error = 0;
    for (let i = to; i < n; i++) error += (xs[i]! - xs[i - lag]!) ** 2;
    if (error < bestError) {
      best = lag;
      bestError = error;
    }
  }
  return best;
}

/** The last SEASON_CYCLES cycles of a series, for the residual of each new value from its phase. */
export class SeasonalHistory {
  readonly period: number;
  private readonly ring: Float64Array;
  private next = 0;
  private filled = 0;

  constructor(period: number) {
    this.period = period;
    this.ring = new Float64Array(period * SEASON_CYCLES);
  }

  /** Whether at least one full cycle has been seen, so that residual() is defined. */
  get ready(): boolean {
    return this.filled >= this.period;
  }

  /** x minus the median of the values one, two and three cycles ago (of those seen so far). */
  residual(x: number): number {
    const a = this.ago(1);
    if (this.filled < 2 * this.period) return x - a;
    const b = this.ago(2);
    if (this.filled < 3 * this.period) return x - (a + b) / 2;
    const c = this.ago(3);
    return x - Math.max(Math.min(a, b), Math.min(Math.max(a, b), c));
  }

  private ago(cycles: number): number {
    const size = this.ring.length;
    return this.ring[(this.next - cycles * this.period + size) % size]!;
  }

  push(x: number): void {
    this.ring[this.next] = x;
    this.next = this.next + 1 === this.ring.length ? 0 : this.next + 1;
    if (this.filled < this.ring.length) this.filled++;
  }
}
