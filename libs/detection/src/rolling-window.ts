import { MadSearch, lowerBound, quantileSorted, upperBound } from './order-statistics.js';

const INITIAL_CAPACITY = 32;
const MIN_SCALE = 2 ** -1000;
const MAX_SCALE = 2 ** 1023;
/**
 * Rounding error of the running M2 is at most about 2^-52 × (sum of |terms| added or removed since the
 * last exact pass). Recomputing whenever M2 falls below 2^-16 of that mass keeps its relative error
 * under ~2^-36 ≈ 1.5e-11; on data whose scale is steady the mass stays ~2·M2 and this never fires.
 */
const M2_CANCELLATION_RATIO = 2 ** -16;

/**
 * A bounded window of the last W values of one series with exact order statistics and running moments.
 *
 * - `ring` holds the values in arrival order (to know which one leaves); `sorted` holds the same values
 *   ascending. Both are Float64Arrays, grown by doubling up to W, so a sparse series costs little and the
 *   hot path never allocates once a series is full.
 * - Update: two binary searches (O(log W)) and one `copyWithin` over the values strictly between the
 *   leaving and the arriving one (none when they are equal). That move is O(W) in the worst case (W/3 on
 *   average for i.i.d. data), but it is one memmove of at most 8·W contiguous bytes, which the hardware
 *   streams: out of cache the two binary searches cost far more than the move. Measured at W = 1000, it
 *   beat a blocked O(√W) layout (a tiered vector of 32-value circular blocks) in JavaScript, in cache and
 *   out of it, whose bookkeeping per element and per block costs more than the bytes it spares.
 * - Median and quartiles are O(1) reads of `sorted` (R-7, see order-statistics.ts); MAD is O(log W), and
 *   a few reads in steady state (MadSearch).
 * - Mean: Neumaier-compensated sum, so values that leave are subtracted without the usual catastrophic
 *   cancellation. Variance: Welford's update with removal on values scaled by a power of two
 *   (exact, and keeps squares of 1e300 or 1e-300 in range), plus an exact two-pass recomputation every
 *   W updates (bounds drift; amortised O(1)) or when cancellation is detected (see M2_CANCELLATION_RATIO).
 */
