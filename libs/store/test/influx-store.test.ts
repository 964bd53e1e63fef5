import { describe, expect, it } from 'vitest';
import { HttpError } from '@influxdata/influxdb3-client';
import { TelemetryEventSchema, sampleAnomaly, sampleTelemetry, type SeriesBaseline, type TelemetryEvent } from '@sentinel/contracts';
import { CircuitOpenError, InfluxDbStore, LineProtocolError, StoreQueryError, type InfluxDbStoreOptions, type InfluxTransport, type Runtime } from '@sentinel/store';
import { decodeCursor } from '../src/cursor.js';
import { decodeSeriesCursor } from '../src/series-cursor.js';
import { pointTimeNs } from '../src/influx/schema.js';

/**
 * The store's own logic (encoding, batching, retry, breaker, row mapping, gap filling) against a scripted
 * transport. What InfluxDB does with the SQL is covered by influx.integration.test.ts against a real server.
 */
const T0 = Date.parse('2025-06-01T12:00:00Z');
const at = (offsetMs: number) => new Date(T0 + offsetMs).toISOString();
const event = (overrides: Parameters<typeof sampleTelemetry>[0] = {}): TelemetryEvent => TelemetryEventSchema.parse(sampleTelemetry(overrides));

type Row = Record<string, unknown>;

class ScriptedTransport implements InfluxTransport {
  readonly writes: string[][] = [];
  readonly queries: Array<{ sql: string; params: Record<string, string> }> = [];
  writeErrors: unknown[] = [];
  rows: Row[] = [];
  queryError: unknown = null;
  closed = false;

  async write(lines: readonly string[]): Promise<void> {
    const e = this.writeErrors.shift();
    if (e !== undefined) throw e;
    this.writes.push([...lines]);
  }

