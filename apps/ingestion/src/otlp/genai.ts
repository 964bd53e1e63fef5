import { createHash } from 'node:crypto';
import { MAX_NAME_LENGTH, MAX_TEXT_LENGTH, validateTelemetryEvent, type TelemetryEvent } from '@sentinel/contracts';
import { STATUS_CODE_ERROR, type AttributeValue, type Attributes, type OtlpSpan } from './codec.js';

/**
 * OpenTelemetry GenAI semantic conventions (v1.41, shared/reference/standards.md section 2) to TelemetryEvent.
 * Both generations of names are read, since instrumentations on semconv <= 1.36 still send the old ones.
 */

export type SpanOutcome = { kind: 'event'; event: TelemetryEvent } | { kind: 'ignored' } | { kind: 'rejected'; reason: string };

/** Operations of inference and embeddings spans: one span, one call to a model. */
const MODEL_CALLS = new Set(['chat', 'text_completion', 'generate_content', 'embeddings']);
/** GenAI spans that are not one model call: agents and workflows wrap calls (counting them would count twice), tools and retrieval make none. */
const NOT_MODEL_CALLS = new Set(['retrieval', 'execute_tool', 'create_agent', 'invoke_agent', 'invoke_workflow']);

/** The opt-in event that carries message content when it is not on the span itself. */
const DETAILS_EVENT = 'gen_ai.client.inference.operation.details';
/** The OTel resource default for a service that did not name itself. */
const UNKNOWN_SERVICE = 'unknown_service';
/** What the anchor's OTLP mapping used when no finish reason was reported. */
const UNKNOWN_FINISH_REASON = 'unknown';
const TRUNCATED = '...[truncated]';
const MAX_METADATA_VALUE = 4096;
const MAX_REQUEST_PARAMS = 16;
/** The UUIDv5 (RFC 9562) namespace of span event ids. Any constant works; changing it changes every id. */
const SPAN_ID_NAMESPACE = Buffer.from('5e7a1b0c3d9f4e21a8c6b2d4f0e1c3a5', 'hex');

const present = (v: AttributeValue | undefined): v is Exclude<AttributeValue, null> => v !== undefined && v !== null && v !== '';
const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The span's TelemetryEvent, or why there is none: not a model call (ignored) or an invalid one (rejected). */
export function spanToTelemetry(span: OtlpSpan, resource: Attributes): SpanOutcome {
  const a = span.attributes;
  // Where each event field came from, so a rejection names the attribute the sender has to fix.
  const sources: Record<string, string> = {
    timestamp: 'endTimeUnixNano',
    latency_ms: 'endTimeUnixNano - startTimeUnixNano',
    service_name: 'resource attribute service.name',
  };
  const take = (field: string, ...keys: string[]): AttributeValue | undefined => {
    const key = keys.find((k) => present(a.get(k)));
    sources[field] = key ?? keys.join(' or ');
    return key === undefined ? undefined : a.get(key);
  };

  const operation = a.get('gen_ai.operation.name');
  const provider = present(a.get('gen_ai.provider.name')) ? a.get('gen_ai.provider.name') : a.get('gen_ai.system');
  const model = take('model', 'gen_ai.response.model', 'gen_ai.request.model');
  const op = typeof operation === 'string' ? operation : '';
  if (NOT_MODEL_CALLS.has(op)) return { kind: 'ignored' };
  const isModelCall = MODEL_CALLS.has(op) || ((present(operation) || present(provider)) && model !== undefined);
  if (!isModelCall) return { kind: 'ignored' };

  const details = span.events.find((e) => e.name === DETAILS_EVENT)?.attributes;
  const content = (key: string) => a.get(key) ?? details?.get(key);
  const errorType = a.get('error.type');
  const failed = span.status.code === STATUS_CODE_ERROR || present(errorType);
  const ttft = numeric(take('time_to_first_token_ms', 'gen_ai.response.time_to_first_chunk'));

  const result = validateTelemetryEvent({
    event_id: spanEventId(span.traceId, span.spanId),
    timestamp: rfc3339(span.endTimeUnixNano),
    service_name: present(resource.get('service.name')) ? resource.get('service.name') : UNKNOWN_SERVICE,
    trace_id: span.traceId,
    span_id: span.spanId,
    model: model ?? '',
    prompt: {
      text: messagesText(content('gen_ai.input.messages')),
      tokens: numeric(take('prompt.tokens', 'gen_ai.usage.input_tokens', 'gen_ai.usage.prompt_tokens')) ?? 0,
    },
    response: {
      text: messagesText(content('gen_ai.output.messages')),
      tokens: numeric(take('response.tokens', 'gen_ai.usage.output_tokens', 'gen_ai.usage.completion_tokens')) ?? 0,
      finish_reason: firstOf(take('response.finish_reason', 'gen_ai.response.finish_reasons')) ?? UNKNOWN_FINISH_REASON,
    },
    latency_ms: Number(span.endTimeUnixNano - span.startTimeUnixNano) / 1e6,
    // The convention gives seconds; Sentinel keeps milliseconds.
    time_to_first_token_ms: typeof ttft === 'number' ? ttft * 1000 : (ttft ?? null),
    // No convention for cost yet; OpenLIT's gen_ai.usage.cost (USD) is the one instrumentations send.
    cost_usd: numeric(take('cost_usd', 'gen_ai.usage.cost')) ?? 0,
    metadata: metadataOf(a, resource, operation, provider),
    errors: failed ? [clip(span.status.message || (present(errorType) ? String(errorType) : 'error'), MAX_METADATA_VALUE)] : [],
  });
  if (result.ok) return { kind: 'event', event: result.value };
  const why = result.issues.map((i) => `${sources[i.field] ?? i.field} ${i.reason}`).join('; ');
  return { kind: 'rejected', reason: `span ${span.spanId} "${span.name}": ${why}` };
}