export class RollingWindow {
  readonly capacity: number;
  private ring: Float64Array;
  private sorted: Float64Array;
  private readonly madSearch = new MadSearch();
  /** Index in `ring` of the oldest value once the window is full (0 until then). */
  private head = 0;
  private n = 0;
  private sum = 0;
  private sumCompensation = 0;
  private meanValue = 0;
  /** Σ((x − mean) / scale)², i.e. M2 in units of scale². */
  private m2Scaled = 0;
  private scale = 1;
  private inverseScale = 1;
  private termMass = 0;
  /** max |x| over the window, kept exactly: it decides when the scale of the moments must shrink. */
  private maxAbs = 0;
  private updatesSinceExact = 0;

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 2) throw new RangeError(`window capacity must be an integer >= 2, got ${capacity}`);
    this.capacity = capacity;
    const initial = Math.min(capacity, INITIAL_CAPACITY);
    [this.ring, this.sorted] = allocatePair(initial);
  }

  get count(): number {
    return this.n;
  }

  get mean(): number {
    return this.meanValue;
  }

  /** Sample variance (n − 1 denominator), 0 below two values. */
  get variance(): number {
    if (this.n < 2 || this.m2Scaled <= 0) return 0;
    // Divide before re-scaling so that a variance beyond Number.MAX_VALUE still yields a finite std.
    return (this.m2Scaled / (this.n - 1)) * this.scale * this.scale;
  }

  /** Sample standard deviation; finite even when the variance itself would overflow. */
  get std(): number {
    if (this.n < 2 || this.m2Scaled <= 0) return 0;
    return Math.sqrt(this.m2Scaled / (this.n - 1)) * this.scale;
  }

  get min(): number {
    return this.sorted[0]!;
  }

  get max(): number {
    return this.sorted[this.n - 1]!;
  }

  quantile(p: number): number {
    if (this.n === 0) return NaN;
    return quantileSorted(this.sorted, this.n, p);
  }

  get median(): number {
    return this.quantile(0.5);
  }

  /** Median of |x − median| (unscaled). */
  mad(median: number = this.median): number {
    if (this.n === 0) return NaN;
    return this.madSearch.mad(this.sorted, this.n, median);
  }

  /**
   * Reads the values an update of this window starts from (the oldest value, the quartiles, the two
   * values the last MAD search ended on) and returns their sum. Out of cache each read is a miss;
   * BaselineShard calls this for every series of an event before updating any, so that their misses
   * overlap instead of queueing one series after another (about 10% faster at 10,000 series).
   */
  prefetch(): number {
    const n = this.n;
    if (n === 0) return 0;
    const s = this.sorted;
    const m = n >>> 1;
    const split = this.madSearch.lastSplit;
    const left = m - 1 - split;
    const right = m + ((n - 1) >>> 1) - split;
    return this.ring[this.head]! + s[(n - 1) >>> 2]! + s[m]! + s[((n - 1) * 3) >>> 2]! + s[left < 0 ? 0 : left]! + s[right < n ? right : n - 1]!;
  }

  /** Reads the oldest value and one sorted value per 64-byte line (see ModelGroup.prefetchWhole). */
  prefetchWhole(): number {
    const n = this.n;
    const s = this.sorted;
    let sum = this.ring[this.head]!;
    for (let i = 0; i < n; i += 8) sum += s[i]!;
    return sum;
  }

  /** Adds x; once the window is full the oldest value leaves. x must be finite (callers check). */
  push(value: number): void {
    const x = value + 0; // -0 becomes +0, so sorted order and snapshots never depend on the sign of zero
    const ax = x < 0 ? -x : x;
    if (this.n < this.capacity) {
      if (this.n === this.ring.length) this.grow();
      this.ring[this.n] = x;
      this.insertSorted(x);
      this.addMoment(x);
      if (ax > this.maxAbs) this.maxAbs = ax;
    } else {
      const old = this.ring[this.head]!;
      this.ring[this.head] = x;
      this.head = this.head + 1 === this.capacity ? 0 : this.head + 1;
      this.replaceSorted(old, x);
      this.removeMoment(old);
      this.addMoment(x);
      if (ax >= this.maxAbs) this.maxAbs = ax;
      else if ((old < 0 ? -old : old) === this.maxAbs) this.maxAbs = this.extremeAbs();
    }
    if (++this.updatesSinceExact >= this.capacity || this.m2Scaled < this.termMass * M2_CANCELLATION_RATIO || this.scaleCollapsed()) {
      this.recomputeExact();
    }
  }

  /** Values oldest first as two views of the ring, not copied (for snapshots): valid until the next push. */
  valuesInOrderParts(): [older: Float64Array, newer: Float64Array] {
    if (this.n < this.capacity) return [this.ring.subarray(0, this.n), this.ring.subarray(0, 0)];
    return [this.ring.subarray(this.head, this.capacity), this.ring.subarray(0, this.head)];
  }

  /** Scalar state for snapshots: together with the values in order it restores the window bit for bit. */
  exportScalars(): Float64Array {
    return Float64Array.of(this.sum, this.sumCompensation, this.meanValue, this.m2Scaled, this.scale, this.termMass, this.updatesSinceExact);
  }

  static readonly SCALAR_COUNT = 7;

  /**
   * Rebuilds a window from its values (oldest first) and, when the capacity is unchanged, its exported
   * scalars, giving bit-identical behaviour to the window that was exported. Without scalars (or after a
   * change of capacity, keeping the newest values) the moments are recomputed exactly.
   */
  static restore(capacity: number, values: Float64Array, scalars: Float64Array | null): RollingWindow {
    const w = new RollingWindow(capacity);
    const kept = values.length > capacity ? values.subarray(values.length - capacity) : values;
    let size = w.ring.length;
    while (size < kept.length) size = Math.min(capacity, size * 2);
    [w.ring, w.sorted] = allocatePair(size);
    w.ring.set(kept);
    w.sorted.set(kept);
    w.sorted.subarray(0, kept.length).sort();
    w.n = kept.length;
    w.head = 0;
    w.maxAbs = kept.length > 0 ? w.extremeAbs() : 0;
    if (scalars && kept.length === values.length && scalars.length === RollingWindow.SCALAR_COUNT) {
      w.sum = scalars[0]!;
      w.sumCompensation = scalars[1]!;
      w.meanValue = scalars[2]!;
      w.m2Scaled = scalars[3]!;
      w.scale = scalars[4]!;
      w.inverseScale = 1 / w.scale;
      w.termMass = scalars[5]!;
      w.updatesSinceExact = scalars[6]!;
    } else {
      w.recomputeExact();
    }
    return w;
  }

  private grow(): void {
    // Only while filling: nothing has left yet, so the ring is still in arrival order from index 0.
    const size = Math.min(this.capacity, this.ring.length * 2);
    const [ring, sorted] = allocatePair(size);
    ring.set(this.ring);
    sorted.set(this.sorted);
    this.ring = ring;
    this.sorted = sorted;
  }

  private insertSorted(x: number): void {
    const s = this.sorted;
    const at = lowerBound(s, this.n, x);
    if (at < this.n) s.copyWithin(at + 1, at, this.n);
    s[at] = x;
  }

  /**
   * Removes `old` and inserts `x` in one move of the values strictly between them. Equal values are
   * interchangeable, so `old` is taken from the end of its run of ties nearest to x: a rate series, whose
   * values are a handful of repeated fractions, then moves nothing at all most of the time.
   */
  private replaceSorted(old: number, x: number): void {
    const s = this.sorted;
    const n = this.n;
    if (x > old) {
      const from = upperBound(s, n, old) - 1;
      const to = lowerBound(s, n, x);
      shiftLeft(s, from, to - 1);
      s[to - 1] = x;
    } else if (x < old) {
      const from = lowerBound(s, n, old);
      const to = upperBound(s, n, x);
      shiftRight(s, to, from);
      s[to] = x;
    }
  }

  private addMoment(x: number): void {
    if (this.n === 0) {
      this.setScaleFor(x < 0 ? -x : x);
      this.n = 1;
      this.sum = x;
      this.sumCompensation = 0;
      this.meanValue = x;
      this.m2Scaled = 0;
      return;
    }
    const ax = x < 0 ? -x : x;
    if (ax > this.scale) this.rescale(ax);
    const before = this.meanValue;
    this.addToSum(x);
    this.n++;
    this.meanValue = (this.sum + this.sumCompensation) / this.n;
    const term = (x - before) * this.inverseScale * ((x - this.meanValue) * this.inverseScale);
    this.m2Scaled += term;
    this.termMass += term < 0 ? -term : term;
  }

  private removeMoment(x: number): void {
    const before = this.meanValue;
    this.addToSum(-x);
    this.n--;
    if (this.n === 0) {
      this.sum = 0;
      this.sumCompensation = 0;
      this.meanValue = 0;
      this.m2Scaled = 0;
      return;
    }
    this.meanValue = (this.sum + this.sumCompensation) / this.n;
    const term = (x - before) * this.inverseScale * ((x - this.meanValue) * this.inverseScale);
    this.m2Scaled -= term;
    this.termMass += term < 0 ? -term : term;
  }

  /** Neumaier's variant of Kahan summation: the low-order part lost by each addition is kept apart. */
  private addToSum(x: number): void {
    const s = this.sum;
    const t = s + x;
    const as = s < 0 ? -s : s;
    const ax = x < 0 ? -x : x;
    this.sumCompensation += as >= ax ? s - t + x : x - t + s;
    this.sum = t;
  }

  private setScaleFor(magnitude: number): void {
    this.scale = powerOfTwoAtLeast(magnitude);
    this.inverseScale = 1 / this.scale;
  }

  private rescale(magnitude: number): void {
    const old = this.scale;
    this.setScaleFor(magnitude);
    const ratio = old * this.inverseScale; // a power of two: the products below are exact unless they underflow
    this.m2Scaled *= ratio * ratio;
    this.termMass *= ratio * ratio;
  }

  /** True when the values now in the window are far smaller than the scale the moments were kept at. */
  private scaleCollapsed(): boolean {
    return this.maxAbs < this.scale * 2 ** -20 && this.scale > MIN_SCALE;
  }

  /** max |x| from the two ends of the sorted values (run only when the largest magnitude leaves). */
  private extremeAbs(): number {
    const lo = this.sorted[0]!;
    const hi = this.sorted[this.n - 1]!;
    return Math.max(lo < 0 ? -lo : lo, hi < 0 ? -hi : hi);
  }

  /** Two-pass mean and M2 over the window: O(W), run at most once per W updates in steady state. */
  private recomputeExact(): void {
    const n = this.n;
    this.updatesSinceExact = 0;
    this.termMass = 0;
    if (n === 0) return;
    this.setScaleFor(this.maxAbs);
    // Oldest first, not by ring index: the rounding must not depend on where the ring happens to start,
    // or a window restored from a snapshot (which starts at index 0) would drift from the original.
    const ring = this.ring;
    const head = this.head;
    this.sum = 0;
    this.sumCompensation = 0;
    for (let i = head; i < n; i++) this.addToSum(ring[i]!);
    for (let i = 0; i < head; i++) this.addToSum(ring[i]!);
    const mean = (this.sum + this.sumCompensation) / n;
    this.meanValue = mean;
    const inv = this.inverseScale;
    let m2 = 0;
    for (let i = head; i < n; i++) {
      const d = (ring[i]! - mean) * inv;
      m2 += d * d;
    }
    for (let i = 0; i < head; i++) {
      const d = (ring[i]! - mean) * inv;
      m2 += d * d;
    }
    this.m2Scaled = m2;
  }
}

