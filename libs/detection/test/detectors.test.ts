import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { DetectionConfigSchema, SeriesDetector, severityFor, squash } from '@sentinel/detection';
import { close, maxAbs, refMad, refMean, refMedian, refQuantile, refStd } from './reference.js';

const value = fc.oneof(
  fc.integer({ min: -3, max: 3 }),
  fc.integer({ min: -1_000_000, max: 1_000_000 }).map((i) => i / 1000),
  fc.integer({ min: -1000, max: 1000 }).map((i) => i * 1e297),
  fc.integer({ min: -1000, max: 1000 }).map((i) => i * 1e-303),
  fc.double({ min: -1e6, max: 1e6, noNaN: true }).filter((x) => x === 0 || Math.abs(x) > 1e-300),
);

interface Ref {
  z: number;
  iqr: number;
  mad: number;
  upper: number;
  lower: number;
  score: number;
}

/** The detectors and ensemble written out from their definitions, over a sorted copy of the window. */
function refJudge(window: number[], x: number, cusum: { upper: number; lower: number }, t: { zScore: number; iqrK: number; mad: number; cusumK: number; cusumH: number; cusumClip: number }, rel: number): Ref {
  const mean = refMean(window);
  const std = refStd(window);
  const median = refMedian(window);
  const mad = refMad(window);
  const q1 = refQuantile(window, 0.25);
  const q3 = refQuantile(window, 0.75);
  const floor = Math.max(rel * Math.max(Math.abs(median), Math.abs(x)), 0, 1e-300);
  const z = (x - mean) / Math.max(std, floor);
  const madStat = (0.6745 * (x - median)) / Math.max(mad, 0.6745 * floor);
  const iqrScale = Math.max(q3 - q1, 1.349 * floor);
  const iqr = x > q3 ? (x - q3) / iqrScale : x < q1 ? (x - q1) / iqrScale : 0;
  const u = Math.min(Math.max(z, -t.cusumClip), t.cusumClip);
  const upper = Math.max(0, cusum.upper + u - t.cusumK);
  const lower = Math.max(0, cusum.lower - u - t.cusumK);
  const pos = (v: number, thr: number) => Math.max(0, v) / thr;
  const rUp = Math.max(Math.min(pos(z, t.zScore), pos(iqr, t.iqrK), pos(madStat, t.mad)), upper / t.cusumH);
  const rDown = Math.max(Math.min(pos(-z, t.zScore), pos(-iqr, t.iqrK), pos(-madStat, t.mad)), lower / t.cusumH);
  const r = Math.max(rUp, rDown);
  return { z, iqr, mad: madStat, upper, lower, score: (r * r) / (1 + r * r) };
}

