import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { AnomalyEventSchema, sampleTelemetry, validateTelemetryEvent, type AnomalyEvent, type TelemetryEvent, type TelemetryEventInput, seededRandom } from '@sentinel/contracts';
import { BaselineShard, DEFAULT_DETECTION_CONFIG, DetectionConfigSchema, SnapshotFormatError, alertId, parseSeriesKey, seriesKey, type DetectionConfigInput } from '@sentinel/detection';

let ids = 0;
function event(overrides: Partial<TelemetryEventInput> = {}): TelemetryEvent {
  ids++;
  const r = validateTelemetryEvent(sampleTelemetry({ event_id: `00000000-0000-4000-8000-${ids.toString(16).padStart(12, '0')}`, ...overrides }));
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  return r.value;
}


/** Realistic traffic for one or two (service, model) pairs, with occasional injected spikes and errors. */
function traffic(count: number, seed: number): TelemetryEvent[] {
  const r = seededRandom(seed);
  const g = () => Math.sqrt(-2 * Math.log(r() + 1e-12)) * Math.cos(2 * Math.PI * r());
  const out: TelemetryEvent[] = [];
  for (let i = 0; i < count; i++) {
    const spike = r() < 0.01 ? 8 : 1;
    const prompt = Math.max(1, Math.round(200 * Math.exp(0.3 * g())));
    out.push(
      event({
        event_id: `00000000-0000-4000-8000-${(seed * 1_000_000 + i).toString(16).padStart(12, '0')}`,
        timestamp: new Date(Date.UTC(2025, 0, 1) + i * 1000).toISOString(),
        service_name: r() < 0.5 ? 'checkout' : 'search|v2',
        model: 'gpt-4o',
        latency_ms: 480 * Math.exp(0.2 * g()) * spike,
        time_to_first_token_ms: i % 3 === 0 ? 120 * Math.exp(0.2 * g()) : null,
        prompt: { text: 'q', tokens: prompt },
        response: { text: 'a', tokens: Math.round(60 * Math.exp(0.3 * g())), finish_reason: r() < 0.03 ? 'length' : r() < 0.01 ? 'content_filter' : 'stop' },
        cost_usd: prompt * 2.5e-6,
        errors: r() < (i > count * 0.8 ? 0.3 : 0.02) ? ['timeout'] : [],
        metadata: { region: 'eu-west-1', user_id: `u${i % 7}` },
      }),
    );
  }
  return out;
}

const SEVERITY_RANK = ['low', 'medium', 'high', 'critical'];

const SMALL: DetectionConfigInput = { window: 64, warmup: 20, rateWindow: 20 };

