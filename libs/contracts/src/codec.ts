import type { AnomalyEvent } from './anomaly.js';
import { validateAnomalyEvent } from './anomaly.js';
import { validateSeriesBaseline, type SeriesBaseline } from './baseline.js';
import type { TelemetryEvent } from './telemetry.js';
import { validateTelemetryEvent } from './telemetry.js';
import type { Validated } from './validation.js';

/** Records on the topics are UTF-8 JSON: readable with any Kafka tool, and the anchor's format as-is. */
export function encodeJson(value: TelemetryEvent | AnomalyEvent | SeriesBaseline): Buffer {
  return Buffer.from(JSON.stringify(value));
}

function parse(bytes: Buffer): Validated<unknown> {
  try {
    return { ok: true, value: JSON.parse(bytes.toString('utf8')) };
  } catch (e) {
    return { ok: false, issues: [{ field: '(root)', reason: `not valid JSON: ${(e as Error).message}` }] };
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
