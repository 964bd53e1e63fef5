import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TelemetryEventSchema, sampleAnomaly, sampleTelemetry, type AnomalyEvent, type AnomalyType, type SeriesBaseline, type TelemetryEvent } from '@sentinel/contracts';
import { InfluxDbStore, StoreQueryError, type AnomalyQuery } from '@sentinel/store';

/**
 * InfluxDbStore against a real InfluxDB 3 (Core or Enterprise), e.g.
 *   INFLUXDB3_URL=http://127.0.0.1:8181 INFLUXDB3_TOKEN=apiv3_… INFLUXDB3_DATABASE=sentinel_test npx vitest run libs/store/test/influx.integration.test.ts
 * Every run writes under its own service and model names and reads only those back, so runs can share a
 * database and need no clean-up (InfluxDB 3 has no row deletes; drop the database to reclaim the space).
 */
const url = process.env.INFLUXDB3_URL;
const SKIP_REASON = 'skipped: INFLUXDB3_URL not set';
if (!url) console.warn(`libs/store/test/influx.integration.test.ts ${SKIP_REASON} (set INFLUXDB3_URL, INFLUXDB3_TOKEN, INFLUXDB3_DATABASE to run it)`);

const run = randomUUID().slice(0, 8);
/** Recent, so any retention the database has keeps it; whole seconds so buckets line up. */
const T0 = Math.floor(Date.now() / 1000) * 1000 - 3_600_000;
const at = (offsetMs: number) => new Date(T0 + offsetMs).toISOString();
const event = (overrides: Parameters<typeof sampleTelemetry>[0]): TelemetryEvent => TelemetryEventSchema.parse(sampleTelemetry({ event_id: randomUUID(), ...overrides }));