/**
 * `ring` and `sorted` as two halves of one buffer: one backing store and one ArrayBuffer per series
 * instead of two (90 bytes of heap less a series; the halves are never resized apart).
 */
function allocatePair(size: number): [ring: Float64Array, sorted: Float64Array] {
  const both = new Float64Array(2 * size);
  return [both.subarray(0, size), both.subarray(size)];
}

/** The smallest power of two ≥ v, clamped to [2^-1000, 2^1023] so that its inverse is finite. */
function powerOfTwoAtLeast(v: number): number {
  if (!(v > MIN_SCALE)) return MIN_SCALE;
  if (v >= MAX_SCALE) return MAX_SCALE;
  let p = 2 ** Math.ceil(Math.log2(v));
  if (p < v) p *= 2;
  else if (p / 2 >= v) p /= 2;
  return p;
}

/** s[a + 1 .. b] = s[a .. b − 1]; short moves by hand, where a builtin call costs more than the copy. */
function shiftRight(s: Float64Array, a: number, b: number): void {
  if (b - a < 16) {
    for (let i = b; i > a; i--) s[i] = s[i - 1]!;
  } else s.copyWithin(a + 1, a, b);
}

/** s[a .. b − 1] = s[a + 1 .. b]. */
function shiftLeft(s: Float64Array, a: number, b: number): void {
  if (b - a < 16) {
    for (let i = a; i < b; i++) s[i] = s[i + 1]!;
  } else s.copyWithin(a, a + 1, b + 1);
}
