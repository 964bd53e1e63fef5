import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleTelemetry } from '@sentinel/contracts';
import type { ApiKey } from '@sentinel/config';
import { KEYS, bearer, startTestSentinel, type TestSentinel } from './harness.js';

let s: TestSentinel;
beforeAll(async () => {
  s = await startTestSentinel({ server: { bodyLimitBytes: 64 * 1024, maxBatchEvents: 100 } });
});
afterAll(() => s.dispose());

const post = (body: string, headers: Record<string, string> = { ...bearer(KEYS.ingest), 'content-type': 'application/json' }) =>
  s.http.inject({ method: 'POST', url: '/v1/telemetry', headers, payload: body });
const get = (url: string, key: ApiKey = KEYS.read) => s.http.inject({ method: 'GET', url, headers: bearer(key) });
const fields = (res: { json: () => { errors?: Array<{ field: string }> } }) => (res.json().errors ?? []).map((e) => e.field);

describe('auth', () => {
  it('serves health without a key and everything else only with one', async () => {
    expect((await s.http.inject({ url: '/health/live' })).statusCode).toBe(200);
    const ready = await s.http.inject({ url: '/health/ready' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json().checks.map((c: { name: string }) => c.name)).toEqual(['store', 'bus', 'alert-state']);
    const routes = [...['/v1/anomalies', '/v1/telemetry', '/metrics', '/v1/anomalies/x', '/v1/subscriptions', '/v1/subscriptions/x', '/v1/deliveries', '/v1/silences', '/v1/audit'].map((url) => ['GET', url] as const), ['POST', '/v1/subscriptions'] as const, ['POST', '/v1/silences'] as const, ['DELETE', '/v1/silences/x'] as const, ['POST', '/v1/deliveries/x/retry'] as const];
    for (const [method, url] of routes) {
      const res = await s.http.inject({ method, url });
      expect(res.statusCode).toBe(401);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.headers['www-authenticate']).toBe('Bearer');
    }
    expect((await post('{}', { authorization: 'Bearer sk_not_a_key_at_all_0000000000', 'content-type': 'application/json' })).statusCode).toBe(401);
  });

  it('checks the scope: ingest keys cannot read, read keys cannot ingest, admin can do both', async () => {
    expect((await get('/v1/anomalies', KEYS.ingest)).statusCode).toBe(403);
    const denied = await post(JSON.stringify(sampleTelemetry()), { ...bearer(KEYS.read), 'content-type': 'application/json' });
    expect(denied.statusCode).toBe(403);
    expect(denied.json().detail).toMatch(/"ingest" scope/);
    expect((await get('/v1/anomalies', KEYS.admin)).statusCode).toBe(200);
    expect((await post(JSON.stringify(sampleTelemetry()), { ...bearer(KEYS.admin), 'content-type': 'application/json' })).statusCode).toBe(202);
  });
});

