/**
 * What a DuckDB file goes through in production: redeliveries across batches and restarts, retention
 * with an injected clock, and opening a file written by the previous schema.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { sampleAnomaly, type TelemetryEvent } from '@sentinel/contracts';
import { DuckDbStore, TELEMETRY_METRICS, type SeriesQuery } from '@sentinel/store';
import { DAY, HOUR, T0, dataset, expectedSeries, sameBuckets } from './duckdb-fixtures.js';

let dir: string;
let path: string;
const stores: DuckDbStore[] = [];
const open = async (options: Partial<Parameters<typeof DuckDbStore.open>[0]> = {}) => {
  const s = await DuckDbStore.open({ path, batchSize: 500, ...options });
  stores.push(s);
  return s;
};

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sentinel-duckdb-life-'));
  path = join(dir, 'life.duckdb');
});

afterEach(async () => {
  for (const s of stores.splice(0)) await s.close();
  await rm(dir, { recursive: true, force: true });
});

/** Every series' per-hour count/sum/min/max equal on raw rows and both rollups, and equal to the test's answer. */
async function expectConsistent(store: DuckDbStore, events: readonly TelemetryEvent[], from: number, to: number): Promise<void> {
  const failures: string[] = [];
  for (const [service, model] of [['checkout', 'gpt-4o'], ['search', 'claude']] as const) {
    for (const metric of ['latency_ms', 'total_tokens', 'time_to_first_token_ms'] as const) {
      for (const agg of ['count', 'sum', 'min', 'max', 'avg'] as const) {
        const q: SeriesQuery = { service, model, metric, agg, stepMs: HOUR, from, to };
        const raw = await store.querySeriesUsing(q, 'raw');
        const d0 = sameBuckets(raw, expectedSeries(events, q), agg === 'count' || agg === 'min' || agg === 'max');
        if (d0) failures.push(`raw ${service}/${model} ${metric} ${agg}: ${d0}`);
        for (const source of ['1m', '1h'] as const) {
          const d = sameBuckets(await store.querySeriesUsing(q, source), raw, agg !== 'sum' && agg !== 'avg');
          if (d) failures.push(`${source} ${service}/${model} ${metric} ${agg}: ${d}`);
        }
      }
    }
  }
  expect(failures).toEqual([]);
}

describe('DuckDbStore idempotent writes', () => {
  it('stores and counts a redelivered event once, in the same batch, across batches and after a restart', async () => {
    const events = dataset(3000, 2 * DAY, 11);
    let store = await open();
    await store.appendTelemetry(events.slice(0, 1200));
    // Overlapping redelivery: half old, half new, and an event repeated inside the batch.
    await store.appendTelemetry([...events.slice(600, 1800), events[1700]!, events[5]!]);
    await store.close();
    store = await open();
    await store.appendTelemetry(events.slice(0, 3000));
    await store.appendTelemetry(events.slice(2500));
    const rows = await store.queryTelemetry({ from: T0 - DAY, to: T0 + 3 * DAY, limit: 100_000 });
    expect(rows).toHaveLength(3000);
    expect(new Set(rows.map((r) => r.event_id)).size).toBe(3000);
    await expectConsistent(store, events, T0 - HOUR, T0 + 2 * DAY + HOUR);
  });

  it('stores a redelivered anomaly once across a restart', async () => {
    const anomalies = Array.from({ length: 10 }, (_, i) => sampleAnomaly({ timestamp: new Date(T0 + i).toISOString() }));
    let store = await open();
    await store.appendAnomalies(anomalies.slice(0, 6));
    await store.close();
    store = await open();
    await store.appendAnomalies([...anomalies, anomalies[0]!]);
    const page = await store.queryAnomalies({ limit: 100 });
    expect(page.items.map((a) => a.alert_id).sort()).toEqual(anomalies.map((a) => a.alert_id).sort());
    expect(await store.getAnomaly(anomalies[9]!.alert_id)).toEqual(anomalies[9]);
  });

  it('keeps telemetry, rollups, anomalies and baselines across close and reopen', async () => {
    const events = dataset(2000, 3 * DAY, 12);
    const anomaly = sampleAnomaly();
    const baseline = { series_key: 'k', service_name: 'checkout', model: 'gpt-4o', metric: 'latency_ms' as const, stats: anomaly.baseline, last_timestamp: new Date(T0).toISOString() };
    let store = await open();
    await Promise.all([store.appendTelemetry(events), store.appendAnomalies([anomaly]), store.upsertBaselines([baseline])]);
    await store.close();
    store = await open();
    expect(await store.queryTelemetry({ from: T0, to: T0 + 3 * DAY, limit: 10_000 })).toHaveLength(2000);
    expect(await store.getAnomaly(anomaly.alert_id)).toEqual(anomaly);
    expect(await store.getSeries('k')).toEqual(baseline);
    await expectConsistent(store, events, T0, T0 + 3 * DAY);
  });
});

