import type { AnomalyEvent, SeriesBaseline, TelemetryEvent } from '@sentinel/contracts';
import { StoreUnavailableError } from '../errors.js';
import { encodeCursor, keysetPage } from '../cursor.js';
import { encodeSeriesCursor } from '../series-cursor.js';
import type { AnomalyPage, AnomalyQuery, SeriesBucket, SeriesListQuery, SeriesPage, SeriesQuery, Store, TelemetryPoint, TelemetryQuery } from '../store.js';
import { CircuitBreaker, type CircuitBreakerOptions } from '@sentinel/resilience';
import { LineBatcher, type LineBatcherOptions } from './line-batcher.js';
import { CircuitOpenError, systemRuntime, withRetry, type RetryOptions, type Runtime } from './retry.js';
import { anomalyLine, baselineLine, fromStored, nsToMs, telemetryLine, toNumber, toTelemetryPoint } from './schema.js';
import { anomaliesSql, anomalyByIdSql, bucketStep, seriesByKeySql, seriesListSql, seriesSql, telemetrySql, type SqlQuery } from './sql.js';
import { clientTransport, isMissingSchema, type InfluxConnectionOptions, type InfluxTransport } from './transport.js';

export interface InfluxDbStoreOptions extends LineBatcherOptions {
  retry?: Partial<RetryOptions>;
  breaker?: Partial<CircuitBreakerOptions>;
}

export const DEFAULT_RETRY: RetryOptions = { retries: 5, baseDelayMs: 200, maxDelayMs: 10_000 };
export const DEFAULT_BREAKER: CircuitBreakerOptions = { failureThreshold: 5, resetTimeoutMs: 30_000 };

type Row = Record<string, unknown>;

/**
 * The Store on InfluxDB 3: telemetry in `llm_telemetry`, anomalies in `llm_anomalies`, series baselines in
 * `llm_baselines` (see schema.ts and docs/storage-influxdb.md). Appends are encoded at once, so a record
 * that cannot be written fails its own caller and never a shared batch; then batched, retried with
 * back-off and guarded by a circuit breaker. Idempotency comes from the row identity (tags + a timestamp
 * derived from the id), not from a lookup.
 */
export class InfluxDbStore implements Store {
  private readonly batcher: LineBatcher;
  private readonly breaker: CircuitBreaker;
  private closed = false;

  constructor(
    private readonly transport: InfluxTransport,
    options: InfluxDbStoreOptions,
    private readonly runtime: Runtime = systemRuntime,
  ) {
    this.breaker = new CircuitBreaker({ ...DEFAULT_BREAKER, ...options.breaker });
    const retry = { ...DEFAULT_RETRY, ...options.retry };
    this.batcher = new LineBatcher((lines) => withRetry(() => transport.write(lines), { ...retry, breaker: this.breaker, runtime }), options);
  }

  static connect(options: InfluxConnectionOptions & InfluxDbStoreOptions): InfluxDbStore {
    return new InfluxDbStore(clientTransport(options), options);
  }

  appendTelemetry(events: readonly TelemetryEvent[]): Promise<void> {
    this.assertOpen();
    return this.append(events, telemetryLine);
  }

  appendAnomalies(anomalies: readonly AnomalyEvent[]): Promise<void> {
    this.assertOpen();
    return this.append(anomalies, anomalyLine);
  }

  /** Each baseline is appended; reads take the newest per series, so an older one never replaces a newer one. */
  upsertBaselines(baselines: readonly SeriesBaseline[]): Promise<void> {
    this.assertOpen();
    return this.append(baselines, baselineLine);
  }

  async queryTelemetry(q: TelemetryQuery): Promise<TelemetryPoint[]> {
    return (await this.rows(telemetrySql(q))).map(toTelemetryPoint);
  }

  async querySeries(q: SeriesQuery): Promise<SeriesBucket[]> {
    const step = bucketStep(q);
    const byStart = new Map((await this.rows(seriesSql(q))).map((r) => [nsToMs(r.bucket_ns), r]));
    // Empty buckets are returned as gaps (value null) so a chart shows missing data instead of joining across it.
    const buckets: SeriesBucket[] = [];
    for (let t = Math.floor(q.from / step) * step; t < q.to; t += step) {
      const r = byStart.get(t);
      buckets.push({ t, value: r && r.value != null ? toNumber(r.value) : null, count: r ? toNumber(r.n) : 0 });
    }
    return buckets;
  }

  async queryAnomalies(q: AnomalyQuery): Promise<AnomalyPage> {
    const rows = await this.rows(anomaliesSql(q));
    return keysetPage(
      rows,
      q.limit,
      (r) => JSON.parse(String(r.body)) as AnomalyEvent,
      (last) => encodeCursor({ tsMs: toNumber(last.ts_ms), alertId: String(last.alert_id) }),
    );
  }

  async getAnomaly(alertId: string): Promise<AnomalyEvent | null> {
    if (alertId === '') return null;
    const [row] = await this.rows(anomalyByIdSql(alertId));
    return row ? (JSON.parse(String(row.body)) as AnomalyEvent) : null;
  }

  async listSeries(q: SeriesListQuery): Promise<SeriesPage> {
    const rows = await this.rows(seriesListSql(q));
    return keysetPage(
      rows,
      q.limit,
      (r) => JSON.parse(String(r.body)) as SeriesBaseline,
      (last) => encodeSeriesCursor(fromStored(String(last.series_key))),
    );
  }

  async getSeries(seriesKey: string): Promise<SeriesBaseline | null> {
    if (seriesKey === '') return null;
    const [row] = await this.rows(seriesByKeySql(seriesKey));
    return row ? (JSON.parse(String(row.body)) as SeriesBaseline) : null;
  }

  /** Ready when writes are not paused by the breaker and the query path answers. */
  async check(): Promise<void> {
    this.assertOpen();
    const now = this.runtime.now();
    if (this.breaker.state(now) === 'open') throw new CircuitOpenError(this.breaker.retryAt() ?? now);
    // A database that does not exist yet is created by the first write, so "not found" is ready too.
    await this.rows({ sql: 'SELECT 1', params: {} });
  }

  /** Writes what is buffered, then closes. Appends after close are refused, not lost silently. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.batcher.flush();
    await this.transport.close();
  }

  private append<T>(records: readonly T[], encode: (record: T) => string): Promise<void> {
    let lines: string[];
    try {
      lines = records.map(encode);
    } catch (e) {
      return Promise.reject(e);
    }
    return this.batcher.add(lines);
  }

  private async rows(q: SqlQuery): Promise<Row[]> {
    this.assertOpen();
    const out: Row[] = [];
    try {
      for await (const row of this.transport.query(q.sql, q.params)) out.push(row);
    } catch (e) {
      if (isMissingSchema(e)) return [];
      // Sentinel writes every query itself, so a failing one means the server could not answer it now.
      throw new StoreUnavailableError(`InfluxDB 3 did not answer the query: ${(e as Error).message}`, { cause: e });
    }
    return out;
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('store is closed');
  }
}
