import { DETECTION_METHODS, SEVERITIES, severityRank, type Severity } from '@sentinel/contracts';
import { decodeCursor } from '../cursor.js';
import { decodeSeriesCursor } from '../series-cursor.js';
import { StoreQueryError } from '../errors.js';
import { AGGREGATES, TELEMETRY_METRICS, type Aggregate, type AnomalyQuery, type SeriesListQuery, type SeriesQuery, type TelemetryMetric, type TelemetryQuery } from '../store.js';
import { ANOMALY_TABLE, BASELINE_TABLE, TELEMETRY_TABLE, toStoredTag, toStoredText } from './schema.js';

/**
 * Pure SQL builders for InfluxDB 3. Caller text only ever travels as a `$name` parameter, which InfluxDB
 * binds as a value, never as SQL. Parameters are allowed only in WHERE predicates, so the rest (interval,
 * limit, percentile) is inlined from validated integers and enum values.
 *
 * Two quirks of @influxdata/influxdb3-client 2.x shape this: it drops parameters whose value is falsy
 * (0, '', false), and it treats every `$word` anywhere in the text as a placeholder that must have a
 * value. So every parameter is a non-empty string, numbers are inlined, and literals never contain `$`.
 */
export interface SqlQuery {
  sql: string;
  params: Record<string, string>;
}

/** A single-quoted SQL string literal, for enum values only; user text goes through parameters. */
export function sqlString(value: string): string {
  if (value.includes('$')) throw new Error('a SQL literal must not contain "$": the client would read it as a placeholder');
  return `'${value.replace(/'/g, "''")}'`;
}

/** A WHERE clause whose values are bound parameters. */
export class Where {
  readonly params: Record<string, string> = {};
  private readonly conditions: string[] = [];

  /** `column = $name`. An empty value matches nothing: tags and ids are never empty, and '' cannot be bound. */
  eq(column: string, name: string, value: string | undefined): this {
    if (value === undefined) return this;
    return value === '' ? this.raw('FALSE') : this.raw(`${column} = ${this.bind(name, value)}`);
  }

  /** A condition built from identifiers, validated numbers and enum literals only. */
  raw(condition: string): this {
    this.conditions.push(condition);
    return this;
  }

  /** Binds `value` to `$name` and returns the placeholder. */
  bind(name: string, value: string): string {
    if (!/^\w+$/.test(name) || name in this.params) throw new Error(`bad or repeated parameter name ${name}`);
    if (value === '') throw new Error(`parameter ${name} is empty; the client would drop it`);
    this.params[name] = value;
    return `$${name}`;
  }

  /** [from, to) on the time column; the timestamp travels as an RFC 3339 string, as InfluxDB expects. */
  timeRange(from: number | undefined, to: number | undefined): this {
    if (from !== undefined) this.raw(`time >= ${this.bind('from_time', isoTime('from', from))}`);
    if (to !== undefined) this.raw(`time < ${this.bind('to_time', isoTime('to', to))}`);
    return this;
  }

  /** ` WHERE …` with its leading space, or nothing. */
  sql(): string {
    return this.conditions.length ? ` WHERE ${this.conditions.join(' AND ')}` : '';
  }
}

/** `SELECT *`: nullable fields that were never written have no column, and * leaves them out instead of failing. */
export function telemetrySql(q: TelemetryQuery): SqlQuery {
  const where = new Where().timeRange(q.from, q.to).eq('service', 'service', stored(q.service)).eq('model', 'model', stored(q.model));
  return { sql: `SELECT * FROM ${TELEMETRY_TABLE}${where.sql()} ORDER BY ts_ms DESC, event_id LIMIT ${limit(q.limit)}`, params: where.params };
}