describe('DuckDbStore rollup compaction', () => {
  it('merges the partial rows batches leave in a bucket into one, answers unchanged', async () => {
    const events = dataset(3000, 2 * DAY, 16);
    const store = await open();
    for (let i = 0; i < events.length; i += 97) await store.appendTelemetry(events.slice(i, i + 97));
    await expectConsistent(store, events, T0, T0 + 2 * DAY);
    const { rollupRows } = await store.maintain();
    expect(rollupRows.after).toBeLessThan(rollupRows.before);
    // One row per (series, 1 min bucket) and per (series, 1 h bucket) that holds data.
    const keys = (w: number) => new Set(events.map((e) => `${e.service_name}/${e.model}/${Math.floor(Date.parse(e.timestamp) / w)}`)).size;
    expect(rollupRows.after).toBe(keys(60_000) + keys(HOUR));
    await expectConsistent(store, events, T0, T0 + 2 * DAY);
    expect((await store.maintain()).rollupRows).toEqual({ before: rollupRows.after, after: rollupRows.after });
  });
});

describe('DuckDbStore retention', () => {
  it('deletes telemetry, anomalies and rollup rows older than retentionDays, the cutoff on a whole hour', async () => {
    const events = dataset(4000, 6 * DAY, 13);
    const old = sampleAnomaly({ timestamp: new Date(T0 + HOUR).toISOString() });
    const recent = sampleAnomaly({ timestamp: new Date(T0 + 5 * DAY).toISOString() });
    let now = T0 + 2 * DAY; // nothing is older than 2 days yet
    const store = await open({ retentionDays: 2, now: () => now });
    await store.appendTelemetry(events);
    await store.appendAnomalies([old, recent]);
    expect(await store.maintain()).toMatchObject({ telemetry: 0, anomalies: 0 });

    now = T0 + 5 * DAY + 25 * 60_000;
    const result = await store.maintain();
    const cutoff = Math.floor((now - 2 * DAY) / HOUR) * HOUR;
    const kept = events.filter((e) => Date.parse(e.timestamp) >= cutoff);
    expect(result).toMatchObject({ cutoffMs: cutoff, telemetry: events.length - kept.length, anomalies: 1 });
    expect(await store.queryTelemetry({ from: 0, to: T0 + 10 * DAY, limit: 100_000 })).toHaveLength(kept.length);
    expect((await store.queryAnomalies({ limit: 10 })).items.map((a) => a.alert_id)).toEqual([recent.alert_id]);
    // Rollups lost exactly the buckets the raw rows left: every path still agrees, over the whole range.
    await expectConsistent(store, kept, T0 - DAY, T0 + 7 * DAY);
    const all = await store.querySeriesUsing({ service: 'checkout', model: 'gpt-4o', metric: 'latency_ms', agg: 'count', stepMs: HOUR, from: T0 - DAY, to: T0 + 7 * DAY }, '1h');
    expect(all.filter((b) => b.t < cutoff).every((b) => b.value === null)).toBe(true);
  });

  it('measures the cutoff from the newest stored row when the clock is past it: replayed history is kept', async () => {
    const events = dataset(300, 3 * DAY, 17);
    const store = await open({ retentionDays: 1, now: () => T0 + 400 * DAY });
    await store.appendTelemetry(events);
    const newest = Math.max(...events.map((e) => Date.parse(e.timestamp)));
    const cutoff = Math.floor((newest - DAY) / HOUR) * HOUR;
    expect(await store.maintain()).toMatchObject({ cutoffMs: cutoff, telemetry: events.filter((e) => Date.parse(e.timestamp) < cutoff).length });
    expect(await store.queryTelemetry({ from: 0, to: T0 + 10 * DAY, limit: 10_000 })).toHaveLength(events.filter((e) => Date.parse(e.timestamp) >= cutoff).length);
  });

  it('applies retention when the file is opened and then periodically, and never with retentionDays 0', async () => {
    const events = dataset(500, 4 * DAY, 14);
    let store = await open();
    await store.appendTelemetry(events);
    expect(await store.maintain()).toMatchObject({ cutoffMs: null, telemetry: 0, anomalies: 0 });
    await store.close();

    let now = T0 + 3 * DAY;
    store = await open({ retentionDays: 1, now: () => now, maintenanceIntervalMs: 20 });
    const count = async () => (await store.queryTelemetry({ from: 0, to: T0 + 10 * DAY, limit: 100_000 })).length;
    const cutoffAt = (t: number) => Math.floor((t - DAY) / HOUR) * HOUR;
    expect(await count()).toBe(events.filter((e) => Date.parse(e.timestamp) >= cutoffAt(now)).length);
    now = T0 + 4 * DAY;
    await vi.waitFor(async () => expect(await count()).toBe(events.filter((e) => Date.parse(e.timestamp) >= cutoffAt(now)).length), { timeout: 5000, interval: 20 });
  });
});

