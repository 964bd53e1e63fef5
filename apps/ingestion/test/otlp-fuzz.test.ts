import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiKey } from '@sentinel/config';
import type { TelemetryEvent } from '@sentinel/contracts';
import { createHttpServer } from '@sentinel/http';
import { otlpRoutes } from '../src/index.js';
import { otlpSchema } from '../src/otlp/codec.js';

const KEY: ApiKey = { id: 'ingest', key: 'sk_test_ingest_0123456789abcdef', scopes: ['ingest'] };
const RUNS = 10_000;
const app = createHttpServer({ logger: pino({ level: 'silent' }), keys: [KEY], bodyLimitBytes: 1024 * 1024 });
const received: TelemetryEvent[] = [];

beforeAll(async () => {
  await app.register(otlpRoutes, { accept: async (events) => void received.push(...events), maxBodyBytes: 256 * 1024 });
});
afterAll(() => app.close());

const T0 = 1_748_779_200_000_000_000n;
/** A valid request with one GenAI span whose span id says it must land. */
function validRequest(i: number): Record<string, unknown> {
  const attr = (key: string, value: Record<string, unknown>) => ({ key, value });
  return {
    resourceSpans: [
      {
        resource: { attributes: [attr('service.name', { stringValue: 'fuzz' })] },
        scopeSpans: [
          {
            spans: [
              {
                traceId: Buffer.alloc(16, 7),
                spanId: Buffer.from(i.toString(16).padStart(16, '0'), 'hex'),
                name: 'chat gpt-4o',
                startTimeUnixNano: T0.toString(),
                endTimeUnixNano: (T0 + 500_000_000n).toString(),
                attributes: [attr('gen_ai.operation.name', { stringValue: 'chat' }), attr('gen_ai.request.model', { stringValue: 'gpt-4o' }), attr('gen_ai.usage.input_tokens', { intValue: 10 })],
              },
            ],
          },
        ],
      },
    ],
  };
}
const encode = (req: Record<string, unknown>) => Buffer.from(otlpSchema.request.encode(otlpSchema.request.fromObject(req)).finish());

/** Random bytes, a valid request with bytes flipped or cut off, or hostile JSON. */
const hostile = fc.oneof(
  fc.uint8Array({ maxLength: 512 }).map((b) => ({ type: 'application/x-protobuf', body: Buffer.from(b) })),
  fc.tuple(fc.nat(), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 })).map(([i, flips]) => {
    const body = encode(validRequest(i % 1000));
    for (const [at, byte] of flips) body[at % body.length] = byte;
    return { type: 'application/x-protobuf', body };
  }),
  fc.nat().map((n) => {
    const body = encode(validRequest(n % 1000));
    return { type: 'application/x-protobuf', body: body.subarray(0, n % body.length) };
  }),
  fc.json({ maxDepth: 6 }).map((s) => ({ type: 'application/json', body: Buffer.from(s) })),
  fc.anything().map((v) => ({ type: 'application/json', body: Buffer.from(JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [v] }] }] }) ?? 'null') })),
  fc.uint8Array({ maxLength: 256 }).map((b) => ({ type: 'application/x-protobuf', body: Buffer.from(b), gzip: true })),
);

describe('OTLP receiver under fuzzing', () => {
  it(`answers ${RUNS} hostile exports with 200 or 4xx, never 5xx, and keeps the valid spans sent between them`, async () => {
    const statuses = new Map<number, number>();
    let n = 0;
    await fc.assert(
      fc.asyncProperty(hostile, async (h) => {
        const bad = await app.inject({
          method: 'POST',
          url: '/v1/traces',
          headers: { authorization: `Bearer ${KEY.key}`, 'content-type': h.type, ...('gzip' in h ? { 'content-encoding': 'gzip' } : {}) },
          payload: h.body,
        });
        statuses.set(bad.statusCode, (statuses.get(bad.statusCode) ?? 0) + 1);
        expect(bad.statusCode === 200 || (bad.statusCode >= 400 && bad.statusCode < 500), `${bad.statusCode}: ${bad.body.slice(0, 200)}`).toBe(true);
        // A valid export right after a hostile one still lands: nothing is left in a broken state.
        if (n++ % 10 === 0) {
          const ok = await app.inject({ method: 'POST', url: '/v1/traces', headers: { authorization: `Bearer ${KEY.key}`, 'content-type': 'application/x-protobuf', 'content-encoding': 'gzip' }, payload: gzipSync(encode(validRequest(5000 + n))) });
          expect(ok.statusCode).toBe(200);
        }
      }),
      { numRuns: RUNS, seed: 9 },
    );
    expect(received.filter((e) => e.service_name === 'fuzz' && e.model === 'gpt-4o').length).toBeGreaterThanOrEqual(RUNS / 10);
    expect(statuses.get(400)).toBeGreaterThan(0);
  }, 300_000);
});
