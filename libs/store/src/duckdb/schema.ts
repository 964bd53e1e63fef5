import type { AnomalyEvent, SeriesBaseline, TelemetryEvent } from '@sentinel/contracts';
import { severityRank } from '@sentinel/contracts';
import type { DuckDBAppender } from '@duckdb/node-api';
import { TELEMETRY_METRICS, type Aggregate, type TelemetryMetric, type TelemetryPoint } from '../store.js';

/** Bumped when a table changes shape; `migrate` in duckdb-store.ts brings an older file up to it. */
export const SCHEMA_VERSION = 3;

/**
 * Telemetry keeps the numbers of each call, not its prompt or response text: the text is what carries
 * personal data, and no query needs it. Time is epoch milliseconds so buckets are integer arithmetic.
 * `event_id` is a UUID (the contract normalises it to the lower-case hyphenated form), 16 bytes instead of
 * a 36-character string.
 *
 * There is no primary key (since schema 3): an ART index on random UUIDs cost 5–9 µs per inserted row and
 * was rewritten at every checkpoint, capping writes at 8–17k rows/s at 10 M rows. Idempotency comes from
 * `INSERT_FRESH_TELEMETRY_SQL` instead, which anti-joins a batch against the stored rows of its own time
 * range: a redelivered event carries its original timestamp, and zone maps on `ts_ms` limit the probe to
 * the few row groups overlapping the batch.
 */
const telemetryColumns = (id: 'UUID' | 'VARCHAR') => `
  event_id ${id},
  ts_ms BIGINT NOT NULL,
  service_name VARCHAR NOT NULL,
  model VARCHAR NOT NULL,
  latency_ms DOUBLE NOT NULL,
  time_to_first_token_ms DOUBLE,
  prompt_tokens UINTEGER NOT NULL,
  completion_tokens UINTEGER NOT NULL,
  total_tokens UBIGINT NOT NULL,
  cost_usd DOUBLE NOT NULL,
  error BOOLEAN NOT NULL,
  finish_reason VARCHAR NOT NULL,
  trace_id VARCHAR`;

/** Filterable fields are columns; the whole event is kept as JSON so the API returns it unchanged. */
const ANOMALY_COLUMNS = `
  alert_id VARCHAR PRIMARY KEY,
  ts_ms BIGINT NOT NULL,
  severity VARCHAR NOT NULL,
  severity_rank UTINYINT NOT NULL,
  anomaly_type VARCHAR NOT NULL,
  detection_method VARCHAR NOT NULL,
  fired_methods VARCHAR NOT NULL,
  service_name VARCHAR NOT NULL,
  model VARCHAR NOT NULL,
  metric VARCHAR NOT NULL,
  value DOUBLE NOT NULL,
  score DOUBLE NOT NULL,
  body VARCHAR NOT NULL`;

const BASELINE_COLUMNS = `
  series_key VARCHAR PRIMARY KEY,
  service_name VARCHAR NOT NULL,
  model VARCHAR NOT NULL,
  metric VARCHAR NOT NULL,
  last_ts_ms BIGINT NOT NULL,
  body VARCHAR NOT NULL`;

const unconstrained = (columns: string) => columns.replace(' PRIMARY KEY', '');

/**
 * A rollup: what avg, min, max, sum and count need, per metric, per (service, model, bucket). Rows are
 * partial aggregates: each batch appends the aggregates of the rows it inserted, so a bucket can have
 * several rows until maintenance compacts them into one; a query combines them exactly as it combines
 * buckets (sum of counts and sums, min of minima, max of maxima). Appending keeps a write to one plain
 * insert per rollup, without an index to probe or rows to update.
 */
export interface Rollup {
  table: 'telemetry_1m' | 'telemetry_1h';
  widthMs: number;
}
export const ROLLUPS: readonly Rollup[] = [
  { table: 'telemetry_1m', widthMs: 60_000 },
  { table: 'telemetry_1h', widthMs: 3_600_000 },
];

