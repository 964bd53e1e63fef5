import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';
import { z } from 'zod';
import { toFieldIssues } from '@sentinel/contracts';

/**
 * OTLP/HTTP trace bodies in both encodings, decoded to one shape. Protobuf goes through protobufjs and the
 * vendored opentelemetry-proto schema; JSON follows the OTLP/JSON rules (hex ids, lowerCamelCase keys,
 * 64-bit integers as strings or numbers, enums as integers, unknown fields ignored). Both then pass the same
 * schema, so a span means the same thing whichever way it arrived.
 */

export type OtlpFormat = 'protobuf' | 'json';

/** An attribute value (OTLP AnyValue) as plain JavaScript; 64-bit integers become numbers, bytes base64. */
export type AttributeValue = string | number | boolean | null | AttributeValue[] | { [key: string]: AttributeValue };
export type Attributes = ReadonlyMap<string, AttributeValue>;

export interface OtlpSpan {
  /** 32 lower-case hex digits. */
  traceId: string;
  /** 16 lower-case hex digits. */
  spanId: string;
  name: string;
  startTimeUnixNano: bigint;
  endTimeUnixNano: bigint;
  attributes: Attributes;
  events: Array<{ name: string; attributes: Attributes }>;
  status: { code: number; message: string };
}

/** A span as received, not yet checked, with the attributes of the resource that sent it. */
export interface ReceivedSpan {
  resource: Attributes;
  span: unknown;
}

export const STATUS_CODE_ERROR = 2;

const PROTO_DIR = fileURLToPath(new URL('./proto', import.meta.url));

/** The vendored schema, parsed once at start-up. Imports resolve against PROTO_DIR, as protoc's -I would. */
function loadSchema() {
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => join(PROTO_DIR, target);
  root.loadSync('opentelemetry/proto/collector/trace/v1/trace_service.proto');
  root.resolveAll();
  return {
    request: root.lookupType('opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest'),
    response: root.lookupType('opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse'),
  };
}

export const otlpSchema = loadSchema();

/** Nesting beyond this in an attribute value is dropped: no GenAI attribute goes that deep. */
const MAX_VALUE_DEPTH = 8;

const record = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

function anyValue(v: unknown, depth = 0): AttributeValue {
  if (!record(v) || depth > MAX_VALUE_DEPTH) return null;
  if (typeof v.stringValue === 'string') return v.stringValue;
  if (typeof v.boolValue === 'boolean') return v.boolValue;
  if (typeof v.intValue === 'string' || typeof v.intValue === 'number') return Number(v.intValue);
  // OTLP/JSON may spell non-finite doubles as "NaN" or "Infinity".
  if (typeof v.doubleValue === 'string' || typeof v.doubleValue === 'number') return Number(v.doubleValue);
  if (record(v.arrayValue)) return list(v.arrayValue.values).map((x) => anyValue(x, depth + 1));
  if (record(v.kvlistValue)) return Object.fromEntries(keyValues(v.kvlistValue.values, depth + 1));
  if (v.bytesValue instanceof Uint8Array) return Buffer.from(v.bytesValue).toString('base64');
  if (typeof v.bytesValue === 'string') return v.bytesValue;
  return null;
}

function keyValues(v: unknown, depth: number): Array<[string, AttributeValue]> {
  return list(v).flatMap((kv) => (record(kv) && typeof kv.key === 'string' ? [[kv.key, anyValue(kv.value, depth)] as [string, AttributeValue]] : []));
}

const attributes = z.array(z.unknown()).optional().transform((kvs) => new Map(keyValues(kvs, 0)) as Attributes);

/** Protobuf hands ids over as bytes, OTLP/JSON as hex (any case). All-zero ids are invalid, as the spec says. */
const id = (bytes: number) =>
  z
    .union([z.string(), z.instanceof(Uint8Array)], { error: (i) => (i.input === undefined ? 'is required' : 'must be a hex string') })
    .transform((v) => (typeof v === 'string' ? v.toLowerCase() : Buffer.from(v).toString('hex')))
    .refine((hex) => hex.length === bytes * 2 && /^[0-9a-f]+$/.test(hex) && !/^0+$/.test(hex), {
      message: `must be ${bytes} bytes (${bytes * 2} hex digits), not all zero`,
    });

