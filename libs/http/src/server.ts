import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyError } from 'fastify';
import type { ApiKey } from '@sentinel/config';
import { pipelineMetrics, registry } from '@sentinel/observability';
import { registerApiKeyAuth } from './auth.js';
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
}

const CHECK_TIMEOUT_MS = 2_000;

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

  app.get('/health/live', { config: { public: true } }, async () => ({ status: 'ok' }));
  app.get('/health/ready', { config: { public: true } }, async (_request, reply) => {
    const checks = await Promise.all((options.dependencies ?? []).map(timed));
    const ready = checks.every((c) => c.ok);
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not_ready', checks });
  });
  app.get('/metrics', { config: { scope: 'read' } }, async (_request, reply) => {
    return reply.type(registry.contentType).send(await registry.metrics());
  });
  return app;
}