  async *query(sql: string, params: Record<string, string>): AsyncIterable<Row> {
    this.queries.push({ sql, params });
    if (this.queryError) throw this.queryError;
    yield* this.rows;
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}

function setup(options: Partial<InfluxDbStoreOptions> = {}) {
  const transport = new ScriptedTransport();
  const runtime: Runtime & { clock: number; sleeps: number[] } = {
    clock: T0,
    sleeps: [],
    now: () => runtime.clock,
    sleep: async (ms) => void runtime.sleeps.push(ms),
    random: () => 0.5,
  };
  const store = new InfluxDbStore(transport, { batchSize: 1000, flushIntervalMs: 0, retry: { retries: 2, baseDelayMs: 100, maxDelayMs: 1000 }, breaker: { failureThreshold: 3, resetTimeoutMs: 10_000 }, ...options }, runtime);
  return { store, transport, runtime };
}

describe('InfluxDbStore writes', () => {
  it('batches concurrent appends into one write and resolves each once written', async () => {
    const { store, transport } = setup();
    const events = Array.from({ length: 20 }, (_, i) => event({ timestamp: at(i) }));
    await Promise.all([store.appendTelemetry(events.slice(0, 10)), store.appendTelemetry(events.slice(10)), store.appendAnomalies([sampleAnomaly()])]);
    expect(transport.writes).toHaveLength(1);
    expect(transport.writes[0]).toHaveLength(21);
    expect(transport.writes[0]![0]).toMatch(/^llm_telemetry,service=checkout,model=gpt-4o event_id="/);
    expect(transport.writes[0]![20]).toMatch(/^llm_anomalies,service=checkout,/);
  });

  it('writes a redelivered event as the same point, and two events of one millisecond as two', async () => {
    const { store, transport } = setup();
    const e = event({ timestamp: at(0) });
    const twin = event({ timestamp: at(0) });
    await store.appendTelemetry([e, e]);
    await store.appendTelemetry([e, twin]);
    const [first, again, same, other] = transport.writes.flat();
    expect(first).toBe(again);
    expect(first).toBe(same);
    expect(first!.endsWith(` ${pointTimeNs(T0, e.event_id)}`)).toBe(true);
    expect(other!.endsWith(` ${pointTimeNs(T0, twin.event_id)}`)).toBe(true);
    expect(pointTimeNs(T0, e.event_id)).not.toBe(pointTimeNs(T0, twin.event_id));
  });

  it('retries a 503 with back-off and succeeds', async () => {
    const { store, transport, runtime } = setup();
    transport.writeErrors = [new HttpError(503, 'Service Unavailable')];
    await store.appendTelemetry([event()]);
    expect(transport.writes).toHaveLength(1);
    expect(runtime.sleeps).toEqual([75]);
  });

  it('fails at once on a refused write, without retrying', async () => {
    const { store, transport, runtime } = setup();
    transport.writeErrors = [new HttpError(400, 'Bad Request', 'partial write')];
    await expect(store.appendTelemetry([event()])).rejects.toMatchObject({ statusCode: 400 });
    expect(runtime.sleeps).toEqual([]);
    expect(transport.writes).toHaveLength(0);
  });

  it('opens the circuit when the server stays down, fails fast, and recovers through a probe', async () => {
    const { store, transport, runtime } = setup();
    const down = () => Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    transport.writeErrors = [down(), down(), down()];
    // Three failed attempts (1 + 2 retries) reach the threshold; the caller sees the real cause.
    await expect(store.appendTelemetry([event()])).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    await expect(store.check()).rejects.toBeInstanceOf(CircuitOpenError);
    await expect(store.appendTelemetry([event()])).rejects.toBeInstanceOf(CircuitOpenError);
    expect(transport.writes).toHaveLength(0);
    runtime.clock += 10_000;
    await store.appendTelemetry([event()]);
    expect(transport.writes).toHaveLength(1);
    await store.check();
  });

  it('fails only the caller whose record cannot be written', async () => {
    const { store, transport } = setup();
    const oversized = store.appendAnomalies([sampleAnomaly({ explanation: 'x'.repeat(70_000) })]);
    const fine = store.appendTelemetry([event()]);
    await expect(oversized).rejects.toBeInstanceOf(LineProtocolError);
    await fine;
    expect(transport.writes.flat()).toHaveLength(1);
  });

  it('writes what is buffered on close and refuses appends after it', async () => {
    const { store, transport } = setup({ flushIntervalMs: 60_000 });
    const pending = store.appendTelemetry([event()]);
    await store.close();
    await pending;
    expect(transport.writes.flat()).toHaveLength(1);
    expect(transport.closed).toBe(true);
    expect(() => store.appendTelemetry([event()])).toThrow(/closed/);
    await expect(store.queryTelemetry({ from: T0, to: T0 + 1, limit: 1 })).rejects.toThrow(/closed/);
    await store.close();
  });
});

describe('InfluxDbStore reads', () => {
  it('maps telemetry rows back, whatever integer type Arrow hands over', async () => {
    const { store, transport } = setup();
    transport.rows = [
      {
        time: 0,
        event_id: 'e1',
        ts_ms: BigInt(T0 + 1000),
        service: 'a%2Cb%0A',
        model: 'gpt-4o',
        latency_ms: 200,
        prompt_tokens: 120n,
        completion_tokens: '40',
        total_tokens: 160,
        cost_usd: 0.0012,
        error: true,
        finish_reason: 'stop',
        trace_id: 'abc',
      },
      { event_id: 'e2', ts_ms: T0, service: 's', model: 'm', latency_ms: 100, time_to_first_token_ms: 40, prompt_tokens: 1, completion_tokens: 2, total_tokens: 3, cost_usd: 0, error: false, finish_reason: 'length' },
    ];
    const points = await store.queryTelemetry({ from: T0, to: T0 + 5000, service: 'a,b\n', limit: 10 });
    expect(transport.queries[0]!.params.service).toBe('a,b%0A');
    expect(points[0]).toEqual({
      event_id: 'e1',
      timestamp: at(1000),
      service_name: 'a,b\n',
      model: 'gpt-4o',
      latency_ms: 200,
      time_to_first_token_ms: null,
      prompt_tokens: 120,
      completion_tokens: 40,
      total_tokens: 160,
      cost_usd: 0.0012,
      error: true,
      finish_reason: 'stop',
      trace_id: 'abc',
    });
    expect(points[1]).toMatchObject({ time_to_first_token_ms: 40, trace_id: null, error: false });
  });

  it('fills empty buckets as gaps between the rows InfluxDB returns', async () => {
    const { store, transport } = setup();
    transport.rows = [
      { bucket_ns: BigInt(T0) * 1_000_000n, value: 250, n: 4n },
      { bucket_ns: (T0 + 20_000) * 1e6, value: 1000, n: 2 },
    ];
    expect(await store.querySeries({ from: T0, to: T0 + 30_000, service: 'checkout', model: 'gpt-4o', metric: 'latency_ms', stepMs: 10_000, agg: 'avg' })).toEqual([
      { t: T0, value: 250, count: 4 },
      { t: T0 + 10_000, value: null, count: 0 },
      { t: T0 + 20_000, value: 1000, count: 2 },
    ]);
  });

  it('pages anomalies with a cursor taken from the last row of a full page', async () => {
    const { store, transport } = setup();
    const xs = [sampleAnomaly({ timestamp: at(2000) }), sampleAnomaly({ timestamp: at(1000) }), sampleAnomaly({ timestamp: at(0) })];
    transport.rows = xs.map((a) => ({ ts_ms: Date.parse(a.timestamp), alert_id: a.alert_id, body: JSON.stringify(a) }));
    const page = await store.queryAnomalies({ limit: 2 });
    expect(page.items).toEqual(xs.slice(0, 2));
    expect(decodeCursor(page.nextCursor!)).toEqual({ tsMs: T0 + 1000, alertId: xs[1]!.alert_id });
    expect(transport.queries[0]!.sql).toMatch(/LIMIT 3$/);
    transport.rows = transport.rows.slice(0, 2);
    expect((await store.queryAnomalies({ limit: 2 })).nextCursor).toBeNull();
    await expect(store.queryAnomalies({ limit: 2, cursor: 'nope' })).rejects.toBeInstanceOf(StoreQueryError);
  });

  it('returns one anomaly by id, or null', async () => {
    const { store, transport } = setup();
    const a = sampleAnomaly();
    transport.rows = [{ body: JSON.stringify(a) }];
    expect(await store.getAnomaly(a.alert_id.toUpperCase())).toEqual(a);
    expect(transport.queries[0]!.params).toEqual({ alert_id: a.alert_id });
    transport.rows = [];
    expect(await store.getAnomaly(a.alert_id)).toBeNull();
    expect(await store.getAnomaly('')).toBeNull();
  });

  it('appends baselines and reads the newest of each series, paging by series key', async () => {
    const { store, transport } = setup();
    const baseline = (service: string, tsOffset: number): SeriesBaseline => ({
      series_key: `${service}\u001fgpt-4o\u001flatency_ms`,
      service_name: service,
      model: 'gpt-4o',
      metric: 'latency_ms',
      stats: { count: 10, mean: tsOffset, std_dev: 1, median: 1, mad: 1, q1: 1, q3: 1 },
      last_timestamp: at(tsOffset),
    });
    const [a, b, c] = [baseline('a\n50%', 1), baseline('b', 2), baseline('c', 3)];
    await store.upsertBaselines([a, b, c]);
    expect(transport.writes.flat().every((l) => l.startsWith('llm_baselines,'))).toBe(true);
    transport.rows = [a, b, c].map((x) => ({ series_key: x.series_key.replace('\n', '%0A').replace('50%', '50%25'), body: JSON.stringify(x) }));
    const page = await store.listSeries({ limit: 2 });
    expect(page.items).toEqual([a, b]);
    expect(decodeSeriesCursor(page.nextCursor!)).toBe(b.series_key);
    transport.rows = [{ series_key: a.series_key, body: JSON.stringify(a) }];
    expect(await store.listSeries({ limit: 2 })).toEqual({ items: [a], nextCursor: null });
    expect(await store.getSeries(a.series_key)).toEqual(a);
    expect(transport.queries.at(-1)!.params).toEqual({ series_key: 'a%0A50%25\u001fgpt-4o\u001flatency_ms' });
    transport.rows = [];
    expect(await store.getSeries('nope')).toBeNull();
    expect(await store.getSeries('')).toBeNull();
  });

  it('reads "nothing written yet" as empty, and passes other failures on', async () => {
    const { store, transport } = setup();
    transport.queryError = new Error("Error during planning: table 'public.iox.llm_anomalies' not found");
    expect(await store.queryTelemetry({ from: T0, to: T0 + 1, limit: 5 })).toEqual([]);
    expect(await store.queryAnomalies({ limit: 5 })).toEqual({ items: [], nextCursor: null });
    expect(await store.getAnomaly(sampleAnomaly().alert_id)).toBeNull();
    expect(await store.listSeries({ limit: 5 })).toEqual({ items: [], nextCursor: null });
    expect(await store.getSeries('k')).toBeNull();
    const buckets = await store.querySeries({ from: T0, to: T0 + 2000, service: 's', model: 'm', metric: 'time_to_first_token_ms', stepMs: 1000, agg: 'p95' });
    expect(buckets).toEqual([
      { t: T0, value: null, count: 0 },
      { t: T0 + 1000, value: null, count: 0 },
    ]);
    transport.queryError = Object.assign(new Error('database not found: sentinel'), { code: 'NOT_FOUND' });
    await store.check();
    transport.queryError = Object.assign(new Error('No connection established'), { code: 'UNAVAILABLE' });
    await expect(store.queryTelemetry({ from: T0, to: T0 + 1, limit: 5 })).rejects.toThrow(/No connection/);
    await expect(store.check()).rejects.toThrow(/No connection/);
  });

  it('rejects a bad query before asking the server', async () => {
    const { store, transport } = setup();
    await expect(store.querySeries({ from: T0, to: T0 + 1, service: 's', model: 'm', metric: 'latency_ms', stepMs: 0, agg: 'avg' })).rejects.toBeInstanceOf(StoreQueryError);
    expect(transport.queries).toHaveLength(0);
  });
});
