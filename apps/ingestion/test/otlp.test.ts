import { gzipSync } from 'node:zlib';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { OTLPTraceExporter as JsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, NodeTracerProvider, type IdGenerator, type SpanExporter } from '@opentelemetry/sdk-trace-node';
import type { ApiKey } from '@sentinel/config';
import type { TelemetryEvent } from '@sentinel/contracts';
import { HttpProblem, createHttpServer } from '@sentinel/http';
import { pipelineMetrics } from '@sentinel/observability';
import { otlpRoutes } from '../src/index.js';
import { otlpSchema } from '../src/otlp/codec.js';
import { spanEventId } from '../src/otlp/genai.js';

const KEY: ApiKey = { id: 'ingest', key: 'sk_test_ingest_0123456789abcdef', scopes: ['ingest'] };
const AUTH = { authorization: `Bearer ${KEY.key}` };
const MAX_BODY = 64 * 1024;
const T0 = Date.UTC(2025, 5, 1, 12, 0, 0);

let app: FastifyInstance;
let url: string;
let received: TelemetryEvent[];
let accept: (events: TelemetryEvent[], caller: string) => Promise<void>;
/** What the receiver answered to each export, and how the body came. */
let answers: Array<{ status: number; type: string; encoding: string | undefined; body: Buffer }>;