describe('BaselineShard.observe', () => {
  it('judges an outlier against history, not against itself, and only after warm-up', () => {
    const shard = new BaselineShard(DetectionConfigSchema.parse({ warmup: 30 }));
    for (let i = 0; i < 29; i++) expect(shard.observe(event({ latency_ms: 400 + (i % 5) * 50 }))).toEqual([]);
    // 30th event: only 29 samples of history, still warming up.
    expect(shard.observe(event({ latency_ms: 50_000 }))).toEqual([]);
    const found = shard.observe(event({ latency_ms: 60_000 }));
    expect(found.map((a) => a.anomaly_type)).toContain('latency_spike');
  });

  it('builds schema-valid anomalies with an explanation, every verdict and anchor-compatible fields', () => {
    // Latency judged on its raw scale here, so that every figure below can be checked by hand.
    const shard = new BaselineShard(DetectionConfigSchema.parse({ window: 100, warmup: 30, metrics: { latency_ms: { logUnit: 0 } } }));
    for (let i = 0; i < 100; i++) shard.observe(event({ latency_ms: [400, 450, 500, 550, 600][i % 5]! }));
    const e = event({ latency_ms: 4210, trace_id: 'abc', metadata: { region: 'eu-west-1', user_id: 'u-1' } });
    const [a] = shard.observe(e).filter((x) => x.metric === 'latency_ms');
    expect(a).toBeDefined();
    const anomaly = a!;
    expect(AnomalyEventSchema.safeParse(anomaly).success).toBe(true);
    // IQR is the strongest of the three here: (4210 − 550) / 100 = 36.6 IQRs is 24.4× its k = 1.5.
    expect(anomaly.detection_method).toBe('iqr');
    const std = anomaly.baseline.std_dev;
    expect(anomaly.explanation).toBe('latency_ms 4210 ms is 36.6 IQRs above the upper quartile 550 ms of the last 100 calls of gpt-4o in checkout (IQR 100 ms)');
    expect(anomaly.root_cause).toBe(anomaly.explanation);
    expect(anomaly.detectors.map((d) => d.method)).toEqual(['z_score', 'iqr', 'mad', 'cusum']);
    expect(anomaly.detectors.filter((d) => d.anomalous).map((d) => d.method)).toEqual(['z_score', 'iqr', 'mad']);
    expect(anomaly.severity).toBe('critical');
    expect(anomaly.baseline).toMatchObject({ count: 100, mean: 500, median: 500, mad: 50, q1: 450, q3: 550 });
    expect(anomaly.timestamp).toBe(e.timestamp);
    expect(anomaly.series_key).toBe(seriesKey('checkout', 'gpt-4o', 'latency_ms'));
    expect(anomaly.context).toEqual({ trace_id: 'abc', user_id: 'u-1', region: 'eu-west-1', time_window: 'last_100_samples', sample_count: 100, additional: {} });
    expect(anomaly.details.metric).toBe('latency_ms');
    expect(anomaly.details.deviation_sigma).toBeCloseTo(3710 / std, 9);
    expect(anomaly.remediation.length).toBeGreaterThan(0);
    expect(anomaly.related_alerts).toEqual([]);
    expect(anomaly.runbook_url).toBeNull();
  });

  it('judges latency on a log scale by default and reports it in milliseconds', () => {
    const shard = new BaselineShard(DetectionConfigSchema.parse({ window: 100, warmup: 30 }));
    for (let i = 0; i < 100; i++) shard.observe(event({ latency_ms: [400, 450, 500, 550, 600][i % 5]! }));
    const [a] = shard.observe(event({ latency_ms: 4210 })).filter((x) => x.metric === 'latency_ms');
    expect(AnomalyEventSchema.safeParse(a).success).toBe(true);
    expect(a!.explanation).toBe('latency_ms 4210 ms is 8.42× the median 500 ms of the last 100 calls of gpt-4o in checkout (on a log scale: 10.2 IQRs above the upper quartile 550 ms)');
    expect(a!.details.additional['scale']).toBe('log');
    // Order statistics map back (to rounding); the spreads are half-widths of the band mapped back.
    expect(a!.baseline.count).toBe(100);
    expect(a!.baseline.median).toBeCloseTo(500, 9);
    expect(a!.baseline.q1).toBeCloseTo(450, 9);
    expect(a!.baseline.q3).toBeCloseTo(550, 9);
    expect(a!.baseline.mad).toBeGreaterThan(45);
    expect(a!.baseline.mad).toBeLessThan(55);
    expect(a!.details.threshold).toBeGreaterThan(550);
    expect(a!.details.threshold).toBeLessThan(4210);
  });

  it('reports low latency only when the metric is configured for both directions', () => {
    const run = (config: DetectionConfigInput) => {
      const shard = new BaselineShard(DetectionConfigSchema.parse(config));
      for (let i = 0; i < 100; i++) shard.observe(event({ latency_ms: 400 + (i % 5) * 50 }));
      return shard.observe(event({ latency_ms: 1 })).filter((a) => a.metric === 'latency_ms');
    };
    expect(run({ warmup: 30 })).toEqual([]);
    expect(run({ warmup: 30, metrics: { latency_ms: { direction: 'both' } } }).map((a) => a.anomaly_type)).toEqual(['latency_drop']);
  });

  it('watches the error rate over the last N calls and reports a rise once per window, and again only as it escalates', () => {
    const shard = new BaselineShard(DetectionConfigSchema.parse({ warmup: 30, rateWindow: 50 }));
    for (let i = 0; i < 400; i++) expect(shard.observe(event({ errors: i % 50 === 0 ? ['x'] : [] })).filter((a) => a.metric === 'error_rate')).toEqual([]);
    const reports: AnomalyEvent[] = [];
    for (let i = 0; i < 40; i++) reports.push(...shard.observe(event({ errors: ['upstream 500'] })).filter((a) => a.metric === 'error_rate'));
    // Within the cooldown a report comes only with a higher severity than the one before it.
    const ranks = reports.map((a) => SEVERITY_RANK.indexOf(a.severity));
    expect(ranks.length).toBeGreaterThan(1);
    ranks.slice(1).forEach((r, i) => expect(r).toBeGreaterThan(ranks[i]!));
    expect(reports.every((a) => a.anomaly_type === 'error_rate_increase')).toBe(true);
    expect(reports[0]!.value).toBeGreaterThan(0.02);
    expect(reports[0]!.explanation).toMatch(/^error_rate [\d.]+% over the last 50 calls /);
    expect(shard.baseline(seriesKey('checkout', 'gpt-4o', 'error_rate'))?.stats.count).toBeGreaterThan(300);
  });

  it('tracks the rate of each non-stop finish reason, including one never seen before', () => {
    const shard = new BaselineShard(DetectionConfigSchema.parse({ warmup: 30, rateWindow: 50 }));
    for (let i = 0; i < 400; i++) shard.observe(event({ response: { text: 'a', tokens: 40, finish_reason: i % 40 === 0 ? 'length' : 'stop' } }));
    const reports: AnomalyEvent[] = [];
    for (let i = 0; i < 30; i++) reports.push(...shard.observe(event({ response: { text: 'a', tokens: 40, finish_reason: 'content_filter' } })));
    const shifts = reports.filter((a) => a.anomaly_type === 'finish_reason_shift');
    expect(new Set(shifts.map((a) => a.metric))).toEqual(new Set(['finish_reason_rate:content_filter']));
    expect(new Set(shifts.map((a) => a.severity)).size).toBe(shifts.length);
    const keys = [...shard.series()].map((s) => s.metric).sort();
    expect(keys).toContain('finish_reason_rate:length');
    expect(keys).toContain('finish_reason_rate:content_filter');
  });

  it('caps the number of finish reasons tracked per (service, model)', () => {
    const shard = new BaselineShard(DetectionConfigSchema.parse({ warmup: 5, rateWindow: 10, maxFinishReasons: 3 }));
    for (let i = 0; i < 200; i++) shard.observe(event({ response: { text: 'a', tokens: 1, finish_reason: `reason ${i % 20}!` } }));
    const reasons = [...shard.series()].filter((s) => s.metric.startsWith('finish_reason_rate:'));
    expect(reasons.map((s) => s.metric)).toEqual(['finish_reason_rate:reason_0_', 'finish_reason_rate:reason_1_', 'finish_reason_rate:reason_2_']);
  });

  it('gives the same anomaly the same deterministic v5 id on every run', () => {
    const events = traffic(600, 3);
    const a = new BaselineShard(DetectionConfigSchema.parse(SMALL));
    const b = new BaselineShard(DetectionConfigSchema.parse(SMALL));
    const first = events.flatMap((e) => a.observe(e));
    const second = events.flatMap((e) => b.observe(e));
    expect(first.length).toBeGreaterThan(0);
    expect(second).toEqual(first);
    for (const x of first) {
      expect(x.alert_id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(x.alert_id).toBe(alertId(x.event_id, x.metric, x.anomaly_type));
      expect(AnomalyEventSchema.safeParse(x).success).toBe(true);
    }
    expect(new Set(first.map((x) => x.alert_id)).size).toBe(first.length);
    expect(alertId(first[0]!.event_id, 'cost_usd', 'cost_anomaly')).not.toBe(alertId(first[0]!.event_id, 'latency_ms', 'cost_anomaly'));
  });

  it('refuses non-finite values before touching any baseline', () => {
    const shard = new BaselineShard(DEFAULT_DETECTION_CONFIG);
    shard.observe(event());
    const bad = { ...event(), latency_ms: NaN };
    expect(() => shard.observe(bad)).toThrow(RangeError);
    expect(shard.baseline(seriesKey('checkout', 'gpt-4o', 'latency_ms'))?.stats.count).toBe(1);
    expect(shard.baseline(seriesKey('checkout', 'gpt-4o', 'cost_usd'))?.stats.count).toBe(1);
  });

  it('exposes series views by key', () => {
    const shard = new BaselineShard(DEFAULT_DETECTION_CONFIG);
    shard.observe(event({ service_name: 'a\u001fb', time_to_first_token_ms: 90 }));
    const views = [...shard.series()];
    expect(shard.seriesCount()).toBe(views.length);
    expect(views.map((v) => v.metric)).toEqual(['latency_ms', 'time_to_first_token_ms', 'prompt_tokens', 'completion_tokens', 'total_tokens', 'cost_usd']);
    for (const v of views) {
      expect(shard.baseline(v.series_key)).toEqual(v);
      expect(v.service_name).toBe('a\u001fb');
      expect(v.stats.count).toBe(1);
      expect(v.last_timestamp).toBe('2025-06-01T12:00:00.000Z');
    }
    expect(shard.baseline('nope')).toBeUndefined();
  });
});

describe('BaselineShard.observeBatch', () => {
  // Four (service, model) groups, interleaved, with spikes and error bursts, so anomalies of different groups alternate.
  const models = ['gpt-4o', 'claude', 'llama'];
  const events = traffic(1500, 11).map((e, i) => ({ ...e, model: models[(i * 7) % 3]! }));
  const config = DetectionConfigSchema.parse(SMALL);

  it('gives the anomalies, in the order, and the state of observe() one event at a time, for any batching', () => {
    const one = new BaselineShard(config);
    const expected = events.flatMap((e) => one.observe(e));
    expect(new Set(expected.map((a) => a.service_name + a.model)).size).toBeGreaterThan(2);
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 400 }), { minLength: 1, maxLength: 30 }), (sizes) => {
        const batched = new BaselineShard(config);
        const got: AnomalyEvent[] = [];
        for (let at = 0, k = 0; at < events.length; k++) {
          const size = sizes[k % sizes.length]!;
          got.push(...batched.observeBatch(events.slice(at, at + size)));
          at += size;
        }
        expect(got.map((a) => a.alert_id)).toEqual(expected.map((a) => a.alert_id));
        expect(got).toEqual(expected);
        expect(Buffer.from(batched.snapshot()).equals(Buffer.from(one.snapshot()))).toBe(true);
      }),
      { numRuns: 15 },
    );
  });

  it('checks every event before learning any: a batch with a non-finite value changes nothing', () => {
    const shard = new BaselineShard(config);
    shard.observeBatch(events.slice(0, 100));
    const before = shard.snapshot();
    expect(() => shard.observeBatch([...events.slice(100, 150), { ...events[150]!, cost_usd: Infinity }])).toThrow(/event .*: metric values must be finite/);
    expect(Buffer.from(shard.snapshot()).equals(Buffer.from(before))).toBe(true);
    expect(shard.observeBatch([])).toEqual([]);
  });
});

