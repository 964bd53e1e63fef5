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

/** First index i in [0, n) with sorted[i] > x (n when none). */
export function upperBound(sorted: Float64Array, n: number, x: number): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Median of |x − median| without building the deviations.
 *
 * Split at m = ⌊n/2⌋: every value of rank < m is ≤ median and every value of rank ≥ m is ≥ median (for
 * odd and even n), so the deviations form two ascending sequences, left(j) = median − x[m − 1 − j] and
 * right(j) = x[m + j] − median. The k-th smallest of their union takes some i values from the left one:
 * the smallest i with left(i) ≥ right(k − i). Rounding is monotone and fl(median − x) = −fl(x − median),
 * so the result is bit-identical to sorting |x − median| computed directly.
 *
 * The search starts from `lastSplit`, the i of the previous call on the same series: one value enters and
 * one leaves between calls, so i moves little, and an exponential search from it reads a few neighbouring
 * values instead of the ~2·log2(n) scattered ones (each a cache miss when the series is cold) of a plain
 * binary search. Any start gives the same result.
 */
export class MadSearch {
  lastSplit = 0;

  mad(s: Float64Array, n: number, median: number): number {
    const m = n >>> 1;
    const k = (n - 1) >>> 1;
    const rightLen = n - m;
    const lo0 = k + 1 - rightLen > 0 ? k + 1 - rightLen : 0;
    const hi0 = k + 1 < m ? k + 1 : m;
    let lo: number;
    let hi: number;
    let g = this.lastSplit < lo0 ? lo0 : this.lastSplit > hi0 ? hi0 : this.lastSplit;
    if (g < hi0 && takesMore(s, median, m, k, g)) {
      // Answer in (g, hi0]: gallop up.
      let step = 1;
      lo = g + 1;
      hi = g + step;
      while (hi < hi0 && takesMore(s, median, m, k, hi)) {
        lo = hi + 1;
        step *= 2;
        hi = g + step;
      }
      if (hi > hi0) hi = hi0;
    } else {
      // Answer in [lo0, g]: gallop down.
      let step = 1;
      hi = g;
      g = hi - step;
      while (g >= lo0 && !takesMore(s, median, m, k, g)) {
        hi = g;
        step *= 2;
        g = hi - step;
      }
      lo = g + 1 > lo0 ? g + 1 : lo0;
    }
    while (lo < hi) {
      const i = (lo + hi) >>> 1;
      if (takesMore(s, median, m, k, i)) lo = i + 1;
      else hi = i;
    }
    const i = lo;
    this.lastSplit = i;
    // The k-th smallest is the larger of the last value taken from each side.
    const fromLeft = i > 0 ? median - s[m - i]! : -Infinity;
    const fromRight = k - i >= 0 ? s[m + k - i]! - median : -Infinity;
    const a = fromLeft > fromRight ? fromLeft : fromRight;
    if ((n & 1) === 1) return a;
    // Even n: the (k + 1)-th is the smaller of the next value on each side.
    const nextLeft = i < m ? median - s[m - 1 - i]! : Infinity;
    const nextRight = k + 1 - i < rightLen ? s[m + k + 1 - i]! - median : Infinity;
    return lerp(a, nextLeft < nextRight ? nextLeft : nextRight, 0.5);
  }
}

/** left(i) < right(k − i): the k-th smallest deviation takes more than i values from the left side. */
function takesMore(s: Float64Array, median: number, m: number, k: number, i: number): boolean {
  return median - s[m - 1 - i]! < s[m + k - i]! - median;
}
