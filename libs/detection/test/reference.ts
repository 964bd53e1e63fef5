/** Naive reference implementations: sort a copy of the window for every question. Slow and obviously right. */

export function sortedCopy(xs: readonly number[]): number[] {
  return [...xs].sort((a, b) => a - b);
}

export function refLerp(a: number, b: number, f: number): number {
  if (f === 0) return a;
  const d = b - a;
  return Number.isFinite(d) ? a + f * d : a * (1 - f) + b * f;
}

/** R-7 (numpy "linear") quantile. */
export function refQuantile(xs: readonly number[], p: number): number {
  const s = sortedCopy(xs);
  const h = (s.length - 1) * p;
  const lo = Math.floor(h);
  if (lo + 1 >= s.length) return s[lo]!;
  return refLerp(s[lo]!, s[lo + 1]!, h - lo);
}

export function refMedian(xs: readonly number[]): number {
  return refQuantile(xs, 0.5);
}

export function refMad(xs: readonly number[]): number {
  const m = refMedian(xs);
  return refMedian(xs.map((x) => Math.abs(x - m)));
}

export function refMean(xs: readonly number[]): number {
  let s = 0;
  for (const x of xs) s += x;
  return s / xs.length;
}

/** Two-pass sample standard deviation, with the data scaled by its largest magnitude so squares never overflow. */
export function refStd(xs: readonly number[]): number {
  if (xs.length < 2) return 0;
  const m = refMean(xs);
  const scale = Math.max(...xs.map(Math.abs));
  if (scale === 0) return 0;
  let ss = 0;
  for (const x of xs) ss += ((x - m) / scale) ** 2;
  return Math.sqrt(ss / (xs.length - 1)) * scale;
}

export function maxAbs(xs: readonly number[]): number {
  return Math.max(0, ...xs.map(Math.abs));
}

/** |a − b| within `rel` of b, plus an absolute allowance `abs` (for values that are differences of large numbers). */
export function close(a: number, b: number, rel = 1e-9, abs = 0): boolean {
  if (a === b) return true;
  return Math.abs(a - b) <= rel * Math.abs(b) + abs;
}