/** Column expressions are fixed strings chosen by enum, never caller text; numbers are aggregated as doubles. */
const METRIC_SQL: Record<TelemetryMetric, { column: string; value: string }> = {
  latency_ms: { column: 'latency_ms', value: 'latency_ms' },
  time_to_first_token_ms: { column: 'time_to_first_token_ms', value: 'time_to_first_token_ms' },
  prompt_tokens: { column: 'prompt_tokens', value: 'CAST(prompt_tokens AS DOUBLE)' },
  completion_tokens: { column: 'completion_tokens', value: 'CAST(completion_tokens AS DOUBLE)' },
  total_tokens: { column: 'total_tokens', value: 'CAST(total_tokens AS DOUBLE)' },
  cost_usd: { column: 'cost_usd', value: 'cost_usd' },
  // InfluxDB documents boolean -> integer casts (1/0), not boolean -> double.
  error: { column: 'error', value: 'CAST(CAST(error AS BIGINT) AS DOUBLE)' },
};

/**
 * Percentiles use approx_percentile_cont (a t-digest): memory per bucket stays bounded however many points
 * fall in it, where the exact `median` holds them all. It differs slightly from DuckDB's exact quantile_cont.
 */
export function aggregateSql(agg: Aggregate, x: string): string {
  switch (agg) {
    case 'p50':
      return `approx_percentile_cont(${x}, 0.5)`;
    case 'p95':
      return `approx_percentile_cont(${x}, 0.95)`;
    case 'p99':
      return `approx_percentile_cont(${x}, 0.99)`;
    case 'count':
      return `CAST(count(${x}) AS DOUBLE)`;
    default:
      return `${agg}(${x})`;
  }
}

/** Most buckets one series query may ask for: gaps are filled in memory, one object per bucket. */
export const MAX_BUCKETS = 100_000;

/**
 * Buckets with date_bin, whose default origin is the Unix epoch, so they line up with DuckDB's
 * floor(ts / step) * step. The bucket start comes back as integer nanoseconds (CAST(timestamp AS BIGINT)).
 */
export function seriesSql(q: SeriesQuery): SqlQuery {
  if (!(TELEMETRY_METRICS as readonly string[]).includes(q.metric)) throw new StoreQueryError('metric', `metric must be one of ${TELEMETRY_METRICS.join(', ')}`);
  if (!(AGGREGATES as readonly string[]).includes(q.agg)) throw new StoreQueryError('agg', `agg must be one of ${AGGREGATES.join(', ')}`);
  const step = bucketStep(q);
  const m = METRIC_SQL[q.metric];
  const where = new Where()
    .timeRange(q.from, q.to)
    .eq('service', 'service', stored(q.service))
    .eq('model', 'model', stored(q.model))
    .raw(`${m.column} IS NOT NULL`);
  const bucket = `CAST(date_bin(INTERVAL '${step} milliseconds', time) AS BIGINT)`;
  return {
    sql: `SELECT ${bucket} AS bucket_ns, ${aggregateSql(q.agg, m.value)} AS value, count(${m.value}) AS n FROM ${TELEMETRY_TABLE}${where.sql()} GROUP BY 1 ORDER BY 1`,
    params: where.params,
  };
}

export function bucketStep(q: SeriesQuery): number {
  const step = q.stepMs;
  if (!Number.isSafeInteger(step) || step < 1) throw new StoreQueryError('step', 'step must be a whole number of milliseconds >= 1');
  if ((q.to - q.from) / step > MAX_BUCKETS) throw new StoreQueryError('step', `step is too small for the range: at most ${MAX_BUCKETS} buckets`);
  return step;
}

/**
 * Newest first by (ts_ms, alert_id), one row more than the page so the caller knows whether more follow.
 * ts_ms is an integer field holding the event's millisecond, so paging compares exactly what the cursor holds.
 */