beforeAll(async () => {
  app = createHttpServer({ logger: pino({ level: 'silent' }), keys: [KEY], bodyLimitBytes: 1024 * 1024 });
  app.addHook('onSend', async (request, reply, payload) => {
    if (request.url === '/v1/traces') {
      const body = Buffer.isBuffer(payload) ? payload : Buffer.from(String(payload));
      answers.push({ status: reply.statusCode, type: String(reply.getHeader('content-type')), encoding: request.headers['content-encoding'], body });
    }
    return payload;
  });
  // A sibling route on the same server: the plugin's parsers and error handler must not reach it.
  app.post('/echo', { config: { scope: 'ingest' } }, async (request) => request.body);
  await app.register(otlpRoutes, { accept: (events, caller) => accept(events, caller), maxBodyBytes: MAX_BODY });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/v1/traces`;
});
afterAll(() => app.close());
beforeEach(() => {
  received = [];
  answers = [];
  accept = async (events) => void received.push(...events);
});

async function otlpCounts(): Promise<Record<'accepted' | 'rejected' | 'ignored', number>> {
  const { values } = await pipelineMetrics.recordsIn.get();
  const of = (result: string) => values.find((v) => v.labels.source === 'otlp' && v.labels.result === result)?.value ?? 0;
  return { accepted: of('accepted'), rejected: of('rejected'), ignored: of('ignored') };
}

const decodeAnswer = (body: Buffer) => otlpSchema.response.toObject(otlpSchema.response.decode(body), { longs: Number });

/** Ids the SDK would draw at random, made sequential so two runs export the very same spans. */
function sequentialIds(): IdGenerator {
  let n = 0;
  const next = (digits: number) => (++n).toString(16).padStart(digits, '0');
  return { generateTraceId: () => next(32), generateSpanId: () => next(16) };
}

/** The "small app": an LLM client instrumented by hand per the GenAI conventions, exporting through the real SDK. */
async function runApp(exporter: SpanExporter): Promise<void> {
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'checkout', 'service.version': '1.4.2' }),
    idGenerator: sequentialIds(),
    spanProcessors: [new BatchSpanProcessor(exporter)],
  });
  const tracer = provider.getTracer('llm-client');
  tracer
    .startSpan('chat gpt-4o', {
      kind: SpanKind.CLIENT,
      startTime: T0,
      attributes: {
        'gen_ai.operation.name': 'chat',
        'gen_ai.provider.name': 'openai',
        'gen_ai.request.model': 'gpt-4o',
        'gen_ai.request.temperature': 0.2,
        'gen_ai.request.max_tokens': 256,
        'gen_ai.response.model': 'gpt-4o-2024-08-06',
        'gen_ai.response.finish_reasons': ['stop'],
        'gen_ai.response.time_to_first_chunk': 0.25,
        'gen_ai.usage.input_tokens': 120,
        'gen_ai.usage.output_tokens': 42,
        'server.address': 'api.openai.com',
        'gen_ai.input.messages': JSON.stringify([{ role: 'user', parts: [{ type: 'text', content: 'What is the refund policy?' }] }]),
        'gen_ai.output.messages': JSON.stringify([{ role: 'assistant', parts: [{ type: 'text', content: 'Within 30 days.' }], finish_reason: 'stop' }]),
      },
    })
    .end(T0 + 1234.5);
  // An instrumentation on the older conventions (gen_ai.system, prompt_tokens), and a failed call.
  const failed = tracer.startSpan('chat claude-3-5-sonnet', {
    kind: SpanKind.CLIENT,
    startTime: T0 + 2000,
    attributes: { 'gen_ai.system': 'anthropic', 'gen_ai.request.model': 'claude-3-5-sonnet', 'gen_ai.usage.prompt_tokens': 80, 'error.type': 'overloaded_error' },
  });
  failed.setStatus({ code: SpanStatusCode.ERROR, message: 'Overloaded' });
  failed.end(T0 + 2300);
  tracer.startSpan('GET /orders', { kind: SpanKind.SERVER, startTime: T0, attributes: { 'http.request.method': 'GET', 'http.response.status_code': 200 } }).end(T0 + 3);
  tracer.startSpan('execute_tool lookup_order', { startTime: T0 + 1300, attributes: { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'lookup_order' } }).end(T0 + 1310);
  await provider.forceFlush();
  await provider.shutdown();
}

const exporters = [
  ['protobuf', () => new ProtoExporter({ url, headers: AUTH })],
  ['JSON', () => new JsonExporter({ url, headers: AUTH })],
] as const;

describe('the real OpenTelemetry SDK exporting to POST /v1/traces', () => {
  it.each(exporters)('turns GenAI spans sent over %s into events and ignores the rest', async (format, exporter) => {
    const before = await otlpCounts();
    await runApp(exporter());

    expect(answers).toHaveLength(1);
    const answer = answers[0]!;
    expect(answer.status).toBe(200);
    // Nothing rejected: the answer is an empty ExportTraceServiceResponse, in the request's encoding.
    if (format === 'protobuf') {
      expect(answer.type).toBe('application/x-protobuf');
      expect(decodeAnswer(answer.body)).toEqual({});
    } else {
      expect(answer.type).toMatch(/^application\/json/);
      expect(JSON.parse(answer.body.toString())).toEqual({});
    }
    const after = await otlpCounts();
    expect({ accepted: after.accepted - before.accepted, rejected: after.rejected - before.rejected, ignored: after.ignored - before.ignored }).toEqual({ accepted: 2, rejected: 0, ignored: 2 });

    expect(received.map((e) => e.model).sort()).toEqual(['claude-3-5-sonnet', 'gpt-4o-2024-08-06']);
    const chat = received.find((e) => e.model === 'gpt-4o-2024-08-06')!;
    expect(chat).toMatchObject({
      service_name: 'checkout',
      timestamp: '2025-06-01T12:00:01.234Z',
      prompt: { text: 'What is the refund policy?', tokens: 120 },
      response: { text: 'Within 30 days.', tokens: 42, finish_reason: 'stop' },
      time_to_first_token_ms: 250,
      cost_usd: 0,
      errors: [],
      metadata: {
        operation: 'chat',
        provider: 'openai',
        'server.address': 'api.openai.com',
        version: '1.4.2',
        'gen_ai.request.model': 'gpt-4o',
        'gen_ai.request.temperature': '0.2',
        'gen_ai.request.max_tokens': '256',
      },
    });
    expect(chat.latency_ms).toBeCloseTo(1234.5, 3);
    expect(chat.trace_id).toMatch(/^[0-9a-f]{32}$/);
    expect(chat.span_id).toMatch(/^[0-9a-f]{16}$/);
    expect(chat.event_id).toBe(spanEventId(chat.trace_id!, chat.span_id!));
    expect(chat.event_id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);

    const failed = received.find((e) => e.model === 'claude-3-5-sonnet')!;
    expect(failed).toMatchObject({
      service_name: 'checkout',
      prompt: { text: '', tokens: 80 },
      response: { text: '', tokens: 0, finish_reason: 'unknown' },
      errors: ['Overloaded'],
      metadata: { provider: 'anthropic', 'error.type': 'overloaded_error' },
    });
    expect(failed.latency_ms).toBeCloseTo(300, 3);
  });

  it('gives the same event ids when the same spans are exported again, whatever the encoding', async () => {
    await runApp(exporters[0][1]());
    await runApp(exporters[1][1]());
    const [first, second] = [received.slice(0, 2), received.slice(2)].map((events) => events.map((e) => e.event_id).sort());
    expect(first).toHaveLength(2);
    expect(second).toEqual(first);
  });

  it('accepts a gzip body from the exporter', async () => {
    vi.stubEnv('OTEL_EXPORTER_OTLP_TRACES_COMPRESSION', 'gzip');
    try {
      await runApp(exporters[0][1]());
    } finally {
      vi.unstubAllEnvs();
    }
    expect(answers.map((a) => [a.status, a.encoding])).toEqual([[200, 'gzip']]);
    expect(received).toHaveLength(2);
  });
});

const kv = (key: string, value: Record<string, unknown>) => ({ key, value });

function genaiSpan(spanId: number, attributes: Array<ReturnType<typeof kv>> = []) {
  return {
    traceId: Buffer.alloc(16, 7),
    spanId: Buffer.from(spanId.toString(16).padStart(16, '0'), 'hex'),
    name: 'chat gpt-4o',
    kind: 3,
    startTimeUnixNano: String(BigInt(T0) * 1_000_000n),
    endTimeUnixNano: String(BigInt(T0 + 500) * 1_000_000n),
    attributes: [
      kv('gen_ai.operation.name', { stringValue: 'chat' }),
      kv('gen_ai.provider.name', { stringValue: 'openai' }),
      kv('gen_ai.request.model', { stringValue: 'gpt-4o' }),
      kv('gen_ai.usage.output_tokens', { intValue: 10 }),
      ...attributes,
    ],
  };
}

function protobufBody(spans: unknown[]): Buffer {
  const request = { resourceSpans: [{ resource: { attributes: [kv('service.name', { stringValue: 'checkout' })] }, scopeSpans: [{ spans }] }] };
  return Buffer.from(otlpSchema.request.encode(otlpSchema.request.fromObject(request)).finish());
}

const post = (payload: Buffer | string, headers: Record<string, string>) => app.inject({ method: 'POST', url: '/v1/traces', headers: { ...AUTH, ...headers }, payload });
const PROTOBUF = { 'content-type': 'application/x-protobuf' };
const JSON_TYPE = { 'content-type': 'application/json' };

describe('POST /v1/traces', () => {
  it('rejects a GenAI span with a negative token count through partial_success and keeps the valid one', async () => {
    const before = await otlpCounts();
    const res = await post(protobufBody([genaiSpan(1), genaiSpan(2, [kv('gen_ai.usage.input_tokens', { intValue: -5 })])]), PROTOBUF);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/x-protobuf');
    const { partialSuccess } = decodeAnswer(res.rawPayload);
    expect(partialSuccess.rejectedSpans).toBe(1);
    expect(partialSuccess.errorMessage).toBe('span 0000000000000002 "chat gpt-4o": gen_ai.usage.input_tokens must be >= 0');
    expect(received.map((e) => e.span_id)).toEqual(['0000000000000001']);
    const after = await otlpCounts();
    expect([after.accepted - before.accepted, after.rejected - before.rejected]).toEqual([1, 1]);
  });

  it('reads OTLP/JSON: hex ids in any case, 64-bit integers as strings, structured values, unknown fields ignored', async () => {
    const span = {
      traceId: '5B8EFFF798038103D269B633813FC60C',
      spanId: 'EEE19B7EC3C1B174',
      name: 'chat gpt-4o',
      kind: 3,
      startTimeUnixNano: '1748779200000000000',
      endTimeUnixNano: 1748779200750000000,
      futureField: { anything: true },
      attributes: [
        kv('gen_ai.operation.name', { stringValue: 'chat' }),
        kv('gen_ai.provider.name', { stringValue: 'openai' }),
        kv('gen_ai.request.model', { stringValue: 'gpt-4o' }),
        kv('gen_ai.usage.input_tokens', { intValue: '31' }),
        kv('gen_ai.usage.output_tokens', { intValue: 9 }),
        kv('gen_ai.response.finish_reasons', { arrayValue: { values: [{ stringValue: 'length' }] } }),
        kv('gen_ai.input.messages', {
          arrayValue: { values: [{ kvlistValue: { values: [kv('role', { stringValue: 'user' }), kv('content', { stringValue: 'Hi' })] } }] },
        }),
      ],
      status: { code: 2, message: 'rate limited by upstream' },
    };
    const res = await post(JSON.stringify({ resourceSpans: [{ resource: { attributes: [] }, scopeSpans: [{ spans: [span] }] }] }), JSON_TYPE);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({});
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({
      service_name: 'unknown_service',
      trace_id: '5b8efff798038103d269b633813fc60c',
      span_id: 'eee19b7ec3c1b174',
      model: 'gpt-4o',
      prompt: { text: 'Hi', tokens: 31 },
      response: { tokens: 9, finish_reason: 'length' },
      errors: ['rate limited by upstream'],
    });
    // The end time came as a JSON number past 2^53: a few hundred nanoseconds off, which latency does not notice.
    expect(received[0]!.latency_ms).toBeCloseTo(750, 3);
  });

  it('answers partial_success in JSON for a JSON request', async () => {
    const span = { traceId: 'ab'.repeat(16), spanId: 'cd'.repeat(8), name: 'chat', startTimeUnixNano: '2000', endTimeUnixNano: '1000', attributes: genaiSpan(1).attributes };
    const res = await post(JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [span] }] }] }), JSON_TYPE);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ partialSuccess: { rejectedSpans: '1', errorMessage: 'span cdcdcdcdcdcdcdcd "chat": endTimeUnixNano - startTimeUnixNano must be >= 0' } });
    expect(received).toEqual([]);
  });

  it('succeeds on an empty request', async () => {
    const res = await post(Buffer.alloc(0), PROTOBUF);
    expect(res.statusCode).toBe(200);
    expect(decodeAnswer(res.rawPayload)).toEqual({});
  });

  it('answers 400 for bodies that do not decode, as problem+json', async () => {
    const cases: Array<[Buffer | string, Record<string, string>]> = [
      [Buffer.from([0x0a, 0xff, 0xff, 0x01]), PROTOBUF],
      ['{"resourceSpans": [', JSON_TYPE],
      ['{"resourceSpans": {"not": "a list"}}', JSON_TYPE],
      [Buffer.from('not gzip at all'), { ...PROTOBUF, 'content-encoding': 'gzip' }],
    ];
    for (const [body, headers] of cases) {
      const res = await post(body, headers);
      expect(res.statusCode, String(body)).toBe(400);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    }
  });

  it('answers 415 for other content types and encodings', async () => {
    for (const headers of [{ 'content-type': 'text/plain' }, { ...PROTOBUF, 'content-encoding': 'br' }]) {
      const res = await post('x', headers);
      expect(res.statusCode).toBe(415);
      expect(res.json().detail).toMatch(/application\/x-protobuf|gzip/);
    }
  });

  it('answers 413 over the size limit, before and after decompression', async () => {
    const big = await post(Buffer.alloc(MAX_BODY + 1), PROTOBUF);
    expect(big.statusCode).toBe(413);
    expect(big.json().detail).toContain(String(MAX_BODY));
    const bomb = await post(gzipSync(Buffer.alloc(MAX_BODY * 16)), { ...PROTOBUF, 'content-encoding': 'gzip' });
    expect(bomb.statusCode).toBe(413);
    expect(bomb.json().detail).toMatch(/decompressed/);
  });

  it('needs an API key', async () => {
    const res = await app.inject({ method: 'POST', url: '/v1/traces', headers: PROTOBUF, payload: protobufBody([genaiSpan(1)]) });
    expect(res.statusCode).toBe(401);
    expect(received).toEqual([]);
  });

  it('passes a rate limit through as 429 and answers 503 with Retry-After when the events cannot be taken', async () => {
    accept = async () => {
      throw new HttpProblem(429, 'slow down', { headers: { 'retry-after': '7' } });
    };
    const limited = await post(protobufBody([genaiSpan(1)]), PROTOBUF);
    expect([limited.statusCode, limited.headers['retry-after']]).toEqual([429, '7']);
    accept = async () => {
      throw new Error('broker down');
    };
    const unavailable = await post(protobufBody([genaiSpan(1)]), PROTOBUF);
    expect([unavailable.statusCode, unavailable.headers['retry-after']]).toEqual([503, '2']);
    expect(unavailable.headers['content-type']).toMatch(/^application\/problem\+json/);
  });

  it('leaves the other routes of the server as they were', async () => {
    const echo = await app.inject({ method: 'POST', url: '/echo', headers: { ...AUTH, ...JSON_TYPE }, payload: '{"a":1}' });
    expect(echo.json()).toEqual({ a: 1 });
    const refused = await app.inject({ method: 'POST', url: '/echo', headers: { ...AUTH, ...PROTOBUF }, payload: 'x' });
    expect([refused.statusCode, refused.json().detail]).toEqual([415, 'unsupported content type "application/x-protobuf"; send application/json']);
  });

  it('hands accept the caller, for per-key rate limits', async () => {
    const callers: string[] = [];
    accept = async (_events, caller) => void callers.push(caller);
    await post(protobufBody([genaiSpan(1)]), PROTOBUF);
    expect(callers).toEqual(['ingest']);
  });
});
