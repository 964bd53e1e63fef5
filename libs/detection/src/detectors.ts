/**
 * The four detectors as pure functions of a value and the baseline it is judged against.
 *
 * Degenerate baselines: a constant series has std = MAD = IQR = 0, where the textbook statistics divide
 * by zero. Each detector measures deviations against at least a floor σ_min (see `scaleFloor`), mapped to
 * its own unit (MAD = 0.6745·σ, IQR = 1.349·σ for normal data). So a value that differs from a constant
 * baseline gets a large but finite statistic, bounded by about 2 / relativeScaleFloor, and equal values
 * get 0. The floor is relative to the magnitude of the baseline and the value, so it is unit-free, plus an
 * optional absolute `minScale` per metric (rates move in steps of 1/N, see config.ts).
 */

/** Φ⁻¹(0.75): MAD / 0.6745 estimates σ for normal data (Iglewicz & Hoaglin's modified z-score). */
export const MAD_TO_SIGMA = 0.6745;
/** IQR of a normal distribution in units of σ. */
export const IQR_TO_SIGMA = 1.349;
/** Keeps the floor positive when the baseline and the value are both exactly zero. */
const ABSOLUTE_FLOOR = 1e-300;

export function scaleFloor(center: number, x: number, minScale: number, relativeFloor: number): number {
  const ac = center < 0 ? -center : center;
  const ax = x < 0 ? -x : x;
  const relative = relativeFloor * (ac > ax ? ac : ax);
  const f = relative > minScale ? relative : minScale;
  return f > ABSOLUTE_FLOOR ? f : ABSOLUTE_FLOOR;
}

/** Signed z = (x − mean) / std. */
export function zScore(x: number, mean: number, std: number, floor: number): number {
  return (x - mean) / (std > floor ? std : floor);
}

/** Signed modified z-score 0.6745·(x − median) / MAD. */
export function modifiedZScore(x: number, median: number, mad: number, floor: number): number {
  const f = MAD_TO_SIGMA * floor;
  return (MAD_TO_SIGMA * (x - median)) / (mad > f ? mad : f);
}

/** Signed distance beyond the nearer quartile in IQRs: > k above Q3 + k·IQR, < −k below Q1 − k·IQR, 0 inside. */
export function iqrDistance(x: number, q1: number, q3: number, floor: number): number {
  const f = IQR_TO_SIGMA * floor;
  const iqr = q3 - q1;
  const scale = iqr > f ? iqr : f;
  if (x > q3) return (x - q3) / scale;
  if (x < q1) return (x - q1) / scale;
  return 0;
}

/**
 * One step of a two-sided tabular CUSUM on a standardised value u (in σ): the upper sum accumulates
 * u − k, the lower one −u − k, both floored at 0. Returns the new sums through `out`.
 */
export function cusumStep(upper: number, lower: number, u: number, k: number, out: { upper: number; lower: number }): void {
  const up = upper + u - k;
  const down = lower - u - k;
  out.upper = up > 0 ? up : 0;
  out.lower = down > 0 ? down : 0;
}

/** Clips a standardised step so that a single outlier cannot fake a sustained shift. */
export function clip(u: number, limit: number): number {
  return u > limit ? limit : u < -limit ? -limit : u;
}
