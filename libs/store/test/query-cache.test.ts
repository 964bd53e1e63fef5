import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TelemetryEventSchema, sampleTelemetry, type TelemetryEvent } from '@sentinel/contracts';
import { CachingStore, DuckDbStore, type SeriesQuery } from '@sentinel/store';

const T0 = Date.parse('2025-06-01T12:00:00Z');
const event = (offsetMs: number, latency_ms: number, service_name = 'checkout'): TelemetryEvent => TelemetryEventSchema.parse(sampleTelemetry({ timestamp: new Date(T0 + offsetMs).toISOString(), latency_ms, service_name }));
const query: SeriesQuery = { service: 'checkout', model: 'gpt-4o', metric: 'latency_ms', agg: 'avg', stepMs: 60_000, from: T0, to: T0 + 120_000 };

let dir: string;
let inner: DuckDbStore;
let store: CachingStore;
let innerQueries: number;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sentinel-cache-'));
  inner = await DuckDbStore.open({ path: join(dir, 'db.duckdb'), batchSize: 1000 });
  innerQueries = 0;
  const querySeries = inner.querySeries.bind(inner);
  // Counts the queries that reach DuckDB: the real store, observed, not replaced.
  inner.querySeries = (q) => {
    innerQueries++;
    return querySeries(q);
  };
  store = new CachingStore(inner);
});
afterEach(async () => {
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

describe('CachingStore', () => {
  it('answers a repeated aggregate from the cache', async () => {
    await store.appendTelemetry([event(0, 100), event(1000, 300)]);
    const first = await store.querySeries(query);
    expect(await store.querySeries(query)).toEqual(first);
    expect(innerQueries).toBe(1);
    expect(first[0]).toMatchObject({ value: 200, count: 2 });
  });

  it('drops a cached aggregate when a write lands in its series and time range, and only then', async () => {
    await store.appendTelemetry([event(0, 100)]);
    await store.querySeries(query);
    await store.appendTelemetry([event(500, 900, 'search'), event(200_000, 900)]);
    await store.querySeries(query);
    expect(innerQueries).toBe(1);
    await store.appendTelemetry([event(61_000, 500)]);
    const fresh = await store.querySeries(query);
    expect(innerQueries).toBe(2);
    expect(fresh.map((b) => b.value)).toEqual([100, 500]);
  });

  it('does not keep a failed query', async () => {
    await expect(store.querySeries({ ...query, metric: 'no_such_metric' as never })).rejects.toThrow();
    await expect(store.querySeries({ ...query, metric: 'no_such_metric' as never })).rejects.toThrow();
    expect(innerQueries).toBe(2);
  });
});
