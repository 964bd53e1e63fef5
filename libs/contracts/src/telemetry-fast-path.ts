import {
  MAX_ENTRY_LENGTH,
  MAX_ERRORS,
  MAX_FINISH_REASON_LENGTH,
  MAX_METADATA_ENTRIES,
  MAX_NAME_LENGTH,
  MAX_SPAN_ID_LENGTH,
  MAX_TEXT_LENGTH,
  MAX_TRACE_ID_LENGTH,
  RFC3339,
  U32_MAX,
  UUID,
  canonicalUuid,
  type TelemetryEvent,
} from './telemetry.js';

const CANONICAL_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const name = (v: unknown): v is string => typeof v === 'string' && v.length <= MAX_NAME_LENGTH && v.trim().length > 0;
const text = (v: unknown, max: number): v is string => typeof v === 'string' && v.length <= max;
const amount = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0;
const tokens = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= U32_MAX;
const optionalText = (v: unknown, max: number): boolean => v === undefined || v === null || text(v, max);

const embedding = (v: unknown): number[] | null | undefined | false => {
  if (v === undefined || v === null) return v;
  if (!Array.isArray(v)) return false;
  for (const x of v) if (typeof x !== 'number' || !Number.isFinite(x)) return false;
  return v.slice();
};

const part = (v: unknown, withReason: boolean) => {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return null;
  const o = v as Record<string, unknown>;
  if (!text(o.text, MAX_TEXT_LENGTH) || !tokens(o.tokens)) return null;
  const e = embedding(o.embedding);
  if (e === false) return null;
  if (withReason && !text(o.finish_reason, MAX_FINISH_REASON_LENGTH)) return null;
  return { o, e };
};

const metadata = (v: unknown): Record<string, string> | null => {
  if (typeof v !== 'object' || v === null || Array.isArray(v) || Object.getPrototypeOf(v) !== Object.prototype) return null;
  const out: Record<string, string> = {};
  let n = 0;
  for (const key in v) {
    const value = (v as Record<string, unknown>)[key];
    if (key === '__proto__' || key.length > MAX_NAME_LENGTH || !text(value, MAX_ENTRY_LENGTH)) return null;
    out[key] = value;
    n++;
  }
  return n <= MAX_METADATA_ENTRIES ? out : null;
};

/**
 * The common case of TelemetryEventSchema without zod. Every event crosses the schema at ingestion and
 * again when detection and storage read it back from the bus, and zod's refinements and transforms cost
 * ~10 µs an event, most of the pipeline's CPU. This accepts only what the schema accepts and returns what
 * it returns (property-tested against it); whatever it is not sure of returns null, and the schema, with
 * its field-by-field messages, decides instead.
 */
export function readTelemetryFast(input: unknown): TelemetryEvent | null {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return null;
  const o = input as Record<string, unknown>;
  const { event_id: id, timestamp: ts, service_name: service, model, latency_ms: latency, time_to_first_token_ms: ttft, cost_usd: cost, trace_id: traceId, span_id: spanId, errors } = o;
  if (typeof id !== 'string' || !UUID.test(id)) return null;
  if (typeof ts !== 'string' || !RFC3339.test(ts)) return null;
  if (Number.isNaN(Date.parse(ts))) return null;
  if (!name(service) || !name(model) || !amount(latency) || !amount(cost)) return null;
  if (!(ttft === undefined || ttft === null || amount(ttft))) return null;
  if (!optionalText(traceId, MAX_TRACE_ID_LENGTH) || !optionalText(spanId, MAX_SPAN_ID_LENGTH)) return null;
  const prompt = part(o.prompt, false);
  const response = part(o.response, true);
  if (!prompt || !response) return null;
  const meta = metadata(o.metadata);
  if (!meta || !Array.isArray(errors) || errors.length > MAX_ERRORS) return null;
  for (const e of errors) if (!text(e, MAX_ENTRY_LENGTH)) return null;

  // Keys in the schema's order, present exactly when zod's output has them.
  const event: Record<string, unknown> = {
    event_id: CANONICAL_UUID.test(id) ? id : canonicalUuid(id),
    timestamp: new Date(ts).toISOString(),
    service_name: service,
  };
  if ('trace_id' in o) event.trace_id = traceId;
  if ('span_id' in o) event.span_id = spanId;
  event.model = model;
  event.prompt = withEmbedding({ text: prompt.o.text, tokens: prompt.o.tokens }, prompt.o, prompt.e);
  event.response = withEmbedding({ text: response.o.text, tokens: response.o.tokens, finish_reason: response.o.finish_reason }, response.o, response.e);
  event.latency_ms = latency;
  if ('time_to_first_token_ms' in o) event.time_to_first_token_ms = ttft;
  event.cost_usd = cost;
  event.metadata = meta;
  event.errors = errors.slice();
  return event as unknown as TelemetryEvent;
}

function withEmbedding(out: Record<string, unknown>, from: Record<string, unknown>, embedding: number[] | null | undefined): Record<string, unknown> {
  if ('embedding' in from) out.embedding = embedding;
  return out;
}
