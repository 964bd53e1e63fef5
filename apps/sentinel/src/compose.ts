import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { TOPICS } from '@sentinel/contracts';
import { MemoryBus, type Bus } from '@sentinel/bus';
import { ConfigError, type ApiKey, type SentinelConfig } from '@sentinel/config';
import { createHttpServer, type DependencyCheck } from '@sentinel/http';
import { CachingStore, DuckDbStore, InfluxDbStore, type Store } from '@sentinel/store';
import { PiiRedactor } from '@sentinel/privacy';
import { scanPrompt } from '@sentinel/security';
import { MemoryRateLimiter, RedisCheckpointStore, RedisRateLimiter, connectRedis, pingRedis } from '@sentinel/state';
import { alertingRoutes } from '@sentinel/app-alerting';
import { AnomalyFeed, anomalyStreamRoutes, apiRoutes, consoleRoutes, seriesRoutes } from '@sentinel/app-api';
import { DETECTION_GROUP, DetectionService } from '@sentinel/app-detection';
import { IngestAdmission, RawTopicIngestion, TelemetryPublisher, ingestionRoutes, otlpRoutes } from '@sentinel/app-ingestion';
import { StorageService } from '@sentinel/app-storage';
import { openAlerting } from './alerting.js';
import { openKafkaBus } from './kafka.js';

/** The web console's build output (`make run` builds it; apps/console). */
const CONSOLE_DIR = fileURLToPath(new URL('../../console/dist/', import.meta.url));

export const APPS = ['ingestion', 'detection', 'storage', 'alerting', 'api'] as const;
export type AppName = (typeof APPS)[number];

export interface RunningSentinel {
  http: FastifyInstance;
  /** The bus this process publishes to (the in-memory one in `sentinel all`): for audits and tests. */
  bus: Bus;
  url: string;
  /** The OTLP/HTTP receiver, when this process runs ingestion with OTLP enabled. */
  otlpUrl: string | null;
  /** Over the in-memory bus: resolves when every record accepted so far has been detected, stored and handed to alerting. */
  settle(timeoutMs?: number): Promise<void>;
  /** Graceful stop: intake first, then drain, checkpoint and commit, then close. */
  stop(): Promise<void>;
}

/**
 * Starts the given apps in this process. `sentinel all` is all five over the configured transport (the
 * in-memory bus by default); `sentinel detection` is one of them, over Kafka. Every process serves
 * /health and /metrics; ingestion adds POST /v1/telemetry and the query API is served where the store is.
 */
