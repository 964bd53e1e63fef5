import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { MadSearch, RollingWindow, quantileSorted } from '@sentinel/detection';
import { close, maxAbs, refMad, refMean, refMedian, refQuantile, refStd, sortedCopy } from './reference.js';

/** Values that stress the window: ties, negatives, 1e300 and 1e-300 magnitudes, mixed in one stream. */
const value = fc.oneof(
  fc.integer({ min: -3, max: 3 }),
  fc.integer({ min: -1_000_000, max: 1_000_000 }).map((i) => i / 1000),
  fc.integer({ min: -1000, max: 1000 }).map((i) => i * 1e297),
  fc.integer({ min: -1000, max: 1000 }).map((i) => i * 1e-303),
  fc.double({ min: -1e6, max: 1e6, noNaN: true }).filter((x) => x === 0 || Math.abs(x) > 1e-300),
);
const stream = fc.oneof(
  fc.array(value, { minLength: 1, maxLength: 300 }),
  // A constant stretch after a varied one, and scale changes inside one stream.
  fc.tuple(fc.array(value, { maxLength: 60 }), value, fc.integer({ min: 1, max: 120 })).map(([a, c, n]) => [...a, ...new Array<number>(n).fill(c)]),
);

function checkAgainstReference(w: RollingWindow, xs: number[]): void {
  // The window stores -0 as +0 (sign of zero must not affect order or snapshots); so does the reference.
  const window = xs.slice(-w.capacity).map((x) => x + 0);
  expect(w.count).toBe(window.length);
  const scale = maxAbs(window);
  expect(close(w.mean, refMean(window), 1e-9, 1e-12 * scale)).toBe(true);
  const std = w.std;
  const rs = refStd(window);
  if (!close(std, rs, 1e-9, 1e-12 * scale)) throw new Error(`std ${std} vs reference ${rs} over ${JSON.stringify(window)}`);
  // Order statistics are exact: the same R-7 formula on the same ordered values.
  expect(w.median).toBe(refMedian(window));
  expect(w.quantile(0.25)).toBe(refQuantile(window, 0.25));
  expect(w.quantile(0.75)).toBe(refQuantile(window, 0.75));
  expect(w.mad()).toBe(refMad(window));
  const sorted = sortedCopy(window);
  expect(w.min).toBe(sorted[0]);
  expect(w.max).toBe(sorted[sorted.length - 1]);
}

describe('RollingWindow', () => {
  it('agrees with a sort-every-time reference on random streams', () => {
    fc.assert(
      fc.property(stream, fc.integer({ min: 2, max: 40 }), (xs, capacity) => {
        const w = new RollingWindow(capacity);
        for (let i = 0; i < xs.length; i++) {
          expect(Number.isFinite(w.prefetch())).toBe(true); // reads only: the checks below see no effect
          w.push(xs[i]!);
          checkAgainstReference(w, xs.slice(0, i + 1));
        }
      }),
      { numRuns: 300 },
    );
  });

  it('agrees on long streams through a larger window (growth, wrap-around, periodic exact passes)', () => {
    fc.assert(
      fc.property(fc.array(value, { minLength: 500, maxLength: 1500 }), fc.integer({ min: 50, max: 300 }), (xs, capacity) => {
        const w = new RollingWindow(capacity);
        xs.forEach((x, i) => {
          w.push(x);
          if (i % 37 === 0 || i === xs.length - 1) checkAgainstReference(w, xs.slice(0, i + 1));
        });
      }),
      { numRuns: 25 },
    );
  });

  it('keeps the variance of small values exact after huge values leave', () => {
    const w = new RollingWindow(5);
    for (const x of [1e300, -1e300, 1e15, 1000.001, 1000.002, 1000.003, 1000.004, 1000.005]) w.push(x);
    expect(close(w.std, refStd([1000.001, 1000.002, 1000.003, 1000.004, 1000.005]), 1e-9)).toBe(true);
    expect(close(w.mean, 1000.003, 1e-12)).toBe(true);
  });

  it('gives zero dispersion for a constant series', () => {
    const w = new RollingWindow(10);
    for (let i = 0; i < 25; i++) w.push(0.1);
    expect(w.std).toBeLessThan(1e-15);
    expect(w.mad()).toBe(0);
    expect(w.quantile(0.75) - w.quantile(0.25)).toBe(0);
  });

  it('treats -0 as 0', () => {
    const w = new RollingWindow(4);
    w.push(-0);
    w.push(0);
    expect(Object.is(w.median, 0)).toBe(true);
  });

  it('rejects a capacity below 2', () => {
    expect(() => new RollingWindow(1)).toThrow(RangeError);
  });
});

describe('MadSearch', () => {
  it('finds the MAD of any sorted values from any starting point', () => {
    fc.assert(
      fc.property(fc.array(value, { minLength: 1, maxLength: 120 }), fc.integer({ min: -5, max: 200 }), (raw, start) => {
        const xs = raw.map((x) => x + 0);
        const sorted = Float64Array.from(sortedCopy(xs));
        const search = new MadSearch();
        search.lastSplit = start;
        expect(search.mad(sorted, sorted.length, quantileSorted(sorted, sorted.length, 0.5))).toBe(refMad(xs));
      }),
      { numRuns: 500 },
    );
  });
});