describe('detectors and ensemble against a naive reference', () => {
  it('agree on every judged value of random streams', () => {
    fc.assert(
      fc.property(fc.array(value, { minLength: 5, maxLength: 160 }), fc.integer({ min: 8, max: 40 }), fc.integer({ min: 2, max: 10 }), (xs, window, warmup) => {
        const config = DetectionConfigSchema.parse({ window, warmup });
        const t = config.thresholds;
        const d = new SeriesDetector(config);
        const cusum = { upper: 0, lower: 0 };
        xs.forEach((raw, i) => {
          const x = raw + 0;
          const history = xs.slice(Math.max(0, i - window), i).map((v) => v + 0);
          const score = d.score(x);
          expect(score).toBeGreaterThanOrEqual(0);
          expect(score).toBeLessThanOrEqual(1);
          if (history.length < warmup) {
            expect(d.judged).toBe(false);
            expect(score).toBe(0);
            return;
          }
          const verdicts = d.verdicts()!;
          const byMethod = Object.fromEntries(verdicts.map((v) => [v.method, v]));
          const ref = refJudge(history, x, cusum, t, config.relativeScaleFloor);
          // Order-statistic detectors are bit-exact.
          expect(byMethod.iqr!.statistic).toBe(ref.iqr);
          expect(byMethod.mad!.statistic).toBe(ref.mad);
          for (const v of verdicts) {
            expect(Number.isFinite(v.statistic)).toBe(true);
            expect(v.score).toBeGreaterThanOrEqual(0);
            expect(v.score).toBeLessThanOrEqual(1);
            expect(v.anomalous).toBe(Math.abs(v.statistic) > v.threshold);
          }
          // Mean/σ-based ones within 1e-9 wherever σ is not itself lost in rounding of the data's magnitude.
          const std = refStd(history);
          const wellConditioned = std >= 1e-3 * Math.max(maxAbs(history), Math.abs(x));
          if (wellConditioned) {
            expect(close(byMethod.z_score!.statistic, ref.z, 1e-9, 1e-9)).toBe(true);
            expect(close(score, ref.score, 1e-9, 1e-12)).toBe(true);
          }
          // Advance the reference CUSUM with the detector's own z (checked above when well-conditioned), so
          // that an ill-conditioned step cannot desynchronise it; both sums and the reset are checked exactly.
          const u = Math.min(Math.max(byMethod.z_score!.statistic, -t.cusumClip), t.cusumClip);
          const upper = Math.max(0, cusum.upper + u - t.cusumK);
          const lower = Math.max(0, cusum.lower - u - t.cusumK);
          expect(byMethod.cusum!.statistic).toBe(upper >= lower ? upper : -lower);
          const alarm = upper > t.cusumH || lower > t.cusumH;
          cusum.upper = alarm ? 0 : upper;
          cusum.lower = alarm ? 0 : lower;
        });
      }),
      { numRuns: 300 },
    );
  });

  it('scores a departure from a constant baseline as a finite, bounded anomaly', () => {
    const d = new SeriesDetector({ warmup: 10 });
    for (let i = 0; i < 50; i++) expect(d.score(42)).toBe(0);
    const s = d.score(43);
    expect(s).toBeGreaterThan(0.99);
    expect(s).toBeLessThanOrEqual(1);
    for (const v of d.verdicts()!) expect(Number.isFinite(v.statistic)).toBe(true);
    const zero = new SeriesDetector({ warmup: 10 });
    for (let i = 0; i < 50; i++) zero.score(0);
    expect(zero.score(0)).toBe(0);
    expect(Number.isFinite(zero.score(1e-9))).toBe(true);
  });

  it('rejects NaN and ±Infinity with a RangeError and keeps its state', () => {
    const d = new SeriesDetector({ warmup: 2 });
    d.score(1);
    d.score(2);
    for (const bad of [NaN, Infinity, -Infinity]) expect(() => d.score(bad)).toThrow(RangeError);
    expect(d.count).toBe(2);
    expect(d.stats().mean).toBe(1.5);
  });

  it('says nothing during warm-up', () => {
    const d = new SeriesDetector({ warmup: 30 });
    for (let i = 0; i < 30; i++) {
      expect(d.score(i === 29 ? 1e9 : i % 3)).toBe(0);
      expect(d.verdicts()).toBeUndefined();
    }
    // The first judged value: a repeat of the huge one, still past every threshold (z ≈ 5.3 with it in the window).
    expect(d.score(1e9)).toBeGreaterThan(0.5);
  });
});

describe('CUSUM', () => {
  function gaussian(seed: number): () => number {
    let s = seed;
    const u = () => ((s = (s * 16807) % 2147483647) / 2147483647);
    return () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
  }

  it('detects a 1.5σ mean shift that no point detector flags, then resets', () => {
    // Point thresholds so high that only CUSUM can fire.
    const d = new SeriesDetector({ window: 2000, warmup: 100, thresholds: { zScore: 100, iqrK: 100, mad: 100 } });
    const g = gaussian(7);
    for (let i = 0; i < 500; i++) d.score(10 + g());
    let alarmAt = -1;
    for (let i = 0; i < 100 && alarmAt < 0; i++) {
      d.score(11.5 + g());
      const cusum = d.verdicts()!.find((v) => v.method === 'cusum')!;
      if (cusum.anomalous) alarmAt = i;
    }
    expect(alarmAt).toBeGreaterThanOrEqual(0);
    expect(alarmAt).toBeLessThan(25);
    // Reset after the alarm: the next step starts from zero, so its statistic is at most one clipped step.
    d.score(11.5);
    const next = d.verdicts()!.find((v) => v.method === 'cusum')!;
    expect(Math.abs(next.statistic)).toBeLessThanOrEqual(4);
    expect(next.anomalous).toBe(false);
  });

  it('raises false alarms on stationary noise at about its textbook rate', () => {
    // Two-sided CUSUM with k = 0.5, h = 5 has an in-control average run length of about 465 samples.
    const d = new SeriesDetector({ warmup: 100, thresholds: { cusumH: 5 } });
    const g = gaussian(11);
    let alarms = 0;
    for (let i = 0; i < 3000; i++) {
      d.score(g());
      if (d.verdicts()?.find((v) => v.method === 'cusum')?.anomalous) alarms++;
    }
    expect(alarms).toBeLessThan(15);
  });
});

describe('ensemble', () => {
  it('maps scores to severities at the configured cut points', () => {
    const cuts = { medium: 0.7, high: 0.85, critical: 0.95 };
    expect(severityFor(0.6, cuts)).toBe('low');
    expect(severityFor(0.7, cuts)).toBe('medium');
    expect(severityFor(0.9, cuts)).toBe('high');
    expect(severityFor(0.95, cuts)).toBe('critical');
  });

  it('squashes strengths into [0, 1], 0.5 at the threshold', () => {
    expect(squash(0)).toBe(0);
    expect(squash(1)).toBe(0.5);
    expect(squash(2)).toBeCloseTo(0.8);
    expect(squash(1e200)).toBe(1);
  });
});