describe('snapshot / restore', () => {
  it('continues bit-identically from any split point', () => {
    const events = traffic(700, 5);
    const config = DetectionConfigSchema.parse(SMALL);
    const whole = new BaselineShard(config);
    const expected = events.map((e) => ({ anomalies: whole.observe(e), score: whole.lastMaxScore }));
    fc.assert(
      fc.property(fc.integer({ min: 0, max: events.length }), (split) => {
        let shard = new BaselineShard(config);
        const got = events.slice(0, split).map((e) => ({ anomalies: shard.observe(e), score: shard.lastMaxScore }));
        shard = BaselineShard.restore(shard.snapshot(), config);
        for (const e of events.slice(split)) got.push({ anomalies: shard.observe(e), score: shard.lastMaxScore });
        expect(got).toEqual(expected);
        got.forEach((g, i) => expect(Object.is(g.score, expected[i]!.score)).toBe(true));
        expect([...shard.series()]).toEqual([...whole.series()]);
      }),
      { numRuns: 12 },
    );
  });

  it('rejects corrupt, truncated and foreign bytes with a clear error', () => {
    const shard = new BaselineShard(DetectionConfigSchema.parse(SMALL));
    for (const e of traffic(100, 9)) shard.observe(e);
    const snap = shard.snapshot();
    expect(BaselineShard.restore(snap, DetectionConfigSchema.parse(SMALL)).seriesCount()).toBe(shard.seriesCount());
    const flipped = snap.slice();
    flipped[Math.floor(snap.length / 2)]! ^= 0x10;
    expect(() => BaselineShard.restore(flipped, DEFAULT_DETECTION_CONFIG)).toThrow(/checksum mismatch/);
    expect(() => BaselineShard.restore(snap.subarray(0, snap.length - 1), DEFAULT_DETECTION_CONFIG)).toThrow(SnapshotFormatError);
    expect(() => BaselineShard.restore(new TextEncoder().encode('{"not":"a snapshot"}'.repeat(4)), DEFAULT_DETECTION_CONFIG)).toThrow(/bad magic/);
    expect(() => BaselineShard.restore(new Uint8Array(3), DEFAULT_DETECTION_CONFIG)).toThrow(/not a Sentinel baseline snapshot/);
  });

  it('re-expresses the values when the log unit changed between snapshot and restore', () => {
    const shard = new BaselineShard(DEFAULT_DETECTION_CONFIG);
    for (let i = 0; i < 50; i++) shard.observe(event({ latency_ms: 100 + i }));
    const key = seriesKey('checkout', 'gpt-4o', 'latency_ms');
    const linear = BaselineShard.restore(shard.snapshot(), DetectionConfigSchema.parse({ metrics: { latency_ms: { logUnit: 0 } } }));
    expect(linear.baseline(key)!.stats.median).toBeCloseTo(124.5, 9);
    expect(linear.baseline(key)!.stats.mean).toBeCloseTo(124.5, 9);
  });

  it('restores under a smaller window by keeping the newest values', () => {
    const linear = { metrics: { latency_ms: { logUnit: 0 } } };
    const shard = new BaselineShard(DetectionConfigSchema.parse({ window: 100, ...linear }));
    for (let i = 0; i < 150; i++) shard.observe(event({ latency_ms: i }));
    const restored = BaselineShard.restore(shard.snapshot(), DetectionConfigSchema.parse({ window: 10, ...linear }));
    const stats = restored.baseline(seriesKey('checkout', 'gpt-4o', 'latency_ms'))!.stats;
    expect(stats).toMatchObject({ count: 10, median: 144.5, mean: 144.5 });
  });
});