/** `latency_ms_n` (non-null values), `_sum` (NULL when there are none), `_min`, `_max`, for each metric. */
const ROLLUP_PARTS = ['n', 'sum', 'min', 'max'] as const;
const rollupColumn = (m: TelemetryMetric, part: (typeof ROLLUP_PARTS)[number]) => `${m}_${part}`;
const ROLLUP_VALUE_COLUMNS = TELEMETRY_METRICS.flatMap((m) => ROLLUP_PARTS.map((p) => `${rollupColumn(m, p)} ${p === 'n' ? 'BIGINT NOT NULL' : 'DOUBLE'}`));
const ROLLUP_KEY = 'service_name, model, bucket_ms';

export const SCHEMA_SQL = [
  `CREATE TABLE IF NOT EXISTS sentinel_meta (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS telemetry (${telemetryColumns('UUID')})`,
  `CREATE TABLE IF NOT EXISTS anomalies (${ANOMALY_COLUMNS})`,
  `CREATE TABLE IF NOT EXISTS series_baselines (${BASELINE_COLUMNS})`,
  ...ROLLUPS.map(
    (r) => `CREATE TABLE IF NOT EXISTS ${r.table} (
      service_name VARCHAR NOT NULL, model VARCHAR NOT NULL, bucket_ms BIGINT NOT NULL,
      ${ROLLUP_VALUE_COLUMNS.join(',\n      ')})`,
  ),
];

/**
 * Per-connection staging tables: the appender fills them, one INSERT moves the batch. `telemetry_fresh`
 * holds the staged telemetry rows that were not stored yet: they are inserted and aggregated into the
 * rollups from there, so a rollup counts exactly the rows inserted.
 */
export const STAGING_SQL = [
  `CREATE TEMP TABLE IF NOT EXISTS telemetry_staging (${telemetryColumns('VARCHAR')})`,
  `CREATE TEMP TABLE IF NOT EXISTS telemetry_fresh (${telemetryColumns('UUID')})`,
  `CREATE TEMP TABLE IF NOT EXISTS anomalies_staging (${unconstrained(ANOMALY_COLUMNS)})`,
  `CREATE TEMP TABLE IF NOT EXISTS series_baselines_staging (${unconstrained(BASELINE_COLUMNS)})`,
];

/** The telemetry columns of `source` in table order, the id cast to UUID (staging holds it as text). */
const telemetryFrom = (source: string) => `SELECT CAST(event_id AS UUID) AS event_id, ts_ms, service_name, model, latency_ms,
  time_to_first_token_ms, prompt_tokens, completion_tokens, total_tokens, cost_usd, error, finish_reason, trace_id
  FROM ${source}`;

/**
 * Staging → telemetry_fresh: the staged rows (already unique by id) whose id is not stored with the same
 * timestamp. `minTs` and `maxTs` are the least and greatest staged `ts_ms`, written as literals (integers
 * computed by the store, not caller text) so the planner turns them into a scan filter and the scan of
 * telemetry skips every row group whose zone map lies outside them. The caller empties telemetry_fresh first.
 */
export function stageFreshTelemetrySql(minTs: number, maxTs: number): string {
  if (!Number.isSafeInteger(minTs) || !Number.isSafeInteger(maxTs)) throw new RangeError('timestamps must be integers');
  return `INSERT INTO telemetry_fresh SELECT s.* FROM (${telemetryFrom('telemetry_staging')}) s
  WHERE NOT EXISTS (SELECT 1 FROM telemetry t WHERE t.ts_ms >= ${minTs} AND t.ts_ms <= ${maxTs} AND t.ts_ms = s.ts_ms AND t.event_id = s.event_id)`;
}

export const INSERT_FRESH_TELEMETRY_SQL = `INSERT INTO telemetry SELECT * FROM telemetry_fresh`;

/**
 * A telemetry table of an older schema (renamed to `source`) copied into the current one, in time order
 * so zone maps on ts_ms stay narrow; ids were unique there (it had a primary key).
 */
export const copyTelemetrySql = (source: string) => `INSERT INTO telemetry ${telemetryFrom(source)} ORDER BY ts_ms`;

