import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { TOPICS } from '@sentinel/contracts';
import { MemoryBus } from '@sentinel/bus';
import type { ApiKey, SentinelConfig } from '@sentinel/config';
import { createHttpServer } from '@sentinel/http';
import { DuckDbStore } from '@sentinel/store';
import { AlertingService } from '@sentinel/app-alerting';
import { apiRoutes } from '@sentinel/app-api';
import { DetectionService } from '@sentinel/app-detection';
import { TelemetryPublisher, ingestionRoutes } from '@sentinel/app-ingestion';
import { StorageService } from '@sentinel/app-storage';

export interface RunningSentinel {
  http: FastifyInstance;
  url: string;
  /** Resolves when every record accepted so far has been detected, stored and handed to alerting. */
  settle(timeoutMs?: number): Promise<void>;
  /** Graceful stop: intake first, then drain, then close, within the deadline. */
  stop(): Promise<void>;
}

/** `sentinel all`: every app in one process over the in-memory bus, DuckDB for storage. */
export async function startAll(config: SentinelConfig, logger: Logger, keys: readonly ApiKey[]): Promise<RunningSentinel> {
  const bus = new MemoryBus(config.bus.partitions);
  const store = await DuckDbStore.open(config.storage.duckdb);
  const detection = new DetectionService({ bus, config: config.detection, logger: logger.child({ app: 'detection' }) });
  const storage = new StorageService(bus, store, logger.child({ app: 'storage' }));
  const alerting = new AlertingService(bus, config.alerting, logger.child({ app: 'alerting' }));
  await storage.start();
  await alerting.start();
  await detection.start();

  const http = createHttpServer({
    logger,
    keys,
    bodyLimitBytes: config.server.bodyLimitBytes,
    dependencies: [
      { name: 'store', check: () => store.check() },
      { name: 'bus', check: () => bus.check() },
    ],
  });
  await http.register(ingestionRoutes, { publisher: new TelemetryPublisher(bus), maxBatchEvents: config.server.maxBatchEvents });
  await http.register(apiRoutes, { store });
  await http.listen({ host: config.server.host, port: config.server.port });
  const address = http.server.address();
  const port = typeof address === 'object' && address ? address.port : config.server.port;

  const settle = async (timeoutMs = 30_000) => {
    const deadline = Date.now() + timeoutMs;
    while (bus.lag(TOPICS.telemetry) + bus.lag(TOPICS.anomalies) > 0) {
      if (Date.now() > deadline) throw new Error(`pipeline did not drain within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 10));
    }
  };

  let stopping: Promise<void> | null = null;
  const stop = () =>
    (stopping ??= (async () => {
      await http.close();
      await settle(config.shutdownTimeoutMs).catch((e: Error) => logger.warn({ reason: e.message }, 'stopping before the pipeline drained'));
      await detection.stop();
      await storage.stop();
      await alerting.stop();
      await bus.close();
      await store.close();
    })());

  return { http, url: `http://${config.server.host.includes(':') ? `[${config.server.host}]` : config.server.host}:${port}`, settle, stop };
}
