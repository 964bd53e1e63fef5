import { z } from 'zod';
import { readTelemetryFast } from './telemetry-fast-path.js';
import { validateWith, type FieldIssue, type Validated } from './validation.js';

/** The anchor caps text at 100,000 characters; Sentinel enforces what the anchor only declared. */
export const MAX_TEXT_LENGTH = 100_000;
export const MAX_NAME_LENGTH = 256;
export const MAX_METADATA_ENTRIES = 64;
export const MAX_ERRORS = 64;
/** Each metadata value and each error message. */
export const MAX_ENTRY_LENGTH = 4096;
export const MAX_FINISH_REASON_LENGTH = 64;
export const MAX_TRACE_ID_LENGTH = 128;
export const MAX_SPAN_ID_LENGTH = 64;
export const U32_MAX = 4_294_967_295;

const finiteNonNegative = () =>
  z
    .number({ error: (i) => (i.input === undefined ? 'is required' : `must be a number, got ${describe(i.input)}`) })
    .refine(Number.isFinite, { message: 'must be finite' })
    .refine((v) => v >= 0, { message: 'must be >= 0' })
    .meta({ minimum: 0 });

const tokenCount = z
  .number({ error: (i) => (i.input === undefined ? 'is required' : `must be a number, got ${describe(i.input)}`) })
  .int({ message: 'must be a whole number of tokens' })
  .min(0, { message: 'must be >= 0' })
  .max(U32_MAX, { message: `must be <= ${U32_MAX}` });

const requiredString = (max: number) =>
  z
    .string({ error: (i) => (i.input === undefined ? 'is required' : `must be a string, got ${describe(i.input)}`) })
    .max(max, { message: `must be at most ${max} characters` });

// `.meta` states each refinement in JSON Schema terms too, for /openapi.json.
const name = requiredString(MAX_NAME_LENGTH)
  .refine((s) => s.trim().length > 0, { message: 'must not be empty' })
  .meta({ pattern: '\\S' });

const embedding = z.array(z.number().refine(Number.isFinite, { message: 'must be finite' })).nullish();

export const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/;
export const UUID = /^(urn:uuid:)?\{?[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}\}?$/;

const rfc3339 = z
  .string({ error: (i) => (i.input === undefined ? 'is required' : `must be an RFC 3339 string, got ${describe(i.input)}`) })
  .refine((s) => RFC3339.test(s) && !Number.isNaN(Date.parse(s)), { message: 'must be an RFC 3339 timestamp such as 2025-01-31T12:00:00Z' })
  .meta({ pattern: RFC3339.source })
  .transform((s) => new Date(s).toISOString());

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v === 'number' && Number.isNaN(v)) return 'NaN';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

/** Accepts the forms the anchor's `uuid` crate parses and emits the hyphenated lower-case form. */
const uuid = z
  .string({ error: (i) => (i.input === undefined ? 'is required' : `must be a UUID string, got ${describe(i.input)}`) })
  .refine((s) => UUID.test(s), { message: 'must be a UUID' })
  .meta({ pattern: UUID.source })
  .transform(canonicalUuid);

/** The hyphenated lower-case form of any UUID spelling that UUID accepts. */
export function canonicalUuid(s: string): string {
  const hex = s.replace(/^urn:uuid:/i, '').replace(/[{}-]/g, '').toLowerCase();
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

const objectError = { error: (i: { input: unknown }) => (i.input === undefined ? 'is required' : `must be an object, got ${describe(i.input)}`) };

export const PromptInfoSchema = z.object(
  {
    text: requiredString(MAX_TEXT_LENGTH),
    tokens: tokenCount,
    embedding,
  },
  objectError,
);

export const ResponseInfoSchema = z.object(
  {
    text: requiredString(MAX_TEXT_LENGTH),
    tokens: tokenCount,
    finish_reason: requiredString(MAX_FINISH_REASON_LENGTH),
    embedding,
  },
  objectError,
);

/**
 * The anchor's wire format (llm-sentinel `TelemetryEvent`) plus the optional `time_to_first_token_ms`.
 * Unknown fields are ignored, as the anchor's serde does.
 */
export const TelemetryEventSchema = z.object({
  event_id: uuid,
  timestamp: rfc3339,
  service_name: name,
  trace_id: z.string().max(MAX_TRACE_ID_LENGTH).nullish(),
  span_id: z.string().max(MAX_SPAN_ID_LENGTH).nullish(),
  model: name,
  prompt: PromptInfoSchema,
  response: ResponseInfoSchema,
  latency_ms: finiteNonNegative(),
  time_to_first_token_ms: finiteNonNegative().nullish(),
  cost_usd: finiteNonNegative(),
  metadata: z
    .record(z.string().max(MAX_NAME_LENGTH), z.string({ error: 'metadata values must be strings' }).max(MAX_ENTRY_LENGTH), {
      error: (i) => (i.input === undefined ? 'is required (send {} for none)' : `must be an object of strings, got ${describe(i.input)}`),
    })
    .refine((m) => Object.keys(m).length <= MAX_METADATA_ENTRIES, { message: `must have at most ${MAX_METADATA_ENTRIES} entries` }),
  errors: z
    .array(z.string({ error: 'errors must be strings' }).max(MAX_ENTRY_LENGTH), {
      error: (i) => (i.input === undefined ? 'is required (send [] for none)' : `must be an array of strings, got ${describe(i.input)}`),
    })
    .max(MAX_ERRORS, { message: `must have at most ${MAX_ERRORS} entries` }),
});

export type TelemetryEvent = z.output<typeof TelemetryEventSchema>;
/** What a producer may send (before normalisation of ids and timestamps). */
export type TelemetryEventInput = z.input<typeof TelemetryEventSchema>;

export function validateTelemetryEvent(input: unknown, prefix = ''): Validated<TelemetryEvent> {
  const event = readTelemetryFast(input);
  return event ? { ok: true, value: event } : validateWith(TelemetryEventSchema, input, prefix);
}

export interface BatchValidation {
  accepted: TelemetryEvent[];
  rejected: Array<{ index: number; issues: FieldIssue[] }>;
}

/** Validates each element on its own, so one bad event does not sink the good ones around it. */
export function validateTelemetryBatch(items: readonly unknown[]): BatchValidation {
  const accepted: TelemetryEvent[] = [];
  const rejected: BatchValidation['rejected'] = [];
  items.forEach((item, index) => {
    const r = validateTelemetryEvent(item, `[${index}]`);
    if (r.ok) accepted.push(r.value);
    else rejected.push({ index, issues: r.issues });
  });
  return { accepted, rejected };
}

/** The shard key: every record of one (service, model) lands in one partition and one BaselineShard. */
export function shardKey(event: Pick<TelemetryEvent, 'service_name' | 'model'>): string {
  return `${event.service_name}\u001f${event.model}`;
}