/** The aggregates of one rollup row computed from raw rows (`source` has the telemetry columns). */
function rollupSelect(r: Rollup, source: string, where = ''): string {
  const values = TELEMETRY_METRICS.flatMap((m) => {
    const x = METRIC_SQL[m];
    return [`count(${x})`, `sum(${x})`, `min(${x})`, `max(${x})`];
  });
  return `SELECT service_name, model, (ts_ms // ${r.widthMs}) * ${r.widthMs} AS bucket_ms, ${values.join(', ')}
    FROM ${source} ${where} GROUP BY ALL`;
}

/** Partial rows combined into one per bucket: the same combination a query applies. */
function combineSelect(r: Rollup, where = ''): string {
  const values = TELEMETRY_METRICS.flatMap((m) => {
    const [n, sum, min, max] = ROLLUP_PARTS.map((p) => rollupColumn(m, p));
    return [`sum(${n})`, `sum(${sum})`, `min(${min})`, `max(${max})`];
  });
  return `SELECT ${ROLLUP_KEY}, ${values.join(', ')} FROM ${r.table} ${where} GROUP BY ALL`;
}

/** Appends the aggregates of the rows just inserted (telemetry_fresh) to a rollup, as partial rows. */
export function appendRollupSql(r: Rollup): string {
  return `INSERT INTO ${r.table} ${rollupSelect(r, 'telemetry_fresh')}`;
}

/** Rebuilds a whole rollup from raw rows: after a migration, or when a rollup table is new on an old file. */
export function rebuildRollupSql(r: Rollup): string[] {
  return [`DELETE FROM ${r.table}`, `INSERT INTO ${r.table} ${rollupSelect(r, 'telemetry')}`];
}

/** Merges the partial rows of each bucket that has several into one. */
export function compactRollupSql(r: Rollup): string[] {
  const split = `SELECT ${ROLLUP_KEY} FROM ${r.table} GROUP BY ALL HAVING count(*) > 1`;
  return [
    `CREATE OR REPLACE TEMP TABLE rollup_split AS ${split}`,
    `CREATE OR REPLACE TEMP TABLE rollup_merged AS ${combineSelect(r, `WHERE (${ROLLUP_KEY}) IN (SELECT * FROM rollup_split)`)}`,
    `DELETE FROM ${r.table} WHERE (${ROLLUP_KEY}) IN (SELECT * FROM rollup_split)`,
    `INSERT INTO ${r.table} SELECT * FROM rollup_merged`,
    `DROP TABLE rollup_split`,
    `DROP TABLE rollup_merged`,
  ];
}

export function appendTelemetryRow(a: DuckDBAppender, e: TelemetryEvent): void {
  a.appendVarchar(e.event_id);
  a.appendBigInt(BigInt(Date.parse(e.timestamp)));
  a.appendVarchar(e.service_name);
  a.appendVarchar(e.model);
  a.appendDouble(e.latency_ms);
  if (e.time_to_first_token_ms == null) a.appendNull();
  else a.appendDouble(e.time_to_first_token_ms);
  a.appendUInteger(e.prompt.tokens);
  a.appendUInteger(e.response.tokens);
  a.appendUBigInt(BigInt(e.prompt.tokens + e.response.tokens));
  a.appendDouble(e.cost_usd);
  a.appendBoolean(e.errors.length > 0);
  a.appendVarchar(e.response.finish_reason);
  if (e.trace_id == null) a.appendNull();
  else a.appendVarchar(e.trace_id);
  a.endRow();
}

export function appendAnomalyRow(a: DuckDBAppender, x: AnomalyEvent): void {
  a.appendVarchar(x.alert_id);
  a.appendBigInt(BigInt(Date.parse(x.timestamp)));
  a.appendVarchar(x.severity);
  a.appendUTinyInt(severityRank(x.severity));
  a.appendVarchar(x.anomaly_type);
  a.appendVarchar(x.detection_method);
  a.appendVarchar(firedMethods(x));
  a.appendVarchar(x.service_name);
  a.appendVarchar(x.model);
  a.appendVarchar(x.metric);
  a.appendDouble(x.value);
  a.appendDouble(x.score);
  a.appendVarchar(JSON.stringify(x));
  a.endRow();
}