describe('series keys and config', () => {
  it('round-trips any service and model name', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, unit: fc.constantFrom('a', '|', '\\', '\u001f', 'u', '0', 'é') }), fc.string({ minLength: 1 }), (service, model) => {
        expect(parseSeriesKey(seriesKey(service, model, 'latency_ms'))).toEqual({ service_name: service, model, metric: 'latency_ms' });
      }),
    );
    expect(seriesKey('checkout', 'gpt-4o', 'latency_ms')).toBe('checkout\u001fgpt-4o\u001flatency_ms');
    expect(parseSeriesKey('a\u001fb')).toBeUndefined();
  });

  it('parses {} to the full defaults and accepts per-metric overrides', () => {
    expect(DetectionConfigSchema.parse({})).toEqual(DEFAULT_DETECTION_CONFIG);
    expect(DEFAULT_DETECTION_CONFIG).toMatchObject({ window: 1000, warmup: 30, thresholds: { zScore: 3, iqrK: 1.5, mad: 3.5, cusumK: 0.5, cusumH: 8 }, minScore: 0.5 });
    const c = DetectionConfigSchema.parse({ metrics: { cost_usd: { thresholds: { zScore: 6 } } } });
    expect(c.metrics.cost_usd?.thresholds?.zScore).toBe(6);
    expect(() => DetectionConfigSchema.parse({ window: 1 })).toThrow();
    expect(() => DetectionConfigSchema.parse({ severity: { medium: 0.9, high: 0.8 } })).toThrow();
  });
});