const unixNano = z
  .union([z.string().regex(/^\d{1,20}$/), z.number().nonnegative().refine(Number.isInteger)], {
    error: (i) => (i.input === undefined ? 'is required' : 'must be an unsigned integer of nanoseconds'),
  })
  .transform((v) => BigInt(v))
  .refine((v) => v > 0n, { message: 'is required' });

const SpanSchema = z.object({
  traceId: id(16),
  spanId: id(8),
  name: z.string().default(''),
  startTimeUnixNano: unixNano,
  endTimeUnixNano: unixNano,
  attributes,
  events: z.array(z.object({ name: z.string().default(''), attributes })).default([]),
  status: z.object({ code: z.number().int().default(0), message: z.string().default('') }).default({ code: 0, message: '' }),
});

const RequestSchema = z.object({
  resourceSpans: z
    .array(
      z.object({
        resource: z.object({ attributes }).optional(),
        scopeSpans: z.array(z.object({ spans: z.array(z.unknown()).default([]) })).default([]),
      }),
    )
    .default([]),
});

export class OtlpDecodeError extends Error {}

/** The spans of an ExportTraceServiceRequest, each still to be checked on its own. Throws OtlpDecodeError. */
export function decodeTraceRequest(format: OtlpFormat, bytes: Buffer): ReceivedSpan[] {
  let plain: unknown;
  try {
    plain =
      format === 'protobuf'
        ? otlpSchema.request.toObject(otlpSchema.request.decode(bytes), { longs: String, enums: Number })
        : JSON.parse(bytes.toString('utf8'));
  } catch (e) {
    throw new OtlpDecodeError(`the body is not ${format === 'protobuf' ? 'a protobuf' : 'an OTLP/JSON'} ExportTraceServiceRequest: ${(e as Error).message}`);
  }
  const parsed = RequestSchema.safeParse(plain);
  if (!parsed.success) {
    const where = toFieldIssues(parsed.error).map((i) => `${i.field} ${i.reason}`);
    throw new OtlpDecodeError(`the body is not an ExportTraceServiceRequest: ${where.slice(0, 5).join('; ')}`);
  }
  return parsed.data.resourceSpans.flatMap((rs) => {
    const resource = rs.resource?.attributes ?? new Map();
    return rs.scopeSpans.flatMap((ss) => ss.spans.map((span) => ({ resource, span })));
  });
}

/** Checks one span's structure; a bad span is rejected alone, not the request around it. */
export function readSpan(span: unknown): { ok: true; span: OtlpSpan } | { ok: false; reason: string } {
  const parsed = SpanSchema.safeParse(span);
  if (parsed.success) return { ok: true, span: parsed.data };
  const name = record(span) && typeof span.name === 'string' ? ` "${span.name}"` : '';
  return { ok: false, reason: `span${name}: ${toFieldIssues(parsed.error).map((i) => `${i.field} ${i.reason}`).join('; ')}` };
}

export interface PartialSuccess {
  rejectedSpans: number;
  errorMessage: string;
}

/** An ExportTraceServiceResponse in the request's encoding; `partialSuccess` stays unset on full success. */
export function encodeTraceResponse(format: OtlpFormat, partial?: PartialSuccess): { contentType: string; body: Buffer | object } {
  if (format === 'json') {
    // OTLP/JSON writes int64 as a decimal string.
    const body = partial ? { partialSuccess: { rejectedSpans: String(partial.rejectedSpans), errorMessage: partial.errorMessage } } : {};
    return { contentType: 'application/json', body };
  }
  const message = otlpSchema.response.fromObject(partial ? { partialSuccess: partial } : {});
  return { contentType: 'application/x-protobuf', body: Buffer.from(otlpSchema.response.encode(message).finish()) };
}
