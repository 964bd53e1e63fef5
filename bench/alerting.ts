/**
 * Alerting throughput: N anomalies routed into the outbox, then signed webhook deliveries to a local
 * receiver until the outbox is empty, with the in-process state or Redis (`redis` argument, needs
 * `bash scripts/dev-up.sh redis`). Prints alerts routed/s and webhook deliveries/s.
 *
 *   node --import tsx bench/alerting.ts [memory|redis] [alerts]
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import pino from 'pino';
import { sampleAnomaly } from '@sentinel/contracts';
import { AlertRouter, MemoryAlertState, WebhookDispatcher, generateWebhookSecret, type AlertState } from '@sentinel/alerts';
import { RedisAlertState, connectRedis } from '@sentinel/state';

export async function runAlertingBench(kind: 'memory' | 'redis' = 'memory', alerts = 5000): Promise<void> {
  const logger = pino({ level: 'warn' });
  const server = createServer((req, res) => req.resume().on('end', () => res.writeHead(204).end()));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  const redis = kind === 'redis' ? await connectRedis({ url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', logger }) : null;
  const state: AlertState = redis ? new RedisAlertState(redis, `bench${Date.now()}:`) : new MemoryAlertState();
  await state.subscriptions.put({ id: 'bench', name: 'bench', url, secrets: [{ secret: generateWebhookSecret(), expiresAt: null }], minSeverity: 'low', services: [], models: [], anomalyTypes: [], enabled: true, managedBy: 'api', createdAt: 0, updatedAt: 0 });
  const router = new AlertRouter(state, { dedupWindowMs: 300_000, groupWaitMs: 0, groupIntervalMs: 0, groupBy: ['service'], retryHorizonMs: 3_600_000, amqpExchange: null });
  const dispatcher = new WebhookDispatcher(state, { timeoutMs: 5000, retry: { baseMs: 100, maxDelayMs: 1000 }, breaker: { failureThreshold: 1000, resetTimeoutMs: 1000 }, allowPrivateTargets: true, concurrency: 64, logger });

  const anomalies = Array.from({ length: alerts }, (_, i) => sampleAnomaly({ series_key: `svc${i % 50}|m|latency_ms:${i}` }));
  let t = performance.now();
  for (let i = 0; i < anomalies.length; i += 500) await router.route(anomalies.slice(i, i + 500), Date.now());
  const routeS = (performance.now() - t) / 1000;
  t = performance.now();
  while (await dispatcher.dispatchDue());
  const deliverS = (performance.now() - t) / 1000;
  const delivered = (await state.deliveries.list({ status: 'delivered', limit: 1000 })).length;

  console.log(`\n## Alerting (${kind} state, ${alerts} alerts, one local subscriber)\n`);
  console.log('| stage | per second |\n| --- | ---: |');
  console.log(`| routed into the outbox (silences, dedup, fan-out) | ${Math.round(alerts / routeS).toLocaleString('en')} |`);
  console.log(`| signed webhook deliveries (HTTP 204 receiver) | ${Math.round(alerts / deliverS).toLocaleString('en')} |`);
  if (delivered === 0) throw new Error('nothing was delivered');
  server.close();
  await redis?.quit();
}

if (import.meta.url === pathToFileURL(process.argv[1]!).href) await runAlertingBench((process.argv[2] as 'memory' | 'redis') ?? 'memory', Number(process.argv[3] ?? 5000));
