import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type { FastifyInstance } from 'fastify';
import type { ApiKey } from '@sentinel/config';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleTelemetry } from '@sentinel/contracts';
import { generateTraffic } from '../src/demo/traffic.js';
import { KEYS, bearer, startTestSentinel, type TestSentinel } from './harness.js';

// ajv-formats is CommonJS with a default export.
const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;

type Doc = {
  openapi: string;
  servers?: Array<{ url: string }>;
  paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema: unknown }> }>; 'x-scope': string; security: unknown[] }>>;
  components: { schemas: Record<string, unknown>; securitySchemes: Record<string, unknown> };
};

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

/** The route table of a running server, read from fastify's own tree (not from the OpenAPI registry). */
function routeTable(app: FastifyInstance): Array<{ method: string; path: string }> {
  const out: Array<{ method: string; path: string }> = [];
  const stack: string[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const m = /^([│ ]*)[├└]── (\S+)(?: \(([^)]*)\))?/.exec(line);
    if (!m) continue;
    const depth = m[1]!.length / 4;
    stack.length = depth;
    stack.push(m[2]!);
    for (const method of (m[3] ?? '').split(',').map((s) => s.trim().toLowerCase())) {
      if (METHODS.includes(method)) out.push({ method, path: stack.join('').replace(/:([A-Za-z0-9_]+)/g, '{$1}') });
    }
  }
  return out;
}

/** A validator of real answers against the document's own schemas (components included). */
function validatorFor(doc: Doc) {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema({ $id: 'https://sentinel.test/openapi.json', components: doc.components } as object);
  const pointer = (...parts: string[]) => parts.map((p) => p.replaceAll('~', '~0').replaceAll('/', '~1')).join('/');
  return (path: string, method: string, status: number, contentType: string, body: unknown) => {
    const op = doc.paths[path]?.[method];
    expect(op, `${method} ${path} is documented`).toBeDefined();
    const documented = op!.responses[String(status)];
    expect(documented, `${method} ${path} documents ${status}`).toBeDefined();
    const media = contentType.split(';')[0]!.trim();
    const key = Object.keys(documented!.content ?? {}).find((k) => k.split(';')[0]!.trim() === media);
    expect(key, `${method} ${path} ${status} documents ${media}`).toBeDefined();
    const id = `https://sentinel.test/answers/${encodeURIComponent(pointer(path, method, String(status), media))}`;
    const schema = { ...(documented!.content![key!]!.schema as object), $id: id };
    // Refs in the document point at #/components/…: resolve them against the stored document.
    const text = JSON.stringify(schema).replaceAll('"#/components/', '"https://sentinel.test/openapi.json#/components/');
    const validate = ajv.getSchema(id) ?? ajv.compile(JSON.parse(text) as object);
    const ok = validate(body);
    expect(ok ? [] : validate.errors, `${method} ${path} ${status} matches its schema`).toEqual([]);
  };
}

