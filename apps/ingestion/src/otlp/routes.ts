import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import type { FastifyError, FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { TelemetryEvent } from '@sentinel/contracts';
import { HttpProblem, type RouteDoc } from '@sentinel/http';
import { pipelineMetrics, type Span } from '@sentinel/observability';
import { OtlpDecodeError, decodeTraceRequest, encodeTraceResponse, readSpan, type OtlpFormat, type ReceivedSpan } from './codec.js';
import { spanToTelemetry } from './genai.js';
import { recordIngest, traceIngestRequest } from '../tracing.js';

export interface OtlpRoutesOptions {
  /**
   * Takes the GenAI events of one request. An HttpProblem it throws is the answer (429 from a rate limit);
   * any other error is the server's: 503 with Retry-After, and the exporter sends the same spans again.
   */
  accept: (events: TelemetryEvent[], caller: string) => Promise<void>;
  /** Cap on the body, compressed and decompressed alike. */
  maxBodyBytes?: number;
}

/** The OTLP specification's recommended cap. */
export const OTLP_DEFAULT_MAX_BODY_BYTES = 64 * 1024 * 1024;
/** How many rejection reasons one partial_success message lists, and how long each may be; the count covers the rest. */
const MAX_REASONS = 10;
const MAX_REASON_LENGTH = 512;
const SUPPORTED = 'send application/x-protobuf or application/json';

const binary = { type: 'string', contentMediaType: 'application/octet-stream' };
const tracesDoc: RouteDoc = {
  summary: 'OTLP/HTTP trace export',
  description:
    'An ExportTraceServiceRequest in protobuf or OTLP/JSON, optionally `Content-Encoding: gzip`. Spans that are GenAI model calls become telemetry events; other spans are ignored; invalid GenAI spans are reported in `partialSuccess`. The answer uses the request\'s encoding.',
  tags: ['ingestion'],
  body: {
    content: {
      'application/x-protobuf': binary,
      'application/json': { type: 'object', properties: { resourceSpans: { type: 'array', items: { type: 'object' } } } },
    },
  },
  responses: {
    200: {
      description: 'ExportTraceServiceResponse',
      content: {
        'application/x-protobuf': binary,
        'application/json': {
          type: 'object',
          properties: { partialSuccess: { type: 'object', properties: { rejectedSpans: { type: 'string' }, errorMessage: { type: 'string' } }, required: ['rejectedSpans', 'errorMessage'] } },
          additionalProperties: false,
        },
      },
    },
  },
  problems: [429, 503],
};

/** What the content-type parsers hand the route: the decompressed body and its encoding. */
class OtlpBody {
  constructor(
    readonly format: OtlpFormat,
    readonly bytes: Buffer,
  ) {}
}

const gunzipAsync = promisify(gunzip);

async function decompress(request: FastifyRequest, body: Buffer, maxBytes: number): Promise<Buffer> {
  const encoding = (request.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
  if (encoding === 'identity') return body;
  if (encoding !== 'gzip' && encoding !== 'x-gzip') throw new HttpProblem(415, `unsupported Content-Encoding "${encoding}"; send gzip or no encoding`);
  try {
    // Run on the thread pool, and stop at the cap: a small gzip bomb must not become a large buffer.
    return await gunzipAsync(body, { maxOutputLength: maxBytes });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw new HttpProblem(413, `the body exceeds ${maxBytes} bytes once decompressed`);
    throw new HttpProblem(400, `the gzip body cannot be decompressed: ${(e as Error).message}`);
  }
}

function decode(body: OtlpBody): ReceivedSpan[] {
  try {
    return decodeTraceRequest(body.format, body.bytes);
  } catch (e) {
    if (e instanceof OtlpDecodeError) throw new HttpProblem(400, e.message);
    throw e;
  }
}

function count(result: 'accepted' | 'rejected' | 'ignored', n: number): void {
  if (n) pipelineMetrics.recordsIn.inc({ stage: 'ingestion', source: 'otlp', result }, n);
}

/**
 * OTLP/HTTP trace receiver: POST /v1/traces in protobuf or JSON, optionally gzip. Spans that are GenAI model
 * calls become TelemetryEvents; other spans are counted and ignored; invalid GenAI spans are rejected through
 * partial_success, which exporters log and do not retry. The answer uses the request's encoding.
 */
export const otlpRoutes: FastifyPluginAsync<OtlpRoutesOptions> = async (app: FastifyInstance, options) => {
  const maxBodyBytes = options.maxBodyBytes ?? OTLP_DEFAULT_MAX_BODY_BYTES;

  // Only inside this plugin: JSON is read as bytes too, so that gzip works for both encodings.
  app.removeContentTypeParser('application/json');
  for (const [type, format] of [['application/x-protobuf', 'protobuf'], ['application/json', 'json']] as const) {
    app.addContentTypeParser(type, { parseAs: 'buffer', bodyLimit: maxBodyBytes }, async (request: FastifyRequest, body: Buffer) => new OtlpBody(format, await decompress(request, body, maxBodyBytes)));
  }

  // The shared core's messages for these name its own limit and JSON; OTLP callers need theirs.
  app.setErrorHandler((error: FastifyError) => {
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') throw new HttpProblem(413, `the body exceeds the limit of ${maxBodyBytes} bytes; export smaller batches`);
    if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') throw new HttpProblem(415, `unsupported content type; ${SUPPORTED}`);
    throw error;
  });

  app.post('/v1/traces', { config: { scope: 'ingest', openapi: tracesDoc }, bodyLimit: maxBodyBytes }, (request, reply) => traceIngestRequest('otlp', '/v1/traces', request.headers, (span) => traces(request, reply, span)));

  async function traces(request: FastifyRequest, reply: FastifyReply, span: Span) {
    const body = request.body;
    if (!(body instanceof OtlpBody)) throw new HttpProblem(415, `no body or content type; ${SUPPORTED}`);
    const received = decode(body);
    const events: TelemetryEvent[] = [];
    const reasons: string[] = [];
    let ignored = 0;
    for (const { resource, span } of received) {
      const read = readSpan(span);
      const outcome = read.ok ? spanToTelemetry(read.span, resource) : ({ kind: 'rejected', reason: read.reason } as const);
      if (outcome.kind === 'event') events.push(outcome.event);
      else if (outcome.kind === 'rejected') reasons.push(outcome.reason);
      else ignored++;
    }
    count('ignored', ignored);
    count('rejected', reasons.length);
    recordIngest(span, events, reasons.length);

    if (events.length > 0) {
      try {
        await options.accept(events, request.principal ?? 'anonymous');
      } catch (e) {
        if (e instanceof HttpProblem) throw e;
        request.log.error({ err: e, events: events.length }, 'accepting OTLP telemetry failed');
        throw new HttpProblem(503, 'the event bus is unavailable; nothing was accepted, export the same spans again', { headers: { 'retry-after': '2' } });
      }
      count('accepted', events.length);
    }

    const more = reasons.length > MAX_REASONS ? ` (and ${reasons.length - MAX_REASONS} more)` : '';
    const partial = reasons.length ? { rejectedSpans: reasons.length, errorMessage: `${reasons.slice(0, MAX_REASONS).map((r) => r.slice(0, MAX_REASON_LENGTH)).join(' | ')}${more}` } : undefined;
    const response = encodeTraceResponse(body.format, partial);
    return reply.type(response.contentType).send(response.body);
  }
};
