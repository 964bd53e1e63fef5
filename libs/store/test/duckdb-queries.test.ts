/**
 * Every aggregate and filter of the DuckDB store against answers computed in the test, on a real file
 * written in shuffled batches (so rollup buckets are merged many times), and the rollup paths against
 * the raw path.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seededRandom, type TelemetryEvent } from '@sentinel/contracts';
import { AGGREGATES, DuckDbStore, TELEMETRY_METRICS, type Aggregate, type SeriesQuery, type TelemetryMetric } from '@sentinel/store';
import { DAY, HOUR, T0, dataset, expectedSeries, makeEvent, sameBuckets } from './duckdb-fixtures.js';

const SPAN = 9 * DAY;
const INTEGER_METRICS: readonly TelemetryMetric[] = ['prompt_tokens', 'completion_tokens', 'total_tokens', 'error'];
const exactFor = (agg: Aggregate, metric: TelemetryMetric) => agg === 'count' || agg === 'min' || agg === 'max' || (INTEGER_METRICS.includes(metric) && (agg === 'sum' || agg === 'avg'));
const ROLLUP_AGGS = ['avg', 'min', 'max', 'sum', 'count'] as const;
/** A minute of search/claude whose rows all lack time to first token. */
const NULLS_MINUTE = Math.floor((T0 + 4 * DAY + 7 * HOUR) / 60_000) * 60_000;
const SERIES = [
  ['checkout', 'gpt-4o'],
  ['checkout', 'claude'],
  ['search', 'gpt-4o'],
  ['search', 'claude'],
] as const;

let dir: string;
let store: DuckDbStore;
let events: TelemetryEvent[];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sentinel-duckdb-queries-'));
  const r = seededRandom(7);
  events = dataset(12_000, SPAN, 3);
  // Rows exactly on range edges and buckets with no time to first token at all.
  events.push(makeEvent(T0 + DAY, r, { service_name: 'checkout', model: 'gpt-4o' }), makeEvent(T0 + 2 * DAY, r, { service_name: 'checkout', model: 'gpt-4o' }));
  for (let i = 0; i < 3; i++) events.push(makeEvent(NULLS_MINUTE + i, r, { service_name: 'search', model: 'claude', time_to_first_token_ms: null }));
  const shuffled = [...events].sort(() => r() - 0.5);
  store = await DuckDbStore.open({ path: join(dir, 'q.duckdb'), batchSize: 700 });
  // Concurrent callers of different sizes: GroupCommit joins them into batches up to 700 rows.
  const writes: Promise<void>[] = [];
  for (let i = 0; i < shuffled.length; ) {
    const n = 1 + Math.floor(r() * 400);
    writes.push(store.appendTelemetry(shuffled.slice(i, i + n)));
    i += n;
  }
  await Promise.all(writes);
  // And the file is the one read after a restart.
  await store.close();
  store = await DuckDbStore.open({ path: join(dir, 'q.duckdb'), batchSize: 700 });
});