describe('/openapi.json', () => {
  let s: TestSentinel;
  let doc: Doc;
  let otlpDoc: Doc;

  beforeAll(async () => {
    s = await startTestSentinel();
    const res = await fetch(`${s.url}/openapi.json`);
    expect(res.status).toBe(200);
    doc = (await res.json()) as Doc;
    otlpDoc = (await (await fetch(`${s.otlpUrl}/openapi.json`)).json()) as Doc;
  }, 30_000);
  afterAll(() => s.dispose());

  it('is an OpenAPI 3.1 document, public, with the caller-facing server and a bearer scheme', () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.servers).toEqual([{ url: s.url }]);
    expect(doc.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(doc.components.schemas.Problem).toBeDefined();
  });

  it('covers every route of the running servers, each with responses and its scope', () => {
    for (const [app, d] of [
      [s.http, doc],
      [undefined, otlpDoc],
    ] as const) {
      const table = app ? routeTable(app) : [{ method: 'post', path: '/v1/traces' }];
      expect(table.length).toBeGreaterThan(app ? 20 : 0);
      for (const { method, path } of table) {
        const op = d.paths[path]?.[method];
        expect(op, `${method.toUpperCase()} ${path}`).toBeDefined();
        expect(Object.keys(op!.responses).length).toBeGreaterThan(0);
        expect(op!['x-scope']).toMatch(/^(public|any|read|ingest|admin)$/);
      }
    }
    // Nothing documented that is not served.
    const served = new Set(routeTable(s.http).map((r) => `${r.method} ${r.path}`));
    for (const [path, ops] of Object.entries(doc.paths)) for (const method of Object.keys(ops)) expect(served.has(`${method} ${path}`), `${method} ${path}`).toBe(true);
    expect(doc.paths['/v1/anomalies']!.get!['x-scope']).toBe('read');
    expect(doc.paths['/v1/subscriptions']!.post!['x-scope']).toBe('admin');
    expect(doc.paths['/health/live']!.get!.security).toEqual([]);
    expect(doc.paths['/v1/whoami']!.get!['x-scope']).toBe('any');
    expect(doc.paths['/v1/anomalies/stream']!.get!['x-scope']).toBe('read');
    expect(doc.paths['/']!.get!['x-scope']).toBe('public');
    expect(otlpDoc.paths['/v1/traces']!.post!['x-scope']).toBe('ingest');
  });

  it('documents query parameters and bodies from the schemas the routes validate with', () => {
    const op = doc.paths['/v1/anomalies']!.get as unknown as { parameters: Array<{ name: string; in: string; schema: Record<string, unknown> }> };
    const limit = op.parameters.find((p) => p.name === 'limit');
    expect(limit).toMatchObject({ in: 'query', schema: { type: 'integer', minimum: 1, maximum: 1000, default: 100 } });
    expect(op.parameters.find((p) => p.name === 'min_severity')?.schema).toMatchObject({ enum: ['low', 'medium', 'high', 'critical'] });
    const one = doc.paths['/v1/anomalies/{id}']!.get as unknown as { parameters: Array<{ name: string; in: string }> };
    expect(one.parameters).toContainEqual(expect.objectContaining({ name: 'id', in: 'path' }));
    const body = (doc.paths['/v1/silences']!.post as unknown as { requestBody: { content: Record<string, { schema: { oneOf: unknown[] } }> } }).requestBody;
    expect(body.content['application/json']!.schema.oneOf).toHaveLength(2);
  });

  describe('real answers match their documented schema', () => {
    let check: ReturnType<typeof validatorFor>;
    const END = Date.parse('2025-06-02T00:00:00Z');
    const SPAN = 3 * 3_600_000;

    beforeAll(async () => {
      check = validatorFor(doc);
      // Enough traffic with injected anomalies that the query answers hold real anomalies.
      const traffic = generateTraffic({ events: 6_000, spanMs: SPAN, endMs: END, seed: 7 });
      for (let i = 0; i < traffic.events.length; i += 2000) {
        const res = await s.http.inject({ method: 'POST', url: '/v1/telemetry', headers: bearer(KEYS.ingest), payload: traffic.events.slice(i, i + 2000) });
        expect(res.statusCode).toBe(202);
        check('/v1/telemetry', 'post', 202, res.headers['content-type'] as string, res.json());
      }
      // Wait for anomalies to be stored (not for the whole pipeline: only the query answers matter here).
      for (let i = 0; i < 300; i++) {
        const res = await s.http.inject({ url: `/v1/anomalies?limit=1&from=${END - SPAN}`, headers: bearer(KEYS.read) });
        if ((res.json() as { data: unknown[] }).data.length > 0) break;
        await new Promise((r) => setTimeout(r, 100));
      }
    }, 60_000);

    const get = async (url: string, path: string, status = 200, key: ApiKey = KEYS.admin) => {
      const res = await s.http.inject({ url, headers: bearer(key) });
      expect(res.statusCode, res.body).toBe(status);
      check(path, 'get', status, res.headers['content-type'] as string, res.json());
      return res.json() as Record<string, unknown>;
    };

    it('the validator rejects an answer that does not match', () => {
      expect(() => check('/health/live', 'get', 200, 'application/json', { status: 'bad' })).toThrow();
      expect(() => check('/v1/anomalies', 'get', 200, 'application/json', { data: [{ alert_id: 'x' }], next_cursor: null })).toThrow();
    });

    it('health, ingest, problems', async () => {
      await get('/health/live', '/health/live');
      await get('/health/ready', '/health/ready');
      const bad = await s.http.inject({ method: 'POST', url: '/v1/telemetry', headers: bearer(KEYS.ingest), payload: [sampleTelemetry(), { model: '' }] });
      expect(bad.statusCode).toBe(202);
      check('/v1/telemetry', 'post', 202, bad.headers['content-type'] as string, bad.json());
      const invalid = await s.http.inject({ method: 'POST', url: '/v1/telemetry', headers: bearer(KEYS.ingest), payload: { model: 1 } });
      check('/v1/telemetry', 'post', 400, invalid.headers['content-type'] as string, invalid.json());
      const anon = await s.http.inject({ url: '/v1/anomalies' });
      check('/v1/anomalies', 'get', 401, anon.headers['content-type'] as string, anon.json());
      const forbidden = await s.http.inject({ url: '/v1/audit', headers: bearer(KEYS.read) });
      check('/v1/audit', 'get', 403, forbidden.headers['content-type'] as string, forbidden.json());
      await get('/v1/anomalies?limit=0', '/v1/anomalies', 400);
      await get('/v1/anomalies/00000000-0000-0000-0000-000000000000', '/v1/anomalies/{id}', 404);
    });

    it('anomalies and telemetry', async () => {
      const page = await get(`/v1/anomalies?limit=5&from=${END - SPAN}`, '/v1/anomalies', 200, KEYS.read);
      const anomalies = page.data as Array<{ alert_id: string }>;
      expect(anomalies.length).toBeGreaterThan(0);
      await get(`/v1/anomalies/${anomalies[0]!.alert_id}`, '/v1/anomalies/{id}', 200, KEYS.read);
      const raw = await get(`/v1/telemetry?from=${END - SPAN}&to=${END}&limit=3`, '/v1/telemetry');
      expect((raw.data as unknown[]).length).toBe(3);
      const { service_name: service, model } = (raw.data as Array<{ service_name: string; model: string }>)[0]!;
      const series = await get(`/v1/telemetry?from=${END - SPAN}&to=${END}&service=${service}&model=${model}&metric=latency_ms&step=5m&agg=p95`, '/v1/telemetry');
      expect((series.data as unknown[]).length).toBe(36);
      const metrics = await s.http.inject({ url: '/metrics', headers: bearer(KEYS.read) });
      expect(Object.keys(doc.paths['/metrics']!.get!.responses['200']!.content!)).toContain(metrics.headers['content-type']);
    });

    it('subscriptions, deliveries, silences, audit', async () => {
      const created = await s.http.inject({ method: 'POST', url: '/v1/subscriptions', headers: bearer(KEYS.admin), payload: { name: 'ops', url: 'https://93.184.215.14/hook' } });
      expect(created.statusCode, created.body).toBe(201);
      check('/v1/subscriptions', 'post', 201, created.headers['content-type'] as string, created.json());
      const id = (created.json() as { id: string }).id;
      await get('/v1/subscriptions', '/v1/subscriptions');
      await get(`/v1/subscriptions/${id}`, '/v1/subscriptions/{id}');
      const patched = await s.http.inject({ method: 'PATCH', url: `/v1/subscriptions/${id}`, headers: bearer(KEYS.admin), payload: { enabled: false } });
      check('/v1/subscriptions/{id}', 'patch', 200, patched.headers['content-type'] as string, patched.json());
      const rotated = await s.http.inject({ method: 'POST', url: `/v1/subscriptions/${id}/rotate-secret`, headers: bearer(KEYS.admin) });
      check('/v1/subscriptions/{id}/rotate-secret', 'post', 200, rotated.headers['content-type'] as string, rotated.json());
      expect((rotated.json() as { previous_secret_expires_at: string | null }).previous_secret_expires_at).not.toBeNull();
      await get(`/v1/subscriptions/${id}/deliveries`, '/v1/subscriptions/{id}/deliveries');
      await get('/v1/deliveries', '/v1/deliveries');
      await get('/v1/deliveries/nope', '/v1/deliveries/{id}', 404);

      const silence = await s.http.inject({ method: 'POST', url: '/v1/silences', headers: bearer(KEYS.admin), payload: { matchers: [{ name: 'service', value: 'checkout' }], duration: '2h', comment: 'deploy' } });
      expect(silence.statusCode, silence.body).toBe(201);
      check('/v1/silences', 'post', 201, silence.headers['content-type'] as string, silence.json());
      const sid = (silence.json() as { id: string }).id;
      await get('/v1/silences', '/v1/silences', 200, KEYS.read);
      await get(`/v1/silences/${sid}`, '/v1/silences/{id}', 200, KEYS.read);
      const expired = await s.http.inject({ method: 'DELETE', url: `/v1/silences/${sid}`, headers: bearer(KEYS.admin) });
      check('/v1/silences/{id}', 'delete', 200, expired.headers['content-type'] as string, expired.json());
      const deleted = await s.http.inject({ method: 'DELETE', url: `/v1/subscriptions/${id}`, headers: bearer(KEYS.admin) });
      expect(deleted.statusCode).toBe(204);
      const audit = await get('/v1/audit', '/v1/audit');
      expect((audit.data as unknown[]).length).toBeGreaterThan(3);
    });

    it('a silence that would end after year 9999 is a 400 naming the field, not an unrepresentable date', async () => {
      const res = await s.http.inject({ method: 'POST', url: '/v1/silences', headers: bearer(KEYS.admin), payload: { matchers: [{ name: 'service', value: 'x' }], starts_at: '9999-12-31T00:00:00Z', duration: '999999d' } });
      expect(res.statusCode, res.body).toBe(400);
      check('/v1/silences', 'post', 400, res.headers['content-type'] as string, res.json());
    });
  });
});
