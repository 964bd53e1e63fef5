import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TelemetryEventSchema, sampleAnomaly, sampleTelemetry, type AnomalyEvent, type TelemetryEvent } from '@sentinel/contracts';
import { DuckDbStore, StoreQueryError } from '@sentinel/store';

const T0 = Date.parse('2025-06-01T12:00:00Z');
const at = (offsetMs: number) => new Date(T0 + offsetMs).toISOString();
const event = (overrides: Parameters<typeof sampleTelemetry>[0] = {}): TelemetryEvent => TelemetryEventSchema.parse(sampleTelemetry(overrides));

let dir: string;
let path: string;
let store: DuckDbStore;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sentinel-store-'));
  path = join(dir, 'nested', 'sentinel.duckdb');
  store = await DuckDbStore.open({ path, batchSize: 1000 });
});

afterEach(async () => {
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

describe('DuckDbStore telemetry', () => {
  it('stores the numbers of each call and returns them newest first, filtered by series and time', async () => {
    await store.appendTelemetry([
      event({ timestamp: at(0), latency_ms: 100, time_to_first_token_ms: 40 }),
      event({ timestamp: at(1000), latency_ms: 200, errors: ['upstream 503'], trace_id: 'abc' }),
      event({ timestamp: at(2000), model: 'gpt-4o-mini', latency_ms: 300 }),
      event({ timestamp: at(5000), latency_ms: 400 }),
    ]);
    const points = await store.queryTelemetry({ from: T0, to: T0 + 5000, service: 'checkout', model: 'gpt-4o', limit: 10 });
    expect(points.map((p) => p.latency_ms)).toEqual([200, 100]);
    expect(points[0]).toMatchObject({ timestamp: at(1000), error: true, trace_id: 'abc', prompt_tokens: 120, completion_tokens: 40, total_tokens: 160, finish_reason: 'stop' });
    expect(points[1]).toMatchObject({ time_to_first_token_ms: 40, error: false, trace_id: null });
    expect(JSON.stringify(points)).not.toContain('refund');
    expect(await store.queryTelemetry({ from: T0, to: T0 + 10_000, limit: 2 })).toHaveLength(2);
  });

  it('stores a redelivered event once, also when a batch repeats it', async () => {
    const e = event({ timestamp: at(0) });
    await store.appendTelemetry([e, e]);
    await store.appendTelemetry([e]);
    expect(await store.queryTelemetry({ from: T0, to: T0 + 1, limit: 10 })).toHaveLength(1);
  });

  it('keeps what it acknowledged across close and reopen', async () => {
    await store.appendTelemetry([event({ timestamp: at(0) }), event({ timestamp: at(1) })]);
    await store.close();
    store = await DuckDbStore.open({ path, batchSize: 1000 });
    expect(await store.queryTelemetry({ from: T0, to: T0 + 10, limit: 10 })).toHaveLength(2);
  });

  it('groups concurrent appends and resolves each only once written', async () => {
    const writes = Array.from({ length: 50 }, (_, i) => store.appendTelemetry([event({ timestamp: at(i) })]));
    await Promise.all(writes);
    expect(await store.queryTelemetry({ from: T0, to: T0 + 100, limit: 100 })).toHaveLength(50);
  });

  it('refuses appends after close instead of dropping them', async () => {
    await store.close();
    expect(() => store.appendTelemetry([event()])).toThrow(/closed/);
    store = await DuckDbStore.open({ path, batchSize: 1000 });
  });

  it('aggregates a series into time buckets, with empty buckets as gaps', async () => {
    const latencies = [100, 200, 300, 400];
    await store.appendTelemetry([
      ...latencies.map((latency_ms, i) => event({ timestamp: at(i * 1000), latency_ms })),
      event({ timestamp: at(20_000), latency_ms: 1000, errors: ['timeout'] }),
      event({ timestamp: at(21_000), latency_ms: 1000 }),
    ]);
    const q = { from: T0, to: T0 + 30_000, service: 'checkout', model: 'gpt-4o', stepMs: 10_000 } as const;
    expect(await store.querySeries({ ...q, metric: 'latency_ms', agg: 'avg' })).toEqual([
      { t: T0, value: 250, count: 4 },
      { t: T0 + 10_000, value: null, count: 0 },
      { t: T0 + 20_000, value: 1000, count: 2 },
    ]);
    const p95 = await store.querySeries({ ...q, metric: 'latency_ms', agg: 'p95' });
    expect(p95[0]!.value).toBeCloseTo(385, 9);
    const errorRate = await store.querySeries({ ...q, metric: 'error', agg: 'avg' });
    expect(errorRate.map((b) => b.value)).toEqual([0, null, 0.5]);
    const counts = await store.querySeries({ ...q, metric: 'total_tokens', agg: 'count' });
    expect(counts.map((b) => b.value)).toEqual([4, null, 2]);
  });
});

describe('DuckDbStore anomalies', () => {
  const anomalies: AnomalyEvent[] = [];
  beforeEach(async () => {
    anomalies.length = 0;
    for (let i = 0; i < 25; i++) {
      anomalies.push(
        sampleAnomaly({
          timestamp: at(Math.floor(i / 2) * 1000),
          severity: (['low', 'medium', 'high', 'critical'] as const)[i % 4],
          service_name: i % 5 === 0 ? 'search' : 'checkout',
          model: i % 4 === 1 ? 'gpt-4o-mini' : 'gpt-4o',
          metric: i % 3 === 0 ? 'cost_usd' : 'latency_ms',
          anomaly_type: i % 3 === 0 ? 'cost_anomaly' : 'latency_spike',
          detection_method: i % 2 === 0 ? 'mad' : 'cusum',
          detectors: [
            { method: 'z_score', anomalous: i % 7 === 0, score: 0.5, statistic: 2, threshold: 3 },
            { method: i % 2 === 0 ? 'mad' : 'cusum', anomalous: true, score: 0.9, statistic: 9, threshold: 3.5 },
          ],
        }),
      );
    }
    await store.appendAnomalies(anomalies);
  });

  it('returns an anomaly exactly as it was stored', async () => {
    const a = anomalies[3]!;
    expect(await store.getAnomaly(a.alert_id)).toEqual(a);
    expect(await store.getAnomaly(a.alert_id.toUpperCase())).toEqual(a);
    expect(await store.getAnomaly('00000000-0000-0000-0000-000000000000')).toBeNull();
  });

  it('filters by service, metric, type, method, minimum severity and time', async () => {
    const ids = (xs: AnomalyEvent[]) => xs.map((a) => a.alert_id).sort();
    const expectFilter = async (q: Omit<Parameters<DuckDbStore['queryAnomalies']>[0], 'limit'>, pick: (a: AnomalyEvent) => boolean) =>
      expect(ids((await store.queryAnomalies({ ...q, limit: 100 })).items)).toEqual(ids(anomalies.filter(pick)));
    await expectFilter({ service: 'search' }, (a) => a.service_name === 'search');
    await expectFilter({ metric: 'cost_usd' }, (a) => a.metric === 'cost_usd');
    await expectFilter({ model: 'gpt-4o-mini' }, (a) => a.model === 'gpt-4o-mini');
    await expectFilter({ type: 'latency_spike' }, (a) => a.anomaly_type === 'latency_spike');
    await expectFilter({ minSeverity: 'high' }, (a) => a.severity === 'high' || a.severity === 'critical');
    await expectFilter({ method: 'z_score' }, (a) => a.detectors.some((d) => d.method === 'z_score' && d.anomalous));
    await expectFilter({ method: 'cusum' }, (a) => a.detection_method === 'cusum');
    await expectFilter({ from: T0 + 3000, to: T0 + 6000 }, (a) => Date.parse(a.timestamp) >= T0 + 3000 && Date.parse(a.timestamp) < T0 + 6000);
    await expectFilter({ service: 'checkout', minSeverity: 'critical', metric: 'latency_ms' }, (a) => a.service_name === 'checkout' && a.severity === 'critical' && a.metric === 'latency_ms');
  });

  it('pages newest first with a cursor, every anomaly exactly once even across equal timestamps', async () => {
    const seen: AnomalyEvent[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await store.queryAnomalies({ limit: 4, cursor });
      seen.push(...page.items);
      cursor = page.nextCursor ?? undefined;
      pages++;
    } while (cursor);
    expect(pages).toBe(7);
    expect(seen).toHaveLength(25);
    expect(new Set(seen.map((a) => a.alert_id)).size).toBe(25);
    const order = seen.map((a) => [Date.parse(a.timestamp), a.alert_id] as const);
    const sorted = [...order].sort((x, y) => y[0] - x[0] || (y[1] < x[1] ? -1 : 1));
    expect(order).toEqual(sorted);
  });

  it('keeps paging stable while new anomalies arrive: no page repeats or skips one', async () => {
    const first = await store.queryAnomalies({ limit: 10 });
    await store.appendAnomalies(Array.from({ length: 6 }, (_, i) => sampleAnomaly({ timestamp: at(60_000 + i) })));
    const seen = [...first.items];
    let cursor = first.nextCursor ?? undefined;
    while (cursor) {
      const page = await store.queryAnomalies({ limit: 10, cursor });
      seen.push(...page.items);
      cursor = page.nextCursor ?? undefined;
    }
    expect(seen.map((a) => a.alert_id).sort()).toEqual(anomalies.map((a) => a.alert_id).sort());
    expect((await store.queryAnomalies({ limit: 10 })).items.slice(0, 6).every((a) => Date.parse(a.timestamp) >= T0 + 60_000)).toBe(true);
  });

  it('stores a replayed anomaly once', async () => {
    await store.appendAnomalies(anomalies.slice(0, 5));
    expect((await store.queryAnomalies({ limit: 100 })).items).toHaveLength(25);
  });

  it('rejects a cursor it did not issue, naming the cursor', async () => {
    for (const cursor of ['not-base64!', Buffer.from('[1,"x"]').toString('base64url'), Buffer.from('{}').toString('base64url')]) {
      const err = await store.queryAnomalies({ limit: 10, cursor }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StoreQueryError);
      expect((err as StoreQueryError).field).toBe('cursor');
    }
  });
});
