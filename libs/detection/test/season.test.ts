import { describe, expect, it } from 'vitest';
import { SeasonalHistory, SeriesDetector, findPeriod, scoreSeries } from '@sentinel/detection';

function gaussian(seed: number): () => number {
  let s = seed;
  const u = () => (s = (s * 16807) % 2147483647) / 2147483647;
  return () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
}

/** A daily cycle at a 5-minute cadence (288 samples a day) with noise. */
function daily(days: number, seed: number): Float64Array {
  const g = gaussian(seed);
  return Float64Array.from({ length: days * 288 }, (_, i) => 50 + 30 * Math.sin((2 * Math.PI * i) / 288) + 2 * g());
}

describe('findPeriod', () => {
  it.each([2.1, 2.5, 3])('finds a daily cycle, to within a sample, from %f days of noisy samples', (days) => {
    for (const seed of [1, 2, 3]) expect(Math.abs(findPeriod(daily(days, seed)) - 288)).toBeLessThanOrEqual(1);
  });

  it('finds none in noise, in a trend or in a constant', () => {
    const g = gaussian(2);
    expect(findPeriod(Float64Array.from({ length: 700 }, () => g()))).toBe(0);
    expect(findPeriod(Float64Array.from({ length: 700 }, (_, i) => i + g()))).toBe(0);
    expect(findPeriod(new Float64Array(700).fill(3))).toBe(0);
  });
});

describe('SeasonalHistory', () => {
  it('takes the residual from the median of the same phase in the last three cycles', () => {
    const h = new SeasonalHistory(2);
    for (const v of [10, 0, 40, 0]) h.push(v);
    expect(h.residual(25)).toBe(0); // two cycles seen: the mean of 10 and 40
    for (const v of [20, 0]) h.push(v);
    expect(h.residual(25)).toBe(5); // median of 10, 40, 20
    h.push(1000);
    h.push(0);
    expect(h.residual(25)).toBe(-15); // 10 has left: median of 40, 20, 1000
  });
});

describe('SeriesDetector options', () => {
  it('finds a missing daily peak through the seasonal view, which the values alone miss', () => {
    const values = daily(6, 3);
    // Day 5 stays flat at its morning level: every value is within the normal range, but not for its time.
    for (let i = 4 * 288; i < 5 * 288; i++) values[i] = 50 + 2 * Math.sin(i);
    const config = { warmup: 750, window: 1000 };
    const plain = scoreSeries(values, config);
    const seasonal = scoreSeries(values, config, { seasonal: true });
    const day5 = (scores: Float64Array) => Math.max(...scores.subarray(4 * 288, 5 * 288));
    const before = Math.max(...seasonal.subarray(750, 4 * 288));
    expect(day5(plain)).toBeLessThan(0.1);
    expect(day5(seasonal)).toBeGreaterThan(0.75);
    expect(day5(seasonal)).toBeGreaterThan(before + 0.2);
    const d = new SeriesDetector(config, { seasonal: true });
    for (const v of values.subarray(0, 800)) d.score(v);
    expect(Math.abs(d.period - 288)).toBeLessThanOrEqual(1);
  });

  it('halves a lone blip with smoothing 2 but keeps a lasting shift at full strength', () => {
    const g = gaussian(4);
    const base = Array.from({ length: 400 }, () => 10 + g());
    const blip = [...base, 30, 10, 10];
    const shift = [...base, 30, 30, 30];
    const config = { warmup: 100, cooldown: 0 };
    const strength = (s: number) => Math.sqrt(s / (1 - s));
    const single = scoreSeries(blip, config);
    const smoothed = scoreSeries(blip, config, { smoothing: 2 });
    expect(strength(smoothed[400]!)).toBeCloseTo((strength(single[399]!) + strength(single[400]!)) / 2, 6);
    expect(strength(smoothed[400]!)).toBeLessThan(0.6 * strength(single[400]!));
    const lasting = scoreSeries(shift, config, { smoothing: 2 });
    expect(lasting[401]!).toBeGreaterThan(smoothed[400]!);
  });

  it('stays quiet for `cooldown` values after a score reaches minScore, whichever view raised it', () => {
    const values = [...daily(3, 5)];
    values[800] = 500;
    const scores = scoreSeries(values, { warmup: 750, cooldown: 10, minScore: 0.7 }, { seasonal: true });
    expect(scores[800]).toBeGreaterThan(0.7);
    values[805] = 500;
    expect(Array.from(scoreSeries(values, { warmup: 750, cooldown: 10, minScore: 0.7 }, { seasonal: true }).subarray(801, 811))).toEqual(new Array(10).fill(0));
  });
});