export function anomaliesSql(q: AnomalyQuery): SqlQuery {
  const where = new Where()
    .timeRange(q.from, q.to)
    .eq('service', 'service', stored(q.service))
    .eq('model', 'model', stored(q.model))
    .eq('metric', 'metric', stored(q.metric))
    .eq('anomaly_type', 'anomaly_type', q.type);
  if (q.method !== undefined) {
    // Known methods only, so the LIKE pattern holds no caller text (the `_` of z_score matches itself here).
    where.raw((DETECTION_METHODS as readonly string[]).includes(q.method) ? `fired_methods LIKE ${where.bind('method', `%,${q.method},%`)}` : 'FALSE');
  }
  if (q.minSeverity !== undefined) {
    const atLeast = severitiesFrom(q.minSeverity);
    if (atLeast.length < SEVERITIES.length) where.raw(`severity IN (${atLeast.map(sqlString).join(', ')})`);
  }
  if (q.cursor !== undefined) {
    const c = decodeCursor(q.cursor);
    // The time bound repeats the cursor on the indexed column so InfluxDB can skip older files early.
    where.raw(`time < ${where.bind('cursor_time', isoTime('cursor', c.tsMs + 1))}`);
    where.raw(`(ts_ms < ${c.tsMs} OR (ts_ms = ${c.tsMs} AND alert_id < ${where.bind('cursor_id', c.alertId)}))`);
  }
  return {
    sql: `SELECT ts_ms, alert_id, body FROM ${ANOMALY_TABLE}${where.sql()} ORDER BY ts_ms DESC, alert_id DESC LIMIT ${limit(q.limit) + 1}`,
    params: where.params,
  };
}

/** No time bound is known for an id, so this scans the table; anomalies are few enough for that. */
export function anomalyByIdSql(alertId: string): SqlQuery {
  const where = new Where().eq('alert_id', 'alert_id', alertId.toLowerCase());
  return { sql: `SELECT body FROM ${ANOMALY_TABLE}${where.sql()} LIMIT 1`, params: where.params };
}

/**
 * The newest baseline of each series, in series_key order, one more than the page. Baselines are
 * append-only, so this reads every stored row of the matching series (see docs/storage-influxdb.md).
 */
export function seriesListSql(q: SeriesListQuery): SqlQuery {
  const where = new Where().eq('service', 'service', stored(q.service)).eq('model', 'model', stored(q.model)).eq('metric', 'metric', stored(q.metric));
  if (q.cursor !== undefined) where.raw(`series_key > ${where.bind('cursor_key', toStoredText(decodeSeriesCursor(q.cursor)))}`);
  return {
    sql: `SELECT series_key, last_value(body ORDER BY time) AS body FROM ${BASELINE_TABLE}${where.sql()} GROUP BY series_key ORDER BY series_key LIMIT ${limit(q.limit) + 1}`,
    params: where.params,
  };
}

export function seriesByKeySql(seriesKey: string): SqlQuery {
  const where = new Where().eq('series_key', 'series_key', toStoredText(seriesKey));
  return { sql: `SELECT body FROM ${BASELINE_TABLE}${where.sql()} ORDER BY time DESC LIMIT 1`, params: where.params };
}

function severitiesFrom(min: Severity): Severity[] {
  const rank = severityRank(min);
  if (rank < 0) throw new StoreQueryError('minSeverity', `minSeverity must be one of ${SEVERITIES.join(', ')}`);
  return SEVERITIES.filter((s) => severityRank(s) >= rank);
}

function limit(n: number): number {
  if (!Number.isSafeInteger(n) || n < 0) throw new StoreQueryError('limit', 'limit must be a whole number >= 0');
  return n;
}

function isoTime(field: string, ms: number): string {
  const d = new Date(ms);
  if (!Number.isFinite(ms) || Number.isNaN(d.getTime())) throw new StoreQueryError(field, `${field} must be a time in epoch milliseconds`);
  return d.toISOString();
}

/** A tag value as it is stored, for equality filters on tags. */
const stored = (s: string | undefined): string | undefined => (s === undefined ? undefined : toStoredTag(s));
