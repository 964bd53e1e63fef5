import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyError } from 'fastify';
import { SCOPES, type ApiKey } from '@sentinel/config';
import { pipelineMetrics, registry } from '@sentinel/observability';
import { z } from 'zod';
import { registerApiKeyAuth } from './auth.js';
import { registerOpenApi, type OpenApiRegistry } from './openapi.js';
import { HttpProblem, sendProblem } from './problem.js';

export interface DependencyCheck {
  name: string;
  check: () => Promise<void>;
}

export interface HttpServerOptions {
  logger: FastifyBaseLogger;
  keys: readonly ApiKey[];
  bodyLimitBytes: number;
  dependencies?: readonly DependencyCheck[];
  /** The title and description of this server's /openapi.json. */
  openapi?: { title: string; description?: string };
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The routes of this server, as /openapi.json describes them. */
    openapi: OpenApiRegistry;
  }
}

export const WhoAmISchema = z.object({ id: z.string().describe('The id of the key (never the key)'), scopes: z.array(z.enum(SCOPES)) }).meta({ title: 'WhoAmI' });

/** A dependency check that has not answered by then counts as down: a hung dependency must not hang the probe. */
const CHECK_TIMEOUT_MS = 2_000;

export const HealthLiveSchema = z.object({ status: z.literal('ok') });
export const HealthReadySchema = z.object({
  status: z.enum(['ready', 'not_ready']),
  checks: z.array(
    z.object({
      name: z.string().describe('The dependency: store, bus (Kafka), redis, alert-state or rabbitmq, as this process uses them'),
      ok: z.boolean(),
      latency_ms: z.number().min(0).describe(`How long the check took; one without an answer within ${CHECK_TIMEOUT_MS} ms fails`),
      error: z.string().optional().describe('Why the check failed'),
    }),
  ),
});

const SENTINEL_VERSION = '0.1.0';

async function timed(dep: DependencyCheck): Promise<{ name: string; ok: boolean; latency_ms: number; error?: string }> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      dep.check(),
      new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer in ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS))),
    ]);
    return { name: dep.name, ok: true, latency_ms: round(performance.now() - started) };
  } catch (e) {
    return { name: dep.name, ok: false, latency_ms: round(performance.now() - started), error: (e as Error).message };
  } finally {
    clearTimeout(timer);
  }
}

const round = (ms: number) => Math.round(ms * 100) / 100;

/**
 * The HTTP core every app shares: API-key auth, problem+json errors, health probes, /metrics and request
 * metrics. Apps add their routes as plugins.
 */
export function createHttpServer(options: HttpServerOptions): FastifyInstance {
  const app = Fastify({
    loggerInstance: options.logger,
    bodyLimit: options.bodyLimitBytes,
    // One line per request would dominate the log at ingest rates; request metrics cover it.
    logController: new LogController({ disableRequestLogging: true }),
    // Prototype-poisoning payloads are refused rather than silently stripped.
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
  });

  // Every body Sentinel takes is JSON (or a parser a plugin adds); plain text would reach handlers as a string.
  app.removeContentTypeParser('text/plain');

  // A connection that never sent a request (browsers open spare ones ahead of need) is not idle to node:http:
  // close() would wait for its headersTimeout (60 s). Dropped when the server closes; busy and idle ones are not.
  const unused = new Set<Socket>();
  app.server.on('connection', (socket: Socket) => {
    unused.add(socket);
    socket.once('close', () => unused.delete(socket));
  });
  app.server.on('request', (request: IncomingMessage) => unused.delete(request.socket));
  app.addHook('preClose', async () => {
    for (const socket of unused) socket.destroy();
  });

  app.setErrorHandler((error: FastifyError | HttpProblem, request, reply) => {
    if (error instanceof HttpProblem) {
      const { headers, ...extensions } = error.extensions as { headers?: Record<string, string> };
      if (headers) reply.headers(headers);
      return sendProblem(reply, error.status, error.message, extensions);
    }
    const status = error.statusCode ?? 500;
    if (status >= 500) {
      request.log.error({ err: error, route: request.routeOptions.url }, 'request failed');
      return sendProblem(reply, 500, 'internal error; the server log has the details');
    }
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return sendProblem(reply, 413, `body exceeds the limit of ${options.bodyLimitBytes} bytes`);
    if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return sendProblem(reply, 415, `unsupported content type ${JSON.stringify(request.headers['content-type'] ?? '')}; send application/json`);
    if (error.code === 'FST_ERR_CTP_EMPTY_JSON_BODY') return sendProblem(reply, 400, 'the body is empty; send a JSON event or an array of events');
    if (error.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || error instanceof SyntaxError) return sendProblem(reply, 400, `the body is not valid JSON: ${error.message}`);
    return sendProblem(reply, status, error.message);
  });
  app.setNotFoundHandler((request, reply) => sendProblem(reply, 404, `no route ${request.method} ${request.url.split('?')[0]}`));

  app.addHook('onResponse', async (request, reply) => {
    pipelineMetrics.httpRequestSeconds.observe(
      { method: request.method, route: request.routeOptions.url ?? 'unmatched', status_code: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
  });

  registerApiKeyAuth(app, options.keys);
  // Before any route, so that every route of the core and of the apps' plugins is collected.
  app.decorate('openapi', registerOpenApi(app, { title: options.openapi?.title ?? 'Sentinel', version: SENTINEL_VERSION, ...(options.openapi?.description && { description: options.openapi.description }) }));

  const health = ['health'];
  app.get('/health/live', { config: { public: true, openapi: { summary: 'Liveness: the process answers', tags: health, responses: { 200: HealthLiveSchema } } } }, async () => ({ status: 'ok' as const }));
  const ready = { summary: 'Readiness: every dependency answers', tags: health, responses: { 200: HealthReadySchema.describe('Every dependency answers'), 503: HealthReadySchema.describe('A dependency failed; `checks` names it') } };
  app.get('/health/ready', { config: { public: true, openapi: ready } }, async (_request, reply) => {
    const checks = await Promise.all((options.dependencies ?? []).map(timed));
    const ready = checks.every((c) => c.ok);
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not_ready', checks });
  });
  const metrics = { summary: 'Prometheus metrics', tags: ['operations'], responses: { 200: { description: 'The Prometheus text exposition format', content: { [registry.contentType]: { type: 'string' } } } } };
  app.get('/metrics', { config: { scope: 'read', openapi: metrics } }, async (_request, reply) => {
    return reply.type(registry.contentType).send(await registry.metrics());
  });
  const whoami = { summary: "The calling key's id and scopes", description: 'Lets a client (the web console) show only what the key may do.', tags: ['auth'], responses: { 200: WhoAmISchema } };
  app.get('/v1/whoami', { config: { anyScope: true, openapi: whoami } }, async (request) => ({ id: request.principal!, scopes: [...(request.scopes ?? [])] }));
  return app;
}
