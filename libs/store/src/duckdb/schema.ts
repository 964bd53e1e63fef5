import type { AnomalyEvent, TelemetryEvent } from '@sentinel/contracts';
import { severityRank } from '@sentinel/contracts';
import type { DuckDBAppender } from '@duckdb/node-api';
import type { Aggregate, TelemetryMetric, TelemetryPoint } from '../store.js';

/**
 * Telemetry keeps the numbers of each call, not its prompt or response text: the text is what carries
 * personal data, and no query needs it. Time is epoch milliseconds so buckets are integer arithmetic.
 */
const TELEMETRY_COLUMNS = `
  event_id VARCHAR PRIMARY KEY,
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

const unconstrained = (columns: string) => columns.replace(' PRIMARY KEY', '');

export const SCHEMA_SQL = [
  `CREATE TABLE IF NOT EXISTS telemetry (${TELEMETRY_COLUMNS})`,
  `CREATE TABLE IF NOT EXISTS anomalies (${ANOMALY_COLUMNS})`,
];

/** Per-connection staging tables: the appender fills them, one INSERT OR IGNORE moves the batch. */
export const STAGING_SQL = [
  `CREATE TEMP TABLE IF NOT EXISTS telemetry_staging (${unconstrained(TELEMETRY_COLUMNS)})`,
  `CREATE TEMP TABLE IF NOT EXISTS anomalies_staging (${unconstrained(ANOMALY_COLUMNS)})`,
];

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

/** `,z_score,mad,`: delimited on both sides so a LIKE '%,mad,%' filter cannot match a prefix. */
function firedMethods(x: AnomalyEvent): string {
  const fired = x.detectors.filter((d) => d.anomalous).map((d) => d.method);
  if (!fired.includes(x.detection_method)) fired.push(x.detection_method);
  return `,${fired.join(',')},`;
}

export const TELEMETRY_SELECT = `SELECT event_id, ts_ms, service_name, model, latency_ms, time_to_first_token_ms, prompt_tokens,
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