/** UUIDv5 of the trace and span ids: a span exported again (a retry after a lost answer) gets the same event id. */
export function spanEventId(traceId: string, spanId: string): string {
  const h = createHash('sha1').update(SPAN_ID_NAMESPACE).update(`${traceId}-${spanId}`).digest();
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

function rfc3339(unixNano: bigint): string {
  const date = new Date(Number(unixNano / 1_000_000n));
  // Out of Date's range: left as is, so validation rejects the span and names the field.
  return Number.isNaN(date.getTime()) ? `${unixNano}` : date.toISOString();
}

/** Counts sent as numeric strings are still counts; anything else goes to validation as it came. */
function numeric(v: AttributeValue | undefined): AttributeValue | undefined {
  return typeof v === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(v) ? Number(v) : v;
}

/** `gen_ai.response.finish_reasons` is one reason per choice; the first choice is the call's outcome. */
function firstOf(v: AttributeValue | undefined): AttributeValue | undefined {
  return Array.isArray(v) ? v[0] : v;
}

function clip(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max - TRUNCATED.length)}${TRUNCATED}`;
}

/**
 * The text parts of `gen_ai.input.messages` / `gen_ai.output.messages`: a JSON string or a structured value,
 * `[{role, parts: [{type: 'text', content}]}]`. Older `{role, content}` messages are read too. Capture is
 * opt-in, so most spans have none: ''.
 */
function messagesText(v: AttributeValue | undefined): string {
  if (!present(v)) return '';
  let messages: unknown = v;
  if (typeof v === 'string') {
    try {
      messages = JSON.parse(v);
    } catch {
      return clip(v, MAX_TEXT_LENGTH);
    }
  }
  if (!Array.isArray(messages)) return '';
  const texts = messages.flatMap((m) => {
    if (!isRecord(m)) return [];
    if (typeof m.content === 'string') return [m.content];
    return Array.isArray(m.parts) ? m.parts.flatMap((p) => (isRecord(p) && p.type === 'text' && typeof p.content === 'string' ? [p.content] : [])) : [];
  });
  return clip(texts.join('\n'), MAX_TEXT_LENGTH);
}

/** Context for an anomaly's explanation, bounded: the keys the detection side reads plus a few request parameters. */
function metadataOf(a: Attributes, resource: Attributes, operation: AttributeValue | undefined, provider: AttributeValue | undefined): Record<string, string> {
  const m: Record<string, string> = {};
  const put = (key: string, v: AttributeValue | undefined) => {
    if (present(v)) m[key] = clip(typeof v === 'string' ? v : JSON.stringify(v), MAX_METADATA_VALUE);
  };
  put('operation', operation);
  put('provider', provider);
  put('server.address', a.get('server.address'));
  put('server.port', a.get('server.port'));
  put('error.type', a.get('error.type'));
  put('user_id', a.get('user.id'));
  put('region', resource.get('cloud.region'));
  put('version', resource.get('service.version'));
  let params = 0;
  for (const [key, v] of a) {
    if (params === MAX_REQUEST_PARAMS) break;
    if (key.startsWith('gen_ai.request.') && key.length <= MAX_NAME_LENGTH && present(v)) {
      put(key, v);
      params++;
    }
  }
  return m;
}