afterAll(async () => {
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

describe('DuckDbStore series queries on known data', () => {
  it('computes every aggregate of every metric as the test does, 5 min buckets over an unaligned 30 h range', async () => {
    const from = T0 + DAY - 3 * HOUR + 12_345;
    const failures: string[] = [];
    let checked = 0;
    for (const [service, model] of SERIES) {
      for (const metric of TELEMETRY_METRICS) {
        for (const agg of AGGREGATES) {
          const q: SeriesQuery = { service, model, metric, agg, stepMs: 300_000, from, to: from + 30 * HOUR };
          const expected = expectedSeries(events, q);
          const diff = sameBuckets(await store.querySeriesUsing(q, 'raw'), expected, exactFor(agg, metric) && agg !== 'avg');
          if (diff) failures.push(`${service}/${model} ${metric} ${agg}: ${diff}`);
          checked++;
        }
      }
    }
    expect(failures).toEqual([]);
    expect(checked).toBe(SERIES.length * TELEMETRY_METRICS.length * AGGREGATES.length);
  });

  it('uses quantile_cont (linear interpolation, h = (n − 1)·p) for p50, p95 and p99', async () => {
    const q = { service: 'checkout', model: 'gpt-4o', metric: 'latency_ms', stepMs: SPAN * 2, from: T0, to: T0 + SPAN } as const;
    for (const agg of ['p50', 'p95', 'p99'] as const) {
      const [bucket] = (await store.querySeries({ ...q, agg })).filter((b) => b.count > 0);
      const [want] = expectedSeries(events, { ...q, agg }).filter((b) => b.count > 0);
      expect(bucket!.value).toBeCloseTo(want!.value!, 9);
      expect(bucket!.count).toBeGreaterThan(2000);
    }
  });

  it('filters on service, model and the half-open time range', async () => {
    const q = { metric: 'latency_ms', agg: 'count', stepMs: DAY } as const;
    // [T0 + 1 d, T0 + 2 d): the event at exactly T0 + 1 d is in, the one at T0 + 2 d is out.
    for (const [service, model] of SERIES) {
      const got = await store.querySeries({ ...q, service, model, from: T0 + DAY, to: T0 + 2 * DAY });
      const want = expectedSeries(events, { ...q, service, model, from: T0 + DAY, to: T0 + 2 * DAY });
      expect(sameBuckets(got, want, true)).toBeNull();
    }
    expect(await store.querySeries({ ...q, service: 'checkout', model: 'nope', from: T0, to: T0 + DAY })).toEqual(expectedSeries([], { ...q, service: 'checkout', model: 'nope', from: T0, to: T0 + DAY }));
  });

  it('counts a bucket with rows but no value of the metric as 0 values, and an empty bucket as a gap', async () => {
    const q = { service: 'search', model: 'claude', metric: 'time_to_first_token_ms', stepMs: 60_000, from: NULLS_MINUTE, to: NULLS_MINUTE + 60_000 } as const;
    const rows = events.filter((e) => e.service_name === 'search' && e.model === 'claude' && Date.parse(e.timestamp) >= q.from && Date.parse(e.timestamp) < q.to);
    expect(rows.length).toBeGreaterThanOrEqual(3);
    if (rows.every((e) => e.time_to_first_token_ms == null)) {
      expect(await store.querySeries({ ...q, agg: 'count' })).toEqual([{ t: NULLS_MINUTE, value: 0, count: 0 }]);
      expect(await store.querySeries({ ...q, agg: 'avg' })).toEqual([{ t: NULLS_MINUTE, value: null, count: 0 }]);
    }
    const far = { ...q, from: NULLS_MINUTE + 20 * DAY, to: NULLS_MINUTE + 20 * DAY + 120_000 };
    expect((await store.querySeries({ ...far, agg: 'count' })).map((b) => b.value)).toEqual([null, null]);
  });

  it('returns the raw rows of a range, newest first, filtered and limited', async () => {
    const from = T0 + 3 * DAY;
    const to = from + 2 * HOUR;
    for (const [service, model] of [['checkout', 'claude'] as const, [undefined, undefined] as const]) {
      const points = await store.queryTelemetry({ from, to, service, model, limit: 10_000 });
      const want = events
        .filter((e) => Date.parse(e.timestamp) >= from && Date.parse(e.timestamp) < to && (service === undefined || (e.service_name === service && e.model === model)))
        .sort((a, b) => Date.parse(b.timestamp) - Date.parse(a.timestamp) || (a.event_id < b.event_id ? -1 : 1));
      expect(points.map((p) => p.event_id)).toEqual(want.map((e) => e.event_id));
      const e = want[0]!;
      expect(points[0]).toEqual({
        event_id: e.event_id,
        timestamp: e.timestamp,
        service_name: e.service_name,
        model: e.model,
        latency_ms: e.latency_ms,
        time_to_first_token_ms: e.time_to_first_token_ms ?? null,
        prompt_tokens: e.prompt.tokens,
        completion_tokens: e.response.tokens,
        total_tokens: e.prompt.tokens + e.response.tokens,
        cost_usd: e.cost_usd,
        error: e.errors.length > 0,
        finish_reason: 'stop',
        trace_id: null,
      });
    }
    expect(await store.queryTelemetry({ from, to, limit: 7 })).toHaveLength(7);
  });
});

describe('DuckDbStore rollups', () => {
  it('answers long ranges of avg/min/max/sum/count from a rollup and everything else from raw rows', () => {
    const q = { service: 'checkout', model: 'gpt-4o', metric: 'latency_ms', agg: 'avg' } as const;
    expect(store.seriesSource({ ...q, stepMs: HOUR, from: T0, to: T0 + 8 * DAY })).toBe('1h');
    expect(store.seriesSource({ ...q, stepMs: 300_000, from: T0, to: T0 + 8 * DAY })).toBe('1m');
    expect(store.seriesSource({ ...q, stepMs: HOUR, from: T0, to: T0 + 2 * DAY })).toBe('1m');
    expect(store.seriesSource({ ...q, stepMs: 300_000, from: T0, to: T0 + 6 * HOUR })).toBe('raw');
    expect(store.seriesSource({ ...q, stepMs: 90_000, from: T0, to: T0 + 8 * DAY })).toBe('raw');
    expect(store.seriesSource({ ...q, agg: 'p95', stepMs: HOUR, from: T0, to: T0 + 8 * DAY })).toBe('raw');
  });

  it('gives the same buckets from raw rows, the 1 min rollup and the 1 h rollup, and the test’s own answer', async () => {
    const failures: string[] = [];
    // Unaligned edges (raw rows fill them in), and an aligned range (the rollup alone answers).
    const ranges = [
      { from: T0 + 5_000, to: T0 + 8 * DAY + 37 * 60_000 + 11 },
      { from: Math.ceil(T0 / HOUR) * HOUR, to: Math.floor((T0 + SPAN) / HOUR) * HOUR },
    ];
    for (const range of ranges) {
      for (const [service, model] of SERIES) {
        for (const metric of TELEMETRY_METRICS) {
          for (const agg of ROLLUP_AGGS) {
            const q: SeriesQuery = { service, model, metric, agg, stepMs: 6 * HOUR, ...range };
            const raw = await store.querySeriesUsing(q, 'raw');
            const exact = exactFor(agg, metric);
            for (const source of ['1m', '1h'] as const) {
              const diff = sameBuckets(await store.querySeriesUsing(q, source), raw, exact);
              if (diff) failures.push(`${source} vs raw ${service}/${model} ${metric} ${agg}: ${diff}`);
            }
            const diff = sameBuckets(raw, expectedSeries(events, q), exact && agg !== 'avg');
            if (diff) failures.push(`raw vs test ${service}/${model} ${metric} ${agg}: ${diff}`);
          }
        }
      }
    }
    expect(failures).toEqual([]);
  });

  it('answers through querySeries from the rollup it picks with the numbers of the raw path', async () => {
    const q: SeriesQuery = { service: 'search', model: 'gpt-4o', metric: 'cost_usd', agg: 'sum', stepMs: HOUR, from: T0 - 999, to: T0 + SPAN };
    expect(store.seriesSource(q)).toBe('1h');
    expect(sameBuckets(await store.querySeries(q), await store.querySeriesUsing(q, 'raw'), false)).toBeNull();
    const counts = await store.querySeries({ ...q, agg: 'count', metric: 'prompt_tokens' });
    expect(counts.reduce((n, b) => n + b.count, 0)).toBe(events.filter((e) => e.service_name === 'search' && e.model === 'gpt-4o').length);
  });

  it('gives the raw answer from a rollup also for ranges shorter than one rollup bucket', async () => {
    for (const [from, to] of [
      [NULLS_MINUTE + 5_000, NULLS_MINUTE + 50_000],
      [NULLS_MINUTE - 30_000, NULLS_MINUTE + 30_000],
      [T0 + 3 * DAY + 1, T0 + 3 * DAY + HOUR - 1],
    ]) {
      for (const source of ['1m', '1h'] as const) {
        const q: SeriesQuery = { service: 'search', model: 'claude', metric: 'total_tokens', agg: 'sum', stepMs: HOUR, from: from!, to: to! };
        expect(sameBuckets(await store.querySeriesUsing(q, source), expectedSeries(events, q), true)).toBeNull();
      }
    }
  });

  it('refuses to answer a percentile or a misaligned step from a rollup', async () => {
    const q: SeriesQuery = { service: 'search', model: 'gpt-4o', metric: 'cost_usd', agg: 'p95', stepMs: HOUR, from: T0, to: T0 + SPAN };
    await expect(store.querySeriesUsing(q, '1h')).rejects.toThrow(/rollup/);
    await expect(store.querySeriesUsing({ ...q, agg: 'avg', stepMs: 90_000 }, '1m')).rejects.toThrow(/multiple/);
  });
});