export async function startApps(apps: readonly AppName[], config: SentinelConfig, logger: Logger, keys: readonly ApiKey[]): Promise<RunningSentinel> {
  const runs = (app: AppName) => apps.includes(app);
  if (runs('api') && !runs('storage') && config.storage.backend === 'duckdb') {
    throw new ConfigError([`storage.backend: the DuckDB store has one writer, so its query API is served by the storage process; run \`sentinel storage\` (it answers /v1/anomalies and /v1/telemetry), or use storage.backend: influxdb3`]);
  }
  const memory = config.transport === 'memory';
  if (memory && apps.length < APPS.length) throw new ConfigError([`transport: "memory" connects apps inside one process only; run \`sentinel all\`, or set transport: kafka`]);

  const stops: Array<() => Promise<void>> = [];
  const bus: Bus = memory ? new MemoryBus(config.bus.partitions) : await openKafkaBus(config, logger);
  stops.push(() => bus.close());
  const dependencies: DependencyCheck[] = [{ name: 'bus', check: () => bus.check() }];

  const store = runs('storage') || runs('api') ? await openStore(config, runs('storage')) : null;
  if (store) {
    stops.push(() => store.close());
    dependencies.unshift({ name: 'store', check: () => store.check() });
  }
  const redis = (runs('detection') || runs('ingestion') || runs('alerting')) && !memory ? await connectRedis({ url: config.redis.url, logger }) : null;
  if (redis) {
    stops.push(async () => void (await redis.quit()));
    dependencies.push({ name: 'redis', check: () => pingRedis(redis) });
  }

  // Started downstream first, so nothing published is waiting for a consumer that is not there yet.
  const services: Array<{ stop(): Promise<void> }> = [];
  if (store && runs('storage')) services.push(await started(new StorageService(bus, store, logger.child({ app: 'storage' }))));
  const alerting = runs('alerting') ? await openAlerting(config, bus, redis, logger) : null;
  if (alerting) {
    stops.push(() => alerting.close());
    dependencies.push(...alerting.dependencies);
    services.push(await started(alerting.service));
  }
  if (runs('detection')) {
    const checkpoints = redis ? new RedisCheckpointStore(redis, `${config.bus.namespace}${DETECTION_GROUP}:${TOPICS.telemetry}`) : undefined;
    services.push(await started(new DetectionService({ bus, config: config.detection, logger: logger.child({ app: 'detection' }), checkpoints, checkpointIntervalMs: config.checkpoints.intervalMs, baselineIntervalMs: config.baselines.publishIntervalMs, metricModels: config.observability.metrics.models })));
  }
  const publisher = new TelemetryPublisher(bus, { redactor: new PiiRedactor(config.privacy), scanPrompt: config.ingestion.promptInjection ? scanPrompt : undefined });
  const admission = ingestAdmission(config, redis);
  if (runs('ingestion') && !memory) {
    services.push(await started(new RawTopicIngestion(bus, publisher, admission, logger.child({ app: 'ingestion' }), config.ingestion.rawTopic)));
  }

  const http = createHttpServer({ logger, keys, bodyLimitBytes: config.server.bodyLimitBytes, dependencies, openapi: { title: 'Sentinel', description: 'Ingestion, queries and alerting of this Sentinel process. OTLP/HTTP is served on its own port, with its own /openapi.json.' } });
  if (runs('ingestion')) await http.register(ingestionRoutes, { publisher, admission, maxBatchEvents: config.server.maxBatchEvents });
  if (store) {
    await http.register(apiRoutes, { store });
    await http.register(seriesRoutes, { store });
    // The live feed reads the anomalies topic in a group of this process's own, so every process serving the API sees every anomaly.
    const feed = new AnomalyFeed(bus);
    await feed.start();
    stops.push(() => feed.stop());
    await http.register(anomalyStreamRoutes, { feed });
    await http.register(consoleRoutes, { dir: CONSOLE_DIR });
  }
  if (alerting) await http.register(alertingRoutes, { admin: alerting.service.admin, state: alerting.state });
  const url = await listen(http, config.server.host, config.server.port);

  const otlp = runs('ingestion') && config.ingestion.otlp.enabled ? createHttpServer({ logger, keys, bodyLimitBytes: config.ingestion.otlp.maxBodyBytes, dependencies, openapi: { title: 'Sentinel OTLP/HTTP receiver' } }) : null;
  if (otlp) {
    await otlp.register(otlpRoutes, {
      maxBodyBytes: config.ingestion.otlp.maxBodyBytes,
      accept: async (events, caller) => {
        await admission.admit(caller, events.length);
        await publisher.publish(events);
      },
    });
  }
  const otlpUrl = otlp ? await listen(otlp, config.server.host, config.ingestion.otlp.port) : null;

  const settle = async (timeoutMs = 30_000) => {
    if (!(bus instanceof MemoryBus)) throw new Error('settle() needs the in-memory bus; over Kafka, watch consumer lag instead');
    const deadline = Date.now() + timeoutMs;
    while (bus.lag(TOPICS.telemetry) + bus.lag(TOPICS.anomalies) + bus.lag(TOPICS.baselines) > 0) {
      if (Date.now() > deadline) throw new Error(`pipeline did not drain within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 10));
    }
  };

  let stopping: Promise<void> | null = null;
  const stop = () =>
    (stopping ??= (async () => {
      await Promise.all([http.close(), otlp?.close()]);
      if (memory) await settle(config.shutdownTimeoutMs).catch((e: Error) => logger.warn({ reason: e.message }, 'stopping before the pipeline drained'));
      // Upstream first: each consumer finishes its batch, checkpoints and commits before the next one stops.
      for (const service of services.reverse()) await service.stop();
      for (const close of stops.reverse()) await close();
    })());

  return { http, bus, url, otlpUrl, settle, stop };
}

/**
 * The configured store. Aggregates are cached only where this process writes: the cache is invalidated
 * by the writes it sees, so a query-only process (`sentinel api` on InfluxDB) must not keep answers.
 */
async function openStore(config: SentinelConfig, writes: boolean): Promise<Store> {
  const { backend, duckdb, influxdb3 } = config.storage;
  const store = backend === 'influxdb3' ? InfluxDbStore.connect(influxdb3) : await DuckDbStore.open(duckdb);
  return writes ? new CachingStore(store) : store;
}

/** Rate limits shared by every ingest path: in Redis when there is one (all ingestion processes draw on one budget), else in memory. */
function ingestAdmission(config: SentinelConfig, redis: Redis | null): IngestAdmission {
  const { perKey, eventsPerSecond, burst } = config.ingestion.rateLimit;
  const limiter = redis ? new RedisRateLimiter(redis, config.bus.namespace) : new MemoryRateLimiter();
  const buckets = Object.fromEntries(Object.entries(perKey).map(([id, b]) => [id, { ratePerSecond: b.eventsPerSecond, burst: b.burst }]));
  return new IngestAdmission(limiter, { ratePerSecond: eventsPerSecond, burst, perKey: buckets });
}

async function listen(server: FastifyInstance, host: string, port: number): Promise<string> {
  await server.listen({ host, port });
  const address = server.server.address();
  const bound = typeof address === 'object' && address ? address.port : port;
  return `http://${host.includes(':') ? `[${host}]` : host}:${bound}`;
}

async function started<T extends { start(): Promise<void> }>(service: T): Promise<T> {
  await service.start();
  return service;
}

/** `sentinel all`: every app in one process. */
export function startAll(config: SentinelConfig, logger: Logger, keys: readonly ApiKey[]): Promise<RunningSentinel> {
  return startApps(APPS, config, logger, keys);
}