export function appendBaselineRow(a: DuckDBAppender, b: SeriesBaseline): void {
  a.appendVarchar(b.series_key);
  a.appendVarchar(b.service_name);
  a.appendVarchar(b.model);
  a.appendVarchar(b.metric);
  a.appendBigInt(BigInt(Date.parse(b.last_timestamp)));
  a.appendVarchar(JSON.stringify(b));
  a.endRow();
}

/** A newer or equally recent baseline replaces the stored one; an older one is ignored. */
export const UPSERT_BASELINES_SQL = `INSERT INTO series_baselines SELECT * FROM series_baselines_staging
  ON CONFLICT (series_key) DO UPDATE SET service_name = excluded.service_name, model = excluded.model, metric = excluded.metric,
    last_ts_ms = excluded.last_ts_ms, body = excluded.body
  WHERE excluded.last_ts_ms >= series_baselines.last_ts_ms`;

/** `,z_score,mad,`: delimited on both sides so a LIKE '%,mad,%' filter cannot match a prefix. */
function firedMethods(x: AnomalyEvent): string {
  const fired = x.detectors.filter((d) => d.anomalous).map((d) => d.method);
  if (!fired.includes(x.detection_method)) fired.push(x.detection_method);
  return `,${fired.join(',')},`;
}

export const TELEMETRY_SELECT = `SELECT CAST(event_id AS VARCHAR) AS event_id, ts_ms, service_name, model, latency_ms, time_to_first_token_ms, prompt_tokens,
  completion_tokens, total_tokens, cost_usd, error, finish_reason, trace_id FROM telemetry`;

export function toTelemetryPoint(row: Record<string, unknown>): TelemetryPoint {
  return {
    event_id: row.event_id as string,
    timestamp: new Date(Number(row.ts_ms)).toISOString(),
    service_name: row.service_name as string,
    model: row.model as string,
    latency_ms: row.latency_ms as number,
    time_to_first_token_ms: (row.time_to_first_token_ms as number | null) ?? null,
    prompt_tokens: Number(row.prompt_tokens),
    completion_tokens: Number(row.completion_tokens),
    total_tokens: Number(row.total_tokens),
    cost_usd: row.cost_usd as number,
    error: row.error as boolean,
    finish_reason: row.finish_reason as string,
    trace_id: (row.trace_id as string | null) ?? null,
  };
}

/** Column expressions are fixed strings chosen by enum, never caller text. */
export const METRIC_SQL: Record<TelemetryMetric, string> = {
  latency_ms: 'latency_ms',
  time_to_first_token_ms: 'time_to_first_token_ms',
  prompt_tokens: 'CAST(prompt_tokens AS DOUBLE)',
  completion_tokens: 'CAST(completion_tokens AS DOUBLE)',
  total_tokens: 'CAST(total_tokens AS DOUBLE)',
  cost_usd: 'cost_usd',
  error: 'CAST(error AS DOUBLE)',
};

/**
 * Percentiles are `quantile_cont`: linear interpolation between the two nearest order statistics
 * (the "R-7" / NumPy default definition): for n sorted values v[0..n-1], position h = (n − 1)·p, result
 * v[⌊h⌋] + (h − ⌊h⌋)·(v[⌊h⌋+1] − v[⌊h⌋]). They are always computed on raw rows: no rollup can merge them
 * exactly.
 */
export function aggregateSql(agg: Aggregate, x: string): string {
  switch (agg) {
    case 'p50':
      return `quantile_cont(${x}, 0.5)`;
    case 'p95':
      return `quantile_cont(${x}, 0.95)`;
    case 'p99':
      return `quantile_cont(${x}, 0.99)`;
    case 'count':
      return `CAST(count(${x}) AS DOUBLE)`;
    default:
      return `${agg}(${x})`;
  }
}

/** The aggregates a rollup can answer exactly, and how to finish them from (n, sum, min, max) partials. */
export const ROLLUP_AGGREGATES: Partial<Record<Aggregate, string>> = {
  avg: 'CASE WHEN sum(n) > 0 THEN sum(s) / sum(n) END',
  sum: 'sum(s)',
  min: 'min(mn)',
  max: 'max(mx)',
  count: 'CAST(sum(n) AS DOUBLE)',
};

export const rollupColumns = (m: TelemetryMetric) => ROLLUP_PARTS.map((p) => rollupColumn(m, p));
