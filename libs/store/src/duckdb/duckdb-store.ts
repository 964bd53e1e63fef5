import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { DuckDBInstance, type DuckDBAppender, type DuckDBConnection, type DuckDBValue } from '@duckdb/node-api';
import { severityRank, type AnomalyEvent, type TelemetryEvent } from '@sentinel/contracts';
import { decodeCursor, encodeCursor } from '../cursor.js';
import { GroupCommit, type GroupCommitOptions } from '../group-commit.js';
import type { AnomalyPage, AnomalyQuery, SeriesBucket, SeriesQuery, Store, TelemetryPoint, TelemetryQuery } from '../store.js';
import { METRIC_SQL, SCHEMA_SQL, STAGING_SQL, TELEMETRY_SELECT, aggregateSql, appendAnomalyRow, appendTelemetryRow, toTelemetryPoint } from './schema.js';

export interface DuckDbStoreOptions extends GroupCommitOptions {
  /** Database file; `:memory:` for a throwaway store. */
  path: string;
}

/**
 * The embedded Store: one DuckDB file. Writes go through one connection, batched by GroupCommit into an
 * appender-filled staging table and moved with INSERT OR IGNORE, so a redelivered record is stored once.
 * Reads use their own connection and so never wait behind a write.
 */
export class DuckDbStore implements Store {
  private readonly telemetryWrites: GroupCommit<TelemetryEvent>;
  private readonly anomalyWrites: GroupCommit<AnomalyEvent>;
  private writeChain: Promise<unknown> = Promise.resolve();
  private closed = false;

  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly writer: DuckDBConnection,
    private readonly reader: DuckDBConnection,
    options: GroupCommitOptions,
  ) {
    this.telemetryWrites = new GroupCommit((rows) => this.exclusive(() => this.move(rows, 'telemetry', appendTelemetryRow, (e) => e.event_id)), options);
    this.anomalyWrites = new GroupCommit((rows) => this.exclusive(() => this.move(rows, 'anomalies', appendAnomalyRow, (a) => a.alert_id)), options);
  }

  static async open(options: DuckDbStoreOptions): Promise<DuckDbStore> {
    if (options.path !== ':memory:') await mkdir(dirname(options.path), { recursive: true });
    const instance = await DuckDBInstance.create(options.path);
    const writer = await instance.connect();
    for (const sql of [...SCHEMA_SQL, ...STAGING_SQL]) await writer.run(sql);
    const reader = await instance.connect();
    return new DuckDbStore(instance, writer, reader, options);
  }

  appendTelemetry(events: readonly TelemetryEvent[]): Promise<void> {
    this.assertOpen();
    return this.telemetryWrites.add(events);
  }

  appendAnomalies(anomalies: readonly AnomalyEvent[]): Promise<void> {
    this.assertOpen();
    return this.anomalyWrites.add(anomalies);
  }

  async queryTelemetry(q: TelemetryQuery): Promise<TelemetryPoint[]> {
    const where = new Where().add('ts_ms >= $?', q.from).add('ts_ms < $?', q.to).add('service_name = $?', q.service).add('model = $?', q.model);
    const rows = await this.read(`${TELEMETRY_SELECT} ${where.sql()} ORDER BY ts_ms DESC, event_id LIMIT ${q.limit | 0}`, where.values);
    return rows.map(toTelemetryPoint);
  }

  async querySeries(q: SeriesQuery): Promise<SeriesBucket[]> {
    const step = Math.trunc(q.stepMs);
    const where = new Where().add('ts_ms >= $?', q.from).add('ts_ms < $?', q.to).add('service_name = $?', q.service).add('model = $?', q.model);
    const x = METRIC_SQL[q.metric];
    const rows = await this.read(
      `SELECT (ts_ms // ${step}) * ${step} AS t, ${aggregateSql(q.agg, x)} AS value, count(${x}) AS n FROM telemetry ${where.sql()} GROUP BY t ORDER BY t`,
      where.values,
    );
    const byStart = new Map(rows.map((r) => [Number(r.t), r]));
    // Empty buckets are returned as gaps (value null) so a chart shows missing data instead of joining across it.
    const buckets: SeriesBucket[] = [];
    for (let t = Math.floor(q.from / step) * step; t < q.to; t += step) {
      const r = byStart.get(t);
      buckets.push({ t, value: r && r.value != null ? Number(r.value) : null, count: r ? Number(r.n) : 0 });
    }
    return buckets;
  }

  async queryAnomalies(q: AnomalyQuery): Promise<AnomalyPage> {
    const where = new Where()
      .add('ts_ms >= $?', q.from)
      .add('ts_ms < $?', q.to)
      .add('service_name = $?', q.service)
      .add('model = $?', q.model)
      .add('metric = $?', q.metric)
      .add('anomaly_type = $?', q.type)
      .add('fired_methods LIKE $?', q.method === undefined ? undefined : `%,${q.method},%`)
      .add('severity_rank >= $?', q.minSeverity === undefined ? undefined : severityRank(q.minSeverity));
    if (q.cursor !== undefined) {
      const c = decodeCursor(q.cursor);
      where.add('(ts_ms < $? OR (ts_ms = $? AND alert_id < $?))', c.tsMs, c.tsMs, c.alertId);
    }
    const rows = await this.read(`SELECT ts_ms, alert_id, body FROM anomalies ${where.sql()} ORDER BY ts_ms DESC, alert_id DESC LIMIT ${(q.limit | 0) + 1}`, where.values);
    const more = rows.length > q.limit;
    const page = more ? rows.slice(0, q.limit) : rows;
    const last = page[page.length - 1];
    return {
      items: page.map((r) => JSON.parse(r.body as string) as AnomalyEvent),
      nextCursor: more && last ? encodeCursor({ tsMs: Number(last.ts_ms), alertId: last.alert_id as string }) : null,
    };
  }

  async getAnomaly(alertId: string): Promise<AnomalyEvent | null> {
    const rows = await this.read('SELECT body FROM anomalies WHERE alert_id = $1', [alertId.toLowerCase()]);
    return rows[0] ? (JSON.parse(rows[0].body as string) as AnomalyEvent) : null;
  }

  async check(): Promise<void> {
    this.assertOpen();
    await this.reader.run('SELECT 1');
  }

  /** Writes what is buffered, then closes. Appends after close are refused, not lost silently. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.allSettled([this.telemetryWrites.flush(), this.anomalyWrites.flush()]);
    await this.writeChain.catch(() => undefined);
    this.reader.closeSync();
    this.writer.closeSync();
    this.instance.closeSync();
  }

  private async move<T>(rows: T[], table: 'telemetry' | 'anomalies', append: (a: DuckDBAppender, row: T) => void, id: (row: T) => string): Promise<void> {
    const staging = `${table}_staging`;
    await this.writer.run(`DELETE FROM ${staging}`);
    const appender = await this.writer.createAppender(staging, 'main', 'temp');
    const seen = new Set<string>();
    try {
      for (const row of rows) {
        // One batch can carry the same record twice (a redelivery racing its original); the primary key would refuse both.
        const key = id(row);
        if (seen.has(key)) continue;
        seen.add(key);
        append(appender, row);
      }
    } finally {
      appender.closeSync();
    }
    await this.writer.run(`INSERT OR IGNORE INTO ${table} SELECT * FROM ${staging}`);
  }

  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const next = this.writeChain.then(work, work);
    this.writeChain = next.catch(() => undefined);
    return next;
  }

  private async read(sql: string, values: DuckDBValue[]): Promise<Record<string, unknown>[]> {
    this.assertOpen();
    const reader = await this.reader.runAndReadAll(sql, values);
    return reader.getRowObjectsJS() as Record<string, unknown>[];
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('store is closed');
  }
}

/** A WHERE clause of parameterised conditions; `$?` placeholders are numbered in order. */
class Where {
  readonly values: DuckDBValue[] = [];
  private readonly conditions: string[] = [];

  add(condition: string, ...values: Array<string | number | undefined>): this {
    if (values.some((v) => v === undefined)) return this;
    let i = 0;
    this.conditions.push(condition.replace(/\$\?/g, () => `$${this.values.length + ++i}`));
    for (const v of values) this.values.push(v as string | number);
    return this;
  }

  sql(): string {
    return this.conditions.length ? `WHERE ${this.conditions.join(' AND ')}` : '';
  }
}