describe('POST /v1/telemetry', () => {
  it('accepts one event or a batch', async () => {
    expect((await post(JSON.stringify(sampleTelemetry()))).json()).toEqual({ accepted: 1, rejected: 0, errors: [] });
    const batch = await post(JSON.stringify([sampleTelemetry(), sampleTelemetry()]));
    expect(batch.statusCode).toBe(202);
    expect(batch.json().accepted).toBe(2);
  });

  it('names every failing field of a malformed event', async () => {
    const bad = { ...sampleTelemetry(), event_id: 'nope', latency_ms: -3, prompt: { text: 'hi' } } as Record<string, unknown>;
    delete bad.cost_usd;
    const res = await post(JSON.stringify(bad));
    expect(res.statusCode).toBe(400);
    expect(fields(res).sort()).toEqual(['cost_usd', 'event_id', 'latency_ms', 'prompt.tokens']);
    expect(res.json().errors.find((e: { field: string }) => e.field === 'latency_ms').reason).toBe('must be >= 0');
  });

  it('keeps the valid events of a mixed batch and names the bad ones by index', async () => {
    const res = await post(JSON.stringify([sampleTelemetry(), { ...sampleTelemetry(), model: '' }, sampleTelemetry()]));
    expect(res.statusCode).toBe(202);
    expect(res.json()).toMatchObject({ accepted: 2, rejected: 1 });
    expect(fields(res)).toEqual(['[1].model']);
    const none = await post(JSON.stringify([{ ...sampleTelemetry(), timestamp: 'yesterday' }]));
    expect(none.statusCode).toBe(400);
    expect(fields(none)).toEqual(['[0].timestamp']);
  });

  it('answers 400 for bodies that are not events', async () => {
    for (const body of ['{"unterminated', '[]', '42', '"event"']) {
      const res = await post(body);
      expect(res.statusCode, body).toBe(400);
      expect(res.json().detail).toBeTruthy();
    }
  });

  it('answers 413 for an oversized body or too many events, and 415 for a non-JSON type', async () => {
    const big = JSON.stringify({ ...sampleTelemetry(), prompt: { text: 'x'.repeat(70 * 1024), tokens: 1 } });
    const tooBig = await post(big);
    expect(tooBig.statusCode).toBe(413);
    expect(tooBig.json().detail).toMatch(/65536 bytes/);
    const tooMany = await post(JSON.stringify(Array.from({ length: 101 }, () => sampleTelemetry({ prompt: { text: '', tokens: 1 } }))));
    expect(tooMany.statusCode).toBe(413);
    expect(tooMany.json().detail).toMatch(/limit is 100/);
    const text = await post('hello', { ...bearer(KEYS.ingest), 'content-type': 'text/plain' });
    expect(text.statusCode).toBe(415);
  });
});

describe('query routes', () => {
  it('names bad query parameters', async () => {
    const res = await get('/v1/anomalies?min_severity=urgent&limit=0&from=soon');
    expect(res.statusCode).toBe(400);
    expect(fields(res).sort()).toEqual(['from', 'limit', 'min_severity']);
    const cursor = await get('/v1/anomalies?cursor=garbage');
    expect(cursor.statusCode).toBe(400);
    expect(fields(cursor)).toEqual(['cursor']);
    const agg = await get('/v1/telemetry?metric=latency_ms&step=1m');
    expect(agg.statusCode).toBe(400);
    expect(fields(agg).sort()).toEqual(['model', 'service']);
    expect(fields(await get('/v1/telemetry?service=a&model=b&metric=latency_ms&step=1s&from=0&to=86400000'))).toEqual(['step']);
    expect(fields(await get('/v1/telemetry?from=2025-01-02T00:00:00Z&to=2025-01-01T00:00:00Z'))).toEqual(['from']);
  });

  it('answers 404 for an unknown anomaly and for an unknown route', async () => {
    expect((await get('/v1/anomalies/00000000-0000-4000-8000-000000000000')).statusCode).toBe(404);
    expect((await get('/v1/nothing', KEYS.admin)).statusCode).toBe(404);
  });

  it('exposes Prometheus metrics to read keys', async () => {
    const res = await get('/metrics');
    expect(res.statusCode).toBe(200);
    expect(res.body).toMatch(/^sentinel_records_in_total\{stage="ingestion"/m);
    expect(res.body).toMatch(/^sentinel_http_request_duration_seconds_bucket/m);
  });
});

describe('rate limits', () => {
  let limited: TestSentinel;
  beforeAll(async () => {
    limited = await startTestSentinel({ ingestion: { rateLimit: { eventsPerSecond: 0.5, burst: 3, perKey: { admin: { eventsPerSecond: 1000, burst: 1000 } } } } });
  });
  afterAll(() => limited.dispose());
  const send = (n: number, key: ApiKey = KEYS.ingest) =>
    limited.http.inject({ method: 'POST', url: '/v1/telemetry', headers: { ...bearer(key), 'content-type': 'application/json' }, payload: JSON.stringify(Array.from({ length: n }, () => sampleTelemetry())) });

  it('answers 429 with Retry-After once a key has used its burst, per key, and 413 for a batch that could never fit', async () => {
    expect((await send(3)).statusCode).toBe(202);
    const refused = await send(1);
    expect(refused.statusCode).toBe(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(refused.json().detail).toMatch(/0\.5 events\/s/);
    expect((await send(4)).statusCode).toBe(413);
    expect((await send(50, KEYS.admin)).statusCode).toBe(202);
  });
});