/** Retries an assertion for a while: a write is acknowledged once in the WAL, which queries read, but allow for lag. */
async function eventually<T>(read: () => Promise<T>, check: (value: T) => void, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    try {
      check(value);
      return value;
    } catch (e) {
      if (Date.now() > deadline) throw e;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}

describe.skipIf(!url)(`InfluxDbStore against a real InfluxDB 3${url ? '' : ` (${SKIP_REASON})`}`, () => {
  let store: InfluxDbStore;

  beforeAll(() => {
    store = InfluxDbStore.connect({
      url: url!,
      token: process.env.INFLUXDB3_TOKEN ?? '',
      database: process.env.INFLUXDB3_DATABASE ?? 'sentinel_test',
      batchSize: 500,
      flushIntervalMs: 20,
    });
  });

  afterAll(async () => {
    await store?.close();
  });

  it('is ready', async () => {
    await store.check();
  });

  describe('telemetry', () => {
    const service = `it-${run}-telemetry`;

    it('stores the numbers of each call and returns them newest first, filtered by series and time', async () => {
      await store.appendTelemetry([
        event({ service_name: service, timestamp: at(0), latency_ms: 100, time_to_first_token_ms: 40 }),
        event({ service_name: service, timestamp: at(1000), latency_ms: 200, errors: ['upstream 503'], trace_id: 'abc' }),
        event({ service_name: service, timestamp: at(2000), model: 'gpt-4o-mini', latency_ms: 300 }),
        event({ service_name: service, timestamp: at(5000), latency_ms: 400 }),
      ]);
      const points = await eventually(
        () => store.queryTelemetry({ from: T0, to: T0 + 5000, service, model: 'gpt-4o', limit: 10 }),
        (p) => expect(p).toHaveLength(2),
      );
      expect(points.map((p) => p.latency_ms)).toEqual([200, 100]);
      expect(points[0]).toMatchObject({ timestamp: at(1000), service_name: service, error: true, trace_id: 'abc', prompt_tokens: 120, completion_tokens: 40, total_tokens: 160, finish_reason: 'stop', cost_usd: 0.0012 });
      expect(points[1]).toMatchObject({ time_to_first_token_ms: 40, error: false, trace_id: null });
      expect(JSON.stringify(points)).not.toContain('refund');
      expect(await store.queryTelemetry({ from: T0, to: T0 + 10_000, service, limit: 3 })).toHaveLength(3);
    });

    it('stores a redelivered event once, and keeps two events of the same millisecond apart', async () => {
      const model = `dedup-${run}`;
      const e = event({ service_name: service, model, timestamp: at(100) });
      const twin = event({ service_name: service, model, timestamp: at(100) });
      await store.appendTelemetry([e, e]);
      await store.appendTelemetry([e, twin]);
      const points = await eventually(
        () => store.queryTelemetry({ from: T0, to: T0 + 1000, service, model, limit: 10 }),
        (p) => expect(p).toHaveLength(2),
      );
      expect(points.map((p) => p.event_id).sort()).toEqual([e.event_id, twin.event_id].sort());
    });

    it('stores hostile names exactly and finds each by its own name only', async () => {
      const names = [`${service} a,b=c "d"`, `${service}\nllm_telemetry,service=x latency_ms=0`, `${service}' OR '1'='1`, `${service}\\`, `${service} 100% $to_time`];
      await store.appendTelemetry(names.map((name, i) => event({ service_name: name, model: name, timestamp: at(200 + i), response: { text: 'r', tokens: 1, finish_reason: 'stop\n"x"' } })));
      for (const name of names) {
        const points = await eventually(
          () => store.queryTelemetry({ from: T0, to: T0 + 1000, service: name, model: name, limit: 10 }),
          (p) => expect(p).toHaveLength(1),
        );
        expect(points[0]).toMatchObject({ service_name: name, model: name, finish_reason: 'stop\n"x"' });
      }
      expect(await store.queryTelemetry({ from: T0, to: T0 + 1000, service: `' OR '1'='1`, limit: 10 })).toEqual([]);
    });

    it('aggregates a series into time buckets, with empty buckets as gaps', async () => {
      const model = `agg-${run}`;
      const latencies = [100, 200, 300, 400];
      await store.appendTelemetry([
        ...latencies.map((latency_ms, i) => event({ service_name: service, model, timestamp: at(i * 1000), latency_ms })),
        event({ service_name: service, model, timestamp: at(20_000), latency_ms: 1000, errors: ['timeout'] }),
        event({ service_name: service, model, timestamp: at(21_000), latency_ms: 1000 }),
      ]);
      const q = { from: T0, to: T0 + 30_000, service, model, stepMs: 10_000 } as const;
      const avg = await eventually(
        () => store.querySeries({ ...q, metric: 'latency_ms', agg: 'avg' }),
        (b) => expect(b[2]!.count).toBe(2),
      );
      expect(avg).toEqual([
        { t: T0, value: 250, count: 4 },
        { t: T0 + 10_000, value: null, count: 0 },
        { t: T0 + 20_000, value: 1000, count: 2 },
      ]);
      const values = async (metric: 'latency_ms' | 'error' | 'total_tokens', agg: 'min' | 'max' | 'sum' | 'count' | 'avg') => (await store.querySeries({ ...q, metric, agg })).map((b) => b.value);
      expect(await values('latency_ms', 'min')).toEqual([100, null, 1000]);
      expect(await values('latency_ms', 'max')).toEqual([400, null, 1000]);
      expect(await values('latency_ms', 'sum')).toEqual([1000, null, 2000]);
      expect(await values('error', 'avg')).toEqual([0, null, 0.5]);
      expect(await values('total_tokens', 'count')).toEqual([4, null, 2]);
      // approx_percentile_cont is a t-digest estimate: between the neighbouring samples, not DuckDB's exact interpolation.
      const p50 = (await store.querySeries({ ...q, metric: 'latency_ms', agg: 'p50' }))[0]!.value!;
      const p95 = (await store.querySeries({ ...q, metric: 'latency_ms', agg: 'p95' }))[0]!.value!;
      expect(p50).toBeGreaterThanOrEqual(200);
      expect(p50).toBeLessThanOrEqual(300);
      expect(p95).toBeGreaterThanOrEqual(300);
      expect(p95).toBeLessThanOrEqual(400);
      const ttft = await store.querySeries({ ...q, metric: 'time_to_first_token_ms', agg: 'p99' });
      expect(ttft.every((b) => b.value === null && b.count === 0)).toBe(true);
    });
  });

  describe('anomalies', () => {
    // Every query names this run's model, so other runs in the same database stay out of the results.
    const model = `it-${run}-model`;
    const anomalies: AnomalyEvent[] = [];
    const query = (q: Omit<AnomalyQuery, 'model'>) => store.queryAnomalies({ model, ...q });
    const ids = (xs: AnomalyEvent[]) => xs.map((a) => a.alert_id).sort();

    beforeAll(async () => {
      for (let i = 0; i < 25; i++) {
        const metric = i % 3 === 0 ? 'cost_usd' : 'latency_ms';
        anomalies.push(
          sampleAnomaly({
            alert_id: randomUUID(),
            event_id: randomUUID(),
            timestamp: at(Math.floor(i / 2) * 1000),
            severity: (['low', 'medium', 'high', 'critical'] as const)[i % 4],
            service_name: i % 5 === 0 ? `search-${run}` : `checkout-${run}`,
            model,
            metric,
            anomaly_type: (i % 3 === 0 ? 'cost_anomaly' : 'latency_spike') satisfies AnomalyType,
            detection_method: i % 2 === 0 ? 'mad' : 'cusum',
            detectors: [
              { method: 'z_score', anomalous: i % 7 === 0, score: 0.5, statistic: 2, threshold: 3 },
              { method: i % 2 === 0 ? 'mad' : 'cusum', anomalous: true, score: 0.9, statistic: 9, threshold: 3.5 },
            ],
            details: { metric, value: i, baseline: 1, threshold: 2, deviation_sigma: null, additional: { note: `"quoted" \\ and\nnewline ${i}` } },
          }),
        );
      }
      await store.appendAnomalies(anomalies);
      await eventually(
        () => query({ limit: 100 }),
        (p) => expect(p.items).toHaveLength(25),
      );
    });

    it('returns an anomaly exactly as it was stored', async () => {
      const a = anomalies[3]!;
      expect(await store.getAnomaly(a.alert_id)).toEqual(a);
      expect(await store.getAnomaly(a.alert_id.toUpperCase())).toEqual(a);
      expect(await store.getAnomaly(randomUUID())).toBeNull();
    });

    it('filters by service, metric, type, method, minimum severity and time', async () => {
      const expectFilter = async (q: Omit<AnomalyQuery, 'limit' | 'model'>, pick: (a: AnomalyEvent) => boolean) => expect(ids((await query({ ...q, limit: 100 })).items)).toEqual(ids(anomalies.filter(pick)));
      await expectFilter({ service: `search-${run}` }, (a) => a.service_name === `search-${run}`);
      await expectFilter({ metric: 'cost_usd' }, (a) => a.metric === 'cost_usd');
      await expectFilter({ type: 'latency_spike' }, (a) => a.anomaly_type === 'latency_spike');
      await expectFilter({ minSeverity: 'high' }, (a) => a.severity === 'high' || a.severity === 'critical');
      await expectFilter({ method: 'z_score' }, (a) => a.detectors.some((d) => d.method === 'z_score' && d.anomalous));
      await expectFilter({ method: 'cusum' }, (a) => a.detection_method === 'cusum');
      await expectFilter({ method: 'nonsense' }, () => false);
      await expectFilter({ from: T0 + 3000, to: T0 + 6000 }, (a) => Date.parse(a.timestamp) >= T0 + 3000 && Date.parse(a.timestamp) < T0 + 6000);
      await expectFilter({ service: `checkout-${run}`, minSeverity: 'critical', metric: 'latency_ms' }, (a) => a.service_name === `checkout-${run}` && a.severity === 'critical' && a.metric === 'latency_ms');
    });

    it('pages newest first with a cursor, every anomaly exactly once even across equal timestamps', async () => {
      const seen: AnomalyEvent[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await query({ limit: 4, cursor });
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

    it('stores a replayed anomaly once', async () => {
      await store.appendAnomalies(anomalies.slice(0, 5));
      expect((await query({ limit: 100 })).items).toHaveLength(25);
    });

    it('rejects a cursor it did not issue, naming the cursor', async () => {
      const err = await query({ limit: 10, cursor: 'not-base64!' }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StoreQueryError);
      expect((err as StoreQueryError).field).toBe('cursor');
    });
  });

  describe('series baselines', () => {
    // Names unique to the run; every list query filters on this run's model.
    const model = `it-${run}-baselines`;
    const baseline = (service: string, metric: 'latency_ms' | 'cost_usd', tsOffset: number, mean: number): SeriesBaseline => ({
      series_key: `${service}\u001f${model}\u001f${metric}`,
      service_name: service,
      model,
      metric,
      stats: { count: 500, mean, std_dev: 10, median: mean, mad: 7, q1: mean - 8, q3: mean + 8 },
      last_timestamp: at(tsOffset),
    });

    it('keeps the newest baseline of a series: an older one written later does not win', async () => {
      const newest = baseline(`svc-${run}`, 'latency_ms', 5000, 3);
      await store.upsertBaselines([baseline(`svc-${run}`, 'latency_ms', 1000, 1), newest]);
      await store.upsertBaselines([baseline(`svc-${run}`, 'latency_ms', 2000, 2)]);
      await eventually(
        () => store.getSeries(newest.series_key),
        (b) => expect(b).toEqual(newest),
      );
      expect(await store.getSeries(`nobody-${run}`)).toBeNull();
    });

    it('lists the newest baseline of each series in series_key order, filtered, page by page', async () => {
      const all: SeriesBaseline[] = [];
      for (const service of [`b-${run}`, `a-${run}`, `a-${run} x`, `c-${run}\n50%`]) for (const metric of ['latency_ms', 'cost_usd'] as const) all.push(baseline(service, metric, all.length, all.length));
      await store.upsertBaselines([...all].reverse());
      const byKey = (x: SeriesBaseline, y: SeriesBaseline) => Buffer.compare(Buffer.from(x.series_key), Buffer.from(y.series_key));
      await eventually(
        () => store.listSeries({ model, service: `c-${run}\n50%`, limit: 10 }),
        (p) => expect(p.items).toHaveLength(2),
      );
      for (const [query, pick] of [
        [{ limit: 3 }, (b: SeriesBaseline) => b.service_name !== `svc-${run}`],
        [{ limit: 1, service: `a-${run}` }, (b: SeriesBaseline) => b.service_name === `a-${run}`],
        [{ limit: 10, metric: 'cost_usd' }, (b: SeriesBaseline) => b.metric === 'cost_usd'],
      ] as const) {
        const seen: SeriesBaseline[] = [];
        let cursor: string | undefined;
        do {
          const page = await store.listSeries({ model, ...query, cursor });
          expect(page.items.length).toBeLessThanOrEqual(query.limit);
          seen.push(...page.items);
          cursor = page.nextCursor ?? undefined;
        } while (cursor);
        expect(seen.filter((b) => b.service_name !== `svc-${run}`)).toEqual(all.filter(pick).sort(byKey));
      }
    });
  });
});
