import { createHash } from 'node:crypto';
import type { AnomalyEvent, SeriesBaseline, TelemetryEvent } from '@sentinel/contracts';
import type { TelemetryPoint } from '../store.js';
import { encodeLine, int } from './line-protocol.js';

export const TELEMETRY_TABLE = 'llm_telemetry';
export const ANOMALY_TABLE = 'llm_anomalies';
export const BASELINE_TABLE = 'llm_baselines';

/**
 * Row identity in InfluxDB is (table, tag set, timestamp); a second write of the same identity overwrites
 * the first. Event times have millisecond precision, so the point is placed at a nanosecond inside its
 * millisecond chosen by a hash of the id: the same event always lands on the same row (a replay is an
 * overwrite with identical values), two events of one series in one millisecond almost never collide
 * (1 in 10^6 per pair), and ids stay out of the tag set, which keeps series cardinality at
 * services × models. The point never leaves its millisecond, so millisecond time filters stay exact.
 */
export function pointTimeNs(tsMs: number, id: string): bigint {
  const digest = createHash('sha256').update(id.toLowerCase()).digest();
  return BigInt(tsMs) * 1_000_000n + BigInt(digest.readUIntBE(0, 6) % 1_000_000);
}

/**
 * Names come from producers, and line protocol cannot carry control characters or a trailing backslash in
 * a tag, nor a line break in a string field. Rather than refuse such an event (a poison record that would
 * be retried forever), free text is stored reversibly as `%XX`: in tags `%`, control characters and a
 * final `\`; in string fields only `%`, CR and LF, so series keys keep their U+001F separators and sort as
 * in DuckDB. Ordinary names are unchanged; filters apply the same mapping to the value they look for.
 */
const percent = (c: string) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`;

export function toStoredTag(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[%\u0000-\u001f]|\\$/g, percent);
}

export function toStoredText(s: string): string {
  return s.replace(/[%\r\n]/g, percent);
}

/** Undoes either mapping. */
export function fromStored(s: string): string {
  return s.replace(/%([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

export function telemetryLine(e: TelemetryEvent): string {
  const tsMs = Date.parse(e.timestamp);
  return encodeLine({
    measurement: TELEMETRY_TABLE,
    tags: { service: toStoredTag(e.service_name), model: toStoredTag(e.model) },
    fields: {
      event_id: e.event_id,
      ts_ms: int(tsMs),
      latency_ms: e.latency_ms,
      time_to_first_token_ms: e.time_to_first_token_ms,
      prompt_tokens: int(e.prompt.tokens),
      completion_tokens: int(e.response.tokens),
      total_tokens: int(e.prompt.tokens + e.response.tokens),
      cost_usd: e.cost_usd,
      error: e.errors.length > 0,
      finish_reason: toStoredText(e.response.finish_reason),
      trace_id: e.trace_id == null ? null : toStoredText(e.trace_id),
    },
    timeNs: pointTimeNs(tsMs, e.event_id),
  });
}

/** Filterable dimensions are tags; the whole event is kept as JSON so the API returns it unchanged. */
export function anomalyLine(x: AnomalyEvent): string {
  const tsMs = Date.parse(x.timestamp);
  const alertId = x.alert_id.toLowerCase();
  return encodeLine({
    measurement: ANOMALY_TABLE,
    tags: {
      service: toStoredTag(x.service_name),
      model: toStoredTag(x.model),
      metric: toStoredTag(x.metric),
      severity: x.severity,
      anomaly_type: x.anomaly_type,
      detection_method: x.detection_method,
    },
    fields: {
      alert_id: alertId,
      event_id: x.event_id,
      ts_ms: int(tsMs),
      fired_methods: firedMethods(x),
      value: Number.isFinite(x.value) ? x.value : null,
      score: x.score,
      body: JSON.stringify(x),
    },
    timeNs: pointTimeNs(tsMs, alertId),
  });
}

/**
 * Overwriting a point in place is not deterministic in InfluxDB 3 Core (either write may survive), so a
 * baseline is never updated: each one is a new row at its own `last_timestamp`, and reads take the newest
 * row of a series. An older baseline arriving late is just an older row, so it never wins.
 */
export function baselineLine(b: SeriesBaseline): string {
  const tsMs = Date.parse(b.last_timestamp);
  return encodeLine({
    measurement: BASELINE_TABLE,
    tags: { service: toStoredTag(b.service_name), model: toStoredTag(b.model), metric: toStoredTag(b.metric) },
    fields: { series_key: toStoredText(b.series_key), last_ts_ms: int(tsMs), body: JSON.stringify(b) },
    timeNs: pointTimeNs(tsMs, b.series_key),
  });
}

/** `,z_score,mad,`: delimited on both sides so a LIKE '%,mad,%' filter cannot match a prefix. */
function firedMethods(x: AnomalyEvent): string {
  const fired = x.detectors.filter((d) => d.anomalous).map((d) => d.method);
  if (!fired.includes(x.detection_method)) fired.push(x.detection_method);
  return `,${fired.join(',')},`;
}

type Row = Record<string, unknown>;

/** Arrow integers may arrive as bigint, number or string depending on the column and client version. */
export function toNumber(v: unknown): number {
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && v.trim() !== '') return Number(v);
  throw new TypeError(`expected a number from InfluxDB, got ${typeof v}`);
}

/** A nanosecond bucket start as milliseconds; a float64 cannot hold ns exactly, so it is rounded, not floored. */
export function nsToMs(v: unknown): number {
  if (typeof v === 'bigint') return Number(v / 1_000_000n);
  if (typeof v === 'string') return Number(BigInt(v) / 1_000_000n);
  return Math.round(toNumber(v) / 1e6);
}

const nullable = (v: unknown): unknown => (v === undefined ? null : v);

export function toTelemetryPoint(row: Row): TelemetryPoint {
  const ttft = nullable(row.time_to_first_token_ms);
  const traceId = nullable(row.trace_id);
  return {
    event_id: String(row.event_id),
    timestamp: new Date(toNumber(row.ts_ms)).toISOString(),
    service_name: fromStored(String(row.service)),
    model: fromStored(String(row.model)),
    latency_ms: toNumber(row.latency_ms),
    time_to_first_token_ms: ttft === null ? null : toNumber(ttft),
    prompt_tokens: toNumber(row.prompt_tokens),
    completion_tokens: toNumber(row.completion_tokens),
    total_tokens: toNumber(row.total_tokens),
    cost_usd: toNumber(row.cost_usd),
    error: row.error === true,
    finish_reason: fromStored(String(row.finish_reason)),
    trace_id: traceId === null ? null : fromStored(String(traceId)),
  };
}