describe('DuckDbStore schema migration', () => {
  it('opens a file of the first schema (VARCHAR event ids, no rollups): rows kept, rollups built, ids still unique', async () => {
    const events = dataset(800, 2 * DAY, 15);
    const instance = await DuckDBInstance.create(path);
    const c = await instance.connect();
    await c.run(`CREATE TABLE telemetry (event_id VARCHAR PRIMARY KEY, ts_ms BIGINT NOT NULL, service_name VARCHAR NOT NULL, model VARCHAR NOT NULL,
      latency_ms DOUBLE NOT NULL, time_to_first_token_ms DOUBLE, prompt_tokens UINTEGER NOT NULL, completion_tokens UINTEGER NOT NULL,
      total_tokens UBIGINT NOT NULL, cost_usd DOUBLE NOT NULL, error BOOLEAN NOT NULL, finish_reason VARCHAR NOT NULL, trace_id VARCHAR)`);
    await fillOldTelemetry(c, events);
    c.closeSync();
    instance.closeSync();

    const store = await open();
    await store.appendTelemetry(events.slice(0, 100));
    expect(await store.queryTelemetry({ from: 0, to: T0 + 3 * DAY, limit: 10_000 })).toHaveLength(800);
    await expectConsistent(store, events, T0, T0 + 2 * DAY);
    expect(TELEMETRY_METRICS).toContain('latency_ms');
  });

  it('opens a file of schema 2 (UUID primary key): key dropped, rows and rollups kept, replays still stored once', async () => {
    const events = dataset(1500, 2 * DAY, 17);
    const old = events.slice(0, 1000);
    const instance = await DuckDBInstance.create(path);
    const c = await instance.connect();
    await c.run(`CREATE TABLE sentinel_meta (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL)`);
    await c.run(`INSERT INTO sentinel_meta VALUES ('schema_version', '2')`);
    await c.run(`CREATE TABLE telemetry (event_id UUID PRIMARY KEY, ts_ms BIGINT NOT NULL, service_name VARCHAR NOT NULL, model VARCHAR NOT NULL,
      latency_ms DOUBLE NOT NULL, time_to_first_token_ms DOUBLE, prompt_tokens UINTEGER NOT NULL, completion_tokens UINTEGER NOT NULL,
      total_tokens UBIGINT NOT NULL, cost_usd DOUBLE NOT NULL, error BOOLEAN NOT NULL, finish_reason VARCHAR NOT NULL, trace_id VARCHAR)`);
    // Out of time order, as a file written by redeliveries and late arrivals may be.
    await fillOldTelemetry(c, [...old].reverse());
    c.closeSync();
    instance.closeSync();

    let store = await open();
    await store.appendTelemetry(events.slice(900, 1200));
    await store.close();

    const check = await DuckDBInstance.create(path);
    const cc = await check.connect();
    const meta = (await cc.runAndReadAll(`SELECT value FROM sentinel_meta WHERE key = 'schema_version'`)).getRowObjectsJS();
    const keys = (await cc.runAndReadAll(`SELECT constraint_type FROM duckdb_constraints() WHERE table_name = 'telemetry' AND constraint_type IN ('PRIMARY KEY', 'UNIQUE')`)).getRowObjectsJS();
    const tables = (await cc.runAndReadAll(`SELECT table_name FROM duckdb_tables() WHERE table_name LIKE 'telemetry%' ORDER BY table_name`)).getRowObjectsJS();
    cc.closeSync();
    check.closeSync();
    expect(meta).toEqual([{ value: '3' }]);
    expect(keys).toEqual([]);
    expect(tables.map((t) => t.table_name)).toEqual(['telemetry', 'telemetry_1h', 'telemetry_1m']);

    store = await open();
    await store.appendTelemetry([...events.slice(0, 50), ...events.slice(1100)]);
    const rows = await store.queryTelemetry({ from: 0, to: T0 + 3 * DAY, limit: 10_000 });
    expect(rows).toHaveLength(1500);
    expect(new Set(rows.map((r) => r.event_id)).size).toBe(1500);
    await expectConsistent(store, events, T0 - HOUR, T0 + 2 * DAY + HOUR);
  });
});

/** Rows in the column order both older schemas share; the id is appended as text and cast by the table. */
async function fillOldTelemetry(c: DuckDBConnection, events: readonly TelemetryEvent[]): Promise<void> {
  const appender = await c.createAppender('telemetry');
  for (const e of events) {
    appender.appendVarchar(e.event_id);
    appender.appendBigInt(BigInt(Date.parse(e.timestamp)));
    appender.appendVarchar(e.service_name);
    appender.appendVarchar(e.model);
    appender.appendDouble(e.latency_ms);
    if (e.time_to_first_token_ms == null) appender.appendNull();
    else appender.appendDouble(e.time_to_first_token_ms);
    appender.appendUInteger(e.prompt.tokens);
    appender.appendUInteger(e.response.tokens);
    appender.appendUBigInt(BigInt(e.prompt.tokens + e.response.tokens));
    appender.appendDouble(e.cost_usd);
    appender.appendBoolean(e.errors.length > 0);
    appender.appendVarchar(e.response.finish_reason);
    appender.appendNull();
    appender.endRow();
  }
  appender.closeSync();
}
