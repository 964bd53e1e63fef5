/**
 * Order statistics over an ascending Float64Array prefix `sorted[0..n)`.
 *
 * Quantile method: R-7 (Hyndman & Fan type 7, numpy's default "linear"): with h = (n − 1)·p,
 * Q(p) = x[⌊h⌋] + (h − ⌊h⌋)·(x[⌊h⌋ + 1] − x[⌊h⌋]). The median is Q(0.5), i.e. the middle value or the
 * mean of the two middle values. MAD is the (unscaled) median of |x − median|.
 */

/** Linear interpolation that stays finite when b − a would overflow (|a|, |b| near Number.MAX_VALUE). */
export function lerp(a: number, b: number, f: number): number {
  if (f === 0) return a;
  const d = b - a;
  return Number.isFinite(d) ? a + f * d : a * (1 - f) + b * f;
}

/** R-7 quantile of sorted[0..n); n must be ≥ 1 and 0 ≤ p ≤ 1. */
export function quantileSorted(sorted: Float64Array, n: number, p: number): number {
  const h = (n - 1) * p;
  const lo = Math.floor(h);
  const a = sorted[lo]!;
  if (lo + 1 >= n) return a;
  return lerp(a, sorted[lo + 1]!, h - lo);
}

/** First index i in [0, n) with sorted[i] >= x (n when none): the insertion point that keeps order. */
export function lowerBound(sorted: Float64Array, n: number, x: number): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The k-th smallest (0-based) of the n absolute deviations |x − median| in O(log n), without building them.
 *
 * Split at m = ⌊n/2⌋: every sorted[i] with i < m is ≤ median and every sorted[i] with i ≥ m is ≥ median
 * (true for odd and even n), so the deviations form two ascending sequences,
 * left(j) = median − sorted[m − 1 − j] and right(j) = sorted[m + j] − median, and the k-th smallest of
 * their union is found by binary search on how many elements come from the left one. Rounding is
 * monotone, so the computed deviations are ascending too, and fl(median − x) = −fl(x − median): the
 * result is bit-identical to sorting |x − median| computed directly.
 */
export function kthAbsDeviation(sorted: Float64Array, n: number, median: number, k: number): number {
  const m = n >>> 1;
  const leftLen = m;
  const rightLen = n - m;
  // Take i from the left and k + 1 − i from the right; find the smallest feasible i with left(i) ≥ right(k − i).
  let lo = Math.max(0, k + 1 - rightLen);
  let hi = Math.min(k + 1, leftLen);
  while (lo < hi) {
    const i = (lo + hi) >>> 1;
    // left(i) (the (i+1)-th left) vs right(k − i) (the element that would be taken if left(i) is not).
    const leftNext = median - sorted[m - 1 - i]!;
    const rightTaken = sorted[m + k - i]! - median;
    if (leftNext < rightTaken) lo = i + 1;
    else hi = i;
  }
  const i = lo;
  const fromLeft = i > 0 ? median - sorted[m - i]! : -Infinity;
  const fromRight = k - i >= 0 ? sorted[m + k - i]! - median : -Infinity;
  return fromLeft > fromRight ? fromLeft : fromRight;
}

/** Median of |x − median| over sorted[0..n) (unscaled MAD), O(log n). */
export function medianAbsDeviation(sorted: Float64Array, n: number, median: number): number {
  if (n === 0) return 0;
  const half = (n - 1) >>> 1;
  const a = kthAbsDeviation(sorted, n, median, half);
  if (n % 2 === 1) return a;
  return lerp(a, kthAbsDeviation(sorted, n, median, half + 1), 0.5);
}
