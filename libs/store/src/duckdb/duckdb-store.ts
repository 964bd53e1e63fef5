import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { DuckDBInstance, type DuckDBAppender, type DuckDBConnection, type DuckDBValue } from '@duckdb/node-api';
import { severityRank, type AnomalyEvent, type SeriesBaseline, type TelemetryEvent } from '@sentinel/contracts';
import { decodeCursor, encodeCursor, keysetPage } from '../cursor.js';
import { GroupCommit, type GroupCommitOptions } from '../group-commit.js';
import type { AnomalyPage, AnomalyQuery, SeriesBucket, SeriesListQuery, SeriesPage, SeriesQuery, Store, TelemetryPoint, TelemetryQuery } from '../store.js';
import {
  INSERT_FRESH_TELEMETRY_SQL,
  METRIC_SQL,
  ROLLUPS,
  ROLLUP_AGGREGATES,
  SCHEMA_SQL,
  SCHEMA_VERSION,
  STAGING_SQL,
  TELEMETRY_SELECT,
  UPSERT_BASELINES_SQL,
  aggregateSql,
  appendAnomalyRow,
  appendBaselineRow,
  appendTelemetryRow,
  appendRollupSql,
  compactRollupSql,
  copyTelemetrySql,
  rebuildRollupSql,
  rollupColumns,
  stageFreshTelemetrySql,
  toTelemetryPoint,
  type Rollup,
} from './schema.js';
import { decodeSeriesCursor, encodeSeriesCursor } from '../series-cursor.js';

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

export interface DuckDbStoreOptions extends GroupCommitOptions {
  /** Database file; `:memory:` for a throwaway store. */
  path: string;
  /**
   * Telemetry, anomalies and rollup rows older than this many days are deleted by maintenance, which runs
   * at open and then every `maintenanceIntervalMs` (default 1 h). 0 (the default here; the config's
   * default is 30) keeps everything.
   */
  retentionDays?: number;
  maintenanceIntervalMs?: number;
  /**
   * WAL size at which DuckDB checkpoints (a DuckDB size such as '256MB'; DuckDB's default is 16MB). Larger
   * values checkpoint less often; the cost is a longer WAL replay when the file is opened after a crash.
   */
  checkpointThreshold?: string;
  /** The clock retention reads; injected by tests. */
  now?: () => number;
  /** Told when a periodic maintenance pass fails (the next pass retries). */
  onMaintenanceError?: (e: unknown) => void;
}

/** Where a series query is answered from: raw rows, or the 1 min or 1 h rollup. */
export type SeriesSource = 'raw' | '1m' | '1h';

/** A rollup answers avg, min, max, sum and count when the step is a multiple of its width and the range is longer than this. */
const ROLLUP_MIN_RANGE_MS: Record<Exclude<SeriesSource, 'raw'>, number> = { '1m': 6 * HOUR_MS, '1h': 7 * DAY_MS };
const ROLLUP_BY_SOURCE: Record<Exclude<SeriesSource, 'raw'>, Rollup> = { '1m': ROLLUPS[0]!, '1h': ROLLUPS[1]! };

export interface MaintenanceResult {
  /** Rows strictly older than this (epoch ms, whole hour) were deleted; null when retention is off or the store is empty. */
  cutoffMs: number | null;
  /** Telemetry rows and anomalies deleted by retention. */
  telemetry: number;
  anomalies: number;
  /** Rollup rows before and after merging each bucket's partial rows into one. */
  rollupRows: { before: number; after: number };
}

/**
 * The embedded Store: one DuckDB file. Writes go through one connection, batched by GroupCommit into an
 * appender-filled staging table, so a redelivered record is stored once, across batches and restarts:
 * anomalies and baselines move with INSERT ... ON CONFLICT on their primary key; telemetry, which has no
 * key (see schema.ts), with an anti-join against the stored rows of the batch's time range. Each telemetry
 * batch also appends to two rollups (1 min and 1 h buckets per service and model) in the same transaction,
 * from the rows actually inserted. Reads use their own connection and so never wait behind a write.
 */
