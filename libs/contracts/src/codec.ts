import type { AnomalyEvent } from './anomaly.js';
import { validateAnomalyEvent } from './anomaly.js';
import { validateSeriesBaseline, type SeriesBaseline } from './baseline.js';
import type { TelemetryEvent } from './telemetry.js';
import { validateTelemetryEvent } from './telemetry.js';
import type { FieldIssue, Validated } from './validation.js';

/** Records on the topics are UTF-8 JSON: readable with any Kafka tool, and the anchor's format as-is. */
export function encodeJson(value: TelemetryEvent | AnomalyEvent | SeriesBaseline): Buffer {
  return Buffer.from(JSON.stringify(value));
}

const NOT_JSON = 'not valid JSON';

/** The issue of a record that is not JSON at all. */
export function notJsonIssue(error: Error): FieldIssue {
  return { field: '(root)', reason: `${NOT_JSON}: ${error.message}` };
}

/** Whether decoding failed because the bytes are not JSON, rather than JSON that fails validation. */
export function isNotJson(issues: readonly FieldIssue[]): boolean {
  return issues.length === 1 && issues[0]!.field === '(root)' && issues[0]!.reason.startsWith(NOT_JSON);
}

function parse(bytes: Buffer): Validated<unknown> {
  try {
    return { ok: true, value: JSON.parse(bytes.toString('utf8')) };
  } catch (e) {
    return { ok: false, issues: [notJsonIssue(e as Error)] };
  }
}

export function decodeTelemetry(bytes: Buffer): Validated<TelemetryEvent> {
  const json = parse(bytes);
  return json.ok ? validateTelemetryEvent(json.value) : json;
}

export function decodeAnomaly(bytes: Buffer): Validated<AnomalyEvent> {
  const json = parse(bytes);
  return json.ok ? validateAnomalyEvent(json.value) : json;
}

export function decodeSeriesBaseline(bytes: Buffer): Validated<SeriesBaseline> {
  const json = parse(bytes);
  return json.ok ? validateSeriesBaseline(json.value) : json;
}