export class DuckDbStore implements Store {
  private readonly telemetryWrites: GroupCommit<TelemetryEvent>;
  private readonly anomalyWrites: GroupCommit<AnomalyEvent>;
  private readonly baselineWrites: GroupCommit<SeriesBaseline>;
  private writeChain: Promise<unknown> = Promise.resolve();
  private maintenanceTimer: NodeJS.Timeout | null = null;
  private closed = false;

  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly writer: DuckDBConnection,
    private readonly reader: DuckDBConnection,
    private readonly options: DuckDbStoreOptions,
  ) {
    this.telemetryWrites = new GroupCommit((rows) => this.exclusive(() => this.moveTelemetry(rows)), options);
    this.anomalyWrites = new GroupCommit(
      (rows) => this.exclusive(() => this.move(unique(rows, (a) => a.alert_id), 'anomalies_staging', appendAnomalyRow, 'INSERT INTO anomalies SELECT * FROM anomalies_staging ON CONFLICT DO NOTHING')),
      options,
    );
    this.baselineWrites = new GroupCommit((rows) => this.exclusive(() => this.move(latestBaselines(rows), 'series_baselines_staging', appendBaselineRow, UPSERT_BASELINES_SQL)), options);
  }

  static async open(options: DuckDbStoreOptions): Promise<DuckDbStore> {
    if (options.path !== ':memory:') await mkdir(dirname(options.path), { recursive: true });
    const instance = await DuckDBInstance.create(options.path, options.checkpointThreshold ? { checkpoint_threshold: options.checkpointThreshold } : undefined);
    const writer = await instance.connect();
    try {
      await migrate(writer);
      for (const sql of STAGING_SQL) await writer.run(sql);
    } catch (e) {
      writer.closeSync();
      instance.closeSync();
      throw e;
    }
    const reader = await instance.connect();
    const store = new DuckDbStore(instance, writer, reader, options);
    try {
      await store.maintain();
    } catch (e) {
      await store.close();
      throw e;
    }
    store.maintenanceTimer = setInterval(() => {
      store.maintain().catch((e: unknown) => options.onMaintenanceError?.(e));
    }, options.maintenanceIntervalMs ?? HOUR_MS);
    store.maintenanceTimer.unref();
    return store;
  }

  appendTelemetry(events: readonly TelemetryEvent[]): Promise<void> {
    this.assertOpen();
    return this.telemetryWrites.add(events);
  }

  appendAnomalies(anomalies: readonly AnomalyEvent[]): Promise<void> {
    this.assertOpen();
    return this.anomalyWrites.add(anomalies);
  }

  upsertBaselines(baselines: readonly SeriesBaseline[]): Promise<void> {
    this.assertOpen();
    return this.baselineWrites.add(baselines);
  }

  async queryTelemetry(q: TelemetryQuery): Promise<TelemetryPoint[]> {
    const where = new Where().add('ts_ms >= $?', q.from).add('ts_ms < $?', q.to).add('service_name = $?', q.service).add('model = $?', q.model);
    const rows = await this.read(`${TELEMETRY_SELECT} ${where.sql()} ORDER BY ts_ms DESC, event_id LIMIT ${q.limit | 0}`, where.values);
    return rows.map(toTelemetryPoint);
  }

  querySeries(q: SeriesQuery): Promise<SeriesBucket[]> {
    return this.querySeriesUsing(q, this.seriesSource(q));
  }

  /**
   * Where `querySeries` answers `q` from. Percentiles always come from raw rows. avg, min, max, sum and
   * count come from the 1 h rollup when the step is a whole number of hours and the range is over 7 days,
   * from the 1 min rollup when the step is a whole number of minutes and the range is over 6 hours.
   */
  seriesSource(q: SeriesQuery): SeriesSource {
    if (ROLLUP_AGGREGATES[q.agg] === undefined) return 'raw';
    const step = Math.trunc(q.stepMs);
    for (const source of ['1h', '1m'] as const) {
      if (step % ROLLUP_BY_SOURCE[source].widthMs === 0 && q.to - q.from > ROLLUP_MIN_RANGE_MS[source]) return source;
    }
    return 'raw';
  }

  /**
   * `querySeries` from a chosen source; every source gives the same buckets. With a rollup the whole
   * rollup buckets inside [from, to) come from the rollup and the unaligned edges from raw rows.
   */
  async querySeriesUsing(q: SeriesQuery, source: SeriesSource): Promise<SeriesBucket[]> {
    const step = Math.trunc(q.stepMs);
    if (!(step >= 1)) throw new RangeError('stepMs must be at least 1');
    const x = METRIC_SQL[q.metric];
    let rows: Record<string, unknown>[];
    if (source === 'raw') {
      const where = new Where().add('ts_ms >= $?', q.from).add('ts_ms < $?', q.to).add('service_name = $?', q.service).add('model = $?', q.model);
      rows = await this.read(`SELECT (ts_ms // ${step}) * ${step} AS t, ${aggregateSql(q.agg, x)} AS value, count(${x}) AS n FROM telemetry ${where.sql()} GROUP BY t ORDER BY t`, where.values);
    } else {
      const rollup = ROLLUP_BY_SOURCE[source];
      const finish = ROLLUP_AGGREGATES[q.agg];
      if (finish === undefined) throw new RangeError(`${q.agg} cannot be answered from a rollup`);
      if (step % rollup.widthMs !== 0) throw new RangeError(`stepMs ${step} is not a multiple of the ${source} rollup`);
      const w = rollup.widthMs;
      // [a, b): the whole rollup buckets inside [from, to); the rest comes from raw rows.
      const a = Math.min(q.to, Math.max(q.from, Math.ceil(q.from / w) * w));
      const b = Math.max(a, Math.min(q.to, Math.floor(q.to / w) * w));
      const [n, sum, min, max] = rollupColumns(q.metric);
      const raw = (lo: string, hi: string) =>
        `SELECT (ts_ms // ${step}) * ${step} AS t, count(${x}) AS n, sum(${x}) AS s, min(${x}) AS mn, max(${x}) AS mx
         FROM telemetry WHERE service_name = $1 AND model = $2 AND ts_ms >= ${lo} AND ts_ms < ${hi} GROUP BY t`;
      rows = await this.read(
        `WITH parts AS (
           ${raw('$3', '$4')}
           UNION ALL
           SELECT (bucket_ms // ${step}) * ${step} AS t, sum(${n}) AS n, sum(${sum}) AS s, min(${min}) AS mn, max(${max}) AS mx
           FROM ${rollup.table} WHERE service_name = $1 AND model = $2 AND bucket_ms >= $4 AND bucket_ms < $5 GROUP BY t
           UNION ALL
           ${raw('$5', '$6')}
         )
         SELECT t, ${finish} AS value, sum(n) AS n FROM parts GROUP BY t ORDER BY t`,
        [q.service, q.model, q.from, a, b, q.to],
      );
    }
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
    return keysetPage(
      rows,
      q.limit,
      (r) => JSON.parse(r.body as string) as AnomalyEvent,
      (last) => encodeCursor({ tsMs: Number(last.ts_ms), alertId: last.alert_id as string }),
    );
  }

  async getAnomaly(alertId: string): Promise<AnomalyEvent | null> {
    const rows = await this.read('SELECT body FROM anomalies WHERE alert_id = $1', [alertId.toLowerCase()]);
    return rows[0] ? (JSON.parse(rows[0].body as string) as AnomalyEvent) : null;
  }

  async listSeries(q: SeriesListQuery): Promise<SeriesPage> {
    const where = new Where().add('service_name = $?', q.service).add('model = $?', q.model).add('metric = $?', q.metric);
    if (q.cursor !== undefined) where.add('series_key > $?', decodeSeriesCursor(q.cursor));
    const rows = await this.read(`SELECT series_key, body FROM series_baselines ${where.sql()} ORDER BY series_key LIMIT ${(q.limit | 0) + 1}`, where.values);
    return keysetPage(
      rows,
      q.limit,
      (r) => JSON.parse(r.body as string) as SeriesBaseline,
      (last) => encodeSeriesCursor(last.series_key as string),
    );
  }

  async getSeries(seriesKey: string): Promise<SeriesBaseline | null> {
    const rows = await this.read('SELECT body FROM series_baselines WHERE series_key = $1', [seriesKey]);
    return rows[0] ? (JSON.parse(rows[0].body as string) as SeriesBaseline) : null;
  }

  /**
   * Retention, then rollup compaction, in one transaction that writes wait behind. Retention deletes
   * telemetry, anomalies and rollup rows older than `retentionDays` before now (or before the newest stored
   * row, if that is older: stored history is never emptied by the clock alone); the cutoff is rounded down
   * to a whole hour, a boundary of both rollups, so a rollup bucket is kept or dropped together with all
   * of its raw rows and every path of a query keeps agreeing. Compaction merges each bucket's partial
   * rollup rows into one.
   */
  maintain(): Promise<MaintenanceResult> {
    return this.exclusive(async () => {
      const result: MaintenanceResult = { cutoffMs: null, telemetry: 0, anomalies: 0, rollupRows: { before: 0, after: 0 } };
      if (this.closed) return result;
      const days = this.options.retentionDays ?? 0;
      return this.transaction(async () => {
        const newest = (await this.writer.runAndReadAll('SELECT greatest((SELECT max(ts_ms) FROM telemetry), (SELECT max(ts_ms) FROM anomalies)) AS t')).getRowObjectsJS()[0]?.t;
        if (days > 0 && newest != null) {
          // Measured back from the newest stored row when that is older than now: a replay of past traffic
          // keeps its last N days; a row stamped in the future cannot move the cutoff past the clock.
          const from = Math.min((this.options.now ?? Date.now)(), Number(newest));
          const cutoffMs = Math.floor((from - days * DAY_MS) / HOUR_MS) * HOUR_MS;
          result.cutoffMs = cutoffMs;
          result.telemetry = (await this.writer.run('DELETE FROM telemetry WHERE ts_ms < $1', [cutoffMs])).rowsChanged;
          result.anomalies = (await this.writer.run('DELETE FROM anomalies WHERE ts_ms < $1', [cutoffMs])).rowsChanged;
          for (const r of ROLLUPS) await this.writer.run(`DELETE FROM ${r.table} WHERE bucket_ms < $1`, [cutoffMs]);
        }
        for (const r of ROLLUPS) {
          result.rollupRows.before += await this.count(r.table);
          for (const sql of compactRollupSql(r)) await this.writer.run(sql);
          result.rollupRows.after += await this.count(r.table);
        }
        return result;
      });
    });
  }

  private async count(table: string): Promise<number> {
    const rows = (await this.writer.runAndReadAll(`SELECT count(*) AS n FROM ${table}`)).getRowObjectsJS();
    return Number(rows[0]!.n);
  }

  async check(): Promise<void> {
    this.assertOpen();
    await this.reader.run('SELECT 1');
  }

  /** Writes what is buffered, then closes. Appends after close are refused, not lost silently. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.maintenanceTimer) clearInterval(this.maintenanceTimer);
    await Promise.allSettled([this.telemetryWrites.flush(), this.anomalyWrites.flush(), this.baselineWrites.flush()]);
    await this.writeChain.catch(() => undefined);
    this.reader.closeSync();
    this.writer.closeSync();
    this.instance.closeSync();
  }

  /**
   * One telemetry batch, in one transaction: pick the staged rows not stored yet (an anti-join on event id
   * and timestamp, over the row groups of the batch's time range only) into telemetry_fresh, insert them,
   * and append their aggregates to both rollups as partial rows. A redelivered event is found by the
   * anti-join, so it is neither stored nor counted twice. The writer is the only connection that writes,
   * and batches run one at a time, so no other insert can race between the anti-join and the insert.
   */
  private async moveTelemetry(rows: TelemetryEvent[]): Promise<void> {
    const staged = unique(rows, (e) => e.event_id.toLowerCase());
    if (staged.length === 0) return;
    let minTs = Infinity;
    let maxTs = -Infinity;
    for (const e of staged) {
      const t = Date.parse(e.timestamp);
      if (t < minTs) minTs = t;
      if (t > maxTs) maxTs = t;
    }
    await this.stage(staged, 'telemetry_staging', appendTelemetryRow);
    await this.transaction(async () => {
      await this.writer.run('DELETE FROM telemetry_fresh');
      const fresh = (await this.writer.run(stageFreshTelemetrySql(minTs, maxTs))).rowsChanged;
      if (fresh === 0) return;
      await this.writer.run(INSERT_FRESH_TELEMETRY_SQL);
      for (const r of ROLLUPS) await this.writer.run(appendRollupSql(r));
    });
  }

  private async move<T>(rows: T[], staging: string, append: (a: DuckDBAppender, row: T) => void, insertSql: string): Promise<void> {
    await this.stage(rows, staging, append);
    await this.writer.run(insertSql);
  }

  private async stage<T>(rows: readonly T[], staging: string, append: (a: DuckDBAppender, row: T) => void): Promise<void> {
    await this.writer.run(`DELETE FROM ${staging}`);
    const appender = await this.writer.createAppender(staging, 'main', 'temp');
    try {
      for (const row of rows) append(appender, row);
    } finally {
      appender.closeSync();
    }
  }

  private async transaction<T>(work: () => Promise<T>): Promise<T> {
    await this.writer.run('BEGIN TRANSACTION');
    try {
      const result = await work();
      await this.writer.run('COMMIT');
      return result;
    } catch (e) {
      await this.writer.run('ROLLBACK').catch(() => undefined);
      throw e;
    }
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

/**
 * Brings a file to SCHEMA_VERSION. Version 1 (no `sentinel_meta`) kept event_id as VARCHAR PRIMARY KEY and
 * had no rollups or baselines; version 2 had event_id UUID PRIMARY KEY. DuckDB cannot drop a primary key
 * in place, so an older telemetry table is renamed, copied (in time order) into a new one without the key,
 * and dropped; then the rollups are rebuilt from raw rows.
 */
async function migrate(c: DuckDBConnection): Promise<void> {
  await c.run(SCHEMA_SQL[0]!);
  const version = (await c.runAndReadAll(`SELECT value FROM sentinel_meta WHERE key = 'schema_version'`)).getRowObjectsJS()[0]?.value;
  if (version === String(SCHEMA_VERSION)) {
    for (const sql of SCHEMA_SQL) await c.run(sql);
    return;
  }
  await c.run('BEGIN TRANSACTION');
  try {
    const idType = (await c.runAndReadAll(`SELECT data_type FROM information_schema.columns WHERE table_schema = 'main' AND table_name = 'telemetry' AND column_name = 'event_id'`)).getRowObjectsJS()[0]?.data_type;
    if (idType !== undefined) await c.run('ALTER TABLE telemetry RENAME TO telemetry_old');
    for (const sql of SCHEMA_SQL) await c.run(sql);
    if (idType !== undefined) {
      await c.run(copyTelemetrySql('telemetry_old'));
      await c.run('DROP TABLE telemetry_old');
    }
    for (const r of ROLLUPS) for (const sql of rebuildRollupSql(r)) await c.run(sql);
    await c.run(`INSERT OR REPLACE INTO sentinel_meta VALUES ('schema_version', '${SCHEMA_VERSION}')`);
    await c.run('COMMIT');
  } catch (e) {
    await c.run('ROLLBACK').catch(() => undefined);
    throw e;
  }
}

/** First occurrence of each id: one batch can carry a record twice (a redelivery racing its original). */
function unique<T>(rows: readonly T[], id: (row: T) => string): T[] {
  const seen = new Set<string>();
  return rows.filter((row) => {
    const key = id(row);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** The latest baseline of each series in a batch; on equal times the later one, as sequential upserts would. */
function latestBaselines(rows: readonly SeriesBaseline[]): SeriesBaseline[] {
  const latest = new Map<string, { b: SeriesBaseline; ts: number }>();
  for (const b of rows) {
    const ts = Date.parse(b.last_timestamp);
    const held = latest.get(b.series_key);
    if (!held || ts >= held.ts) latest.set(b.series_key, { b, ts });
  }
  return [...latest.values()].map((v) => v.b);
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
