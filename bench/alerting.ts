/**
 * Alerting throughput.
 *
 * - Webhooks: BENCH_ALERTS anomalies routed into the outbox (silences, dedup, fan-out), then signed
 *   (Standard Webhooks, HMAC-SHA256) deliveries to a local HTTP receiver (a process of its own) answering
 *   204 until the outbox is empty, with the in-process alert state (`sentinel all`) and with Redis (services mode: every alerting
 *   process shares it). Deliveries/s counts from the first claim to the empty outbox.
 * - RabbitMQ: BENCH_AMQP_MESSAGES alerts published with publisher confirms through libs/alerts
 *   AmqpAlertPublisher (persistent messages, batches of 500 as the alerting service claims them) to a
 *   durable topic exchange of the run's own with a durable queue bound to `alert.#`, against the local
 *   RabbitMQ; exchange and queue are deleted afterwards. It takes the lock libs/alerts/test/amqp.test.ts
 *   holds while it stops and starts the broker, so the two never overlap.
 *
 *   node --import tsx bench/alerting.ts
 */
import { spawn } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { connect as amqpConnect } from 'amqplib';
import pino from 'pino';
import { sampleAnomaly } from '@sentinel/contracts';
import { AlertRouter, AmqpAlertPublisher, MemoryAlertState, WebhookDispatcher, alertRoutingKey, generateWebhookSecret, type AlertState } from '@sentinel/alerts';
import { RedisAlertState, connectRedis } from '@sentinel/state';
import { benchOptions, envNumber, type BenchOptions } from './lib/options.js';
import { Samples, sectionMarkdown, target, type Section } from './lib/report.js';
import { RABBITMQ_URL, REDIS_URL, cleanupNamespace, ensureBrokers, freshNamespace } from './lib/services.js';
import { acquireAmqpLock } from '../testing/amqp-lock.js';

export const TARGET_WEBHOOKS_PER_SECOND = 5_000;
const AMQP_BATCH = 500;
const WARMUP_ALERTS = 2_000;

export interface WebhookRun {
  routedPerSecond: number;
  deliveredPerSecond: number;
}

/**
 * The receiver runs in a process of its own, as a subscriber's endpoint would: in the bench's process it
 * took about half of the one thread the dispatcher has (parsing every request). It exits with its stdin.
 */
const RECEIVER = `const s = require('node:http').createServer((q, r) => q.resume().on('end', () => r.writeHead(204).end()));
s.listen(0, '127.0.0.1', () => process.stdout.write(s.address().port + '\\n'));
process.stdin.on('end', () => process.exit(0)).resume();`;

async function startReceiverProcess(): Promise<{ url: string; close: () => void }> {
  const child = spawn(process.execPath, ['-e', RECEIVER], { stdio: ['pipe', 'pipe', 'inherit'] });
  const port = await new Promise<string>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`the webhook receiver exited with ${code}`)));
    child.stdout.once('data', (chunk: Buffer) => resolve(chunk.toString().trim()));
  });
  return { url: `http://127.0.0.1:${port}/hook`, close: () => child.stdin.end() };
}

export async function benchWebhooks(kind: 'memory' | 'redis', alerts: number): Promise<WebhookRun> {
  const logger = pino({ level: 'warn' });
  const receiver = await startReceiverProcess();
  const url = receiver.url;
  const namespace = freshNamespace('alert');
  const redis = kind === 'redis' ? await connectRedis({ url: REDIS_URL, logger }) : null;
  try {
    const state: AlertState = redis ? new RedisAlertState(redis, `${namespace}sentinel:`) : new MemoryAlertState();
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
    if (delivered === 0) throw new Error('nothing was delivered');
    return { routedPerSecond: alerts / routeS, deliveredPerSecond: alerts / deliverS };
  } finally {
    receiver.close();
    await redis?.quit();
    if (redis) await cleanupNamespace(namespace);
  }
}

/** Inside the RabbitMQ lock, for at most 3 min of waiting for it. */
async function withAmqpLock<T>(run: () => Promise<T>): Promise<T> {
  const release = await acquireAmqpLock(180_000);
  try {
    return await run();
  } finally {
    release();
  }
}

export async function benchAmqp(messages: number): Promise<number> {
  return withAmqpLock(async () => {
    // Inside the lock: the broker tests stop and start RabbitMQ only while they hold it.
    await ensureBrokers(['rabbitmq']);
    const namespace = freshNamespace('amqp').slice(0, -1);
    const publisher = new AmqpAlertPublisher({ url: RABBITMQ_URL, namespace, logger: pino({ level: 'warn' }), connectionName: 'sentinel-bench' });
    const admin = await amqpConnect(RABBITMQ_URL);
    const channel = await admin.createChannel();
    const queue = `${namespace}.bench`;
    try {
      await publisher.start();
      await channel.assertQueue(queue, { durable: true });
      await channel.bindQueue(queue, publisher.exchange, 'alert.#');
      const bodies = Array.from({ length: AMQP_BATCH }, () => {
        const a = sampleAnomaly();
        return { id: a.alert_id, routingKey: alertRoutingKey(a.severity, a.anomaly_type), body: Buffer.from(JSON.stringify(a)) };
      });
      const t0 = performance.now();
      for (let sent = 0; sent < messages; sent += AMQP_BATCH) await publisher.publish(bodies.slice(0, Math.min(AMQP_BATCH, messages - sent)));
      const rate = messages / ((performance.now() - t0) / 1000);
      const { messageCount } = await channel.checkQueue(queue);
      if (messageCount < messages) throw new Error(`the bound queue holds ${messageCount} of ${messages} confirmed messages`);
      return rate;
    } finally {
      await publisher.close();
      await channel.deleteQueue(queue).catch(() => undefined);
      await channel.deleteExchange(publisher.exchange).catch(() => undefined);
      await admin.close().catch(() => undefined);
    }
  });
}

export async function runAlerting(options: BenchOptions = benchOptions(), log: (s: string) => void = (s) => console.error(s)): Promise<Section> {
  const alerts = envNumber('BENCH_ALERTS', 10_000, 2_000, options);
  const amqpMessages = envNumber('BENCH_AMQP_MESSAGES', 20_000, 2_000, options);
  await ensureBrokers(['redis']);
  // Untimed: a run of 10,000 deliveries lasts about 1.5 s, and the first one in a process spent a good
  // part of it compiling the delivery path (the figures are of the steady state).
  await benchWebhooks('memory', WARMUP_ALERTS);
  await benchWebhooks('redis', WARMUP_ALERTS);
  const s = new Samples();
  for (let r = 0; r < options.runs; r++) {
    const memory = await benchWebhooks('memory', alerts);
    const redis = await benchWebhooks('redis', alerts);
    const amqp = await benchAmqp(amqpMessages).catch((e: Error) => {
      log(`  RabbitMQ run failed: ${e.message}`);
      return Number.NaN;
    });
    log(`alerting run ${r + 1}/${options.runs}: webhooks ${Math.round(memory.deliveredPerSecond)}/s (in-process state), ${Math.round(redis.deliveredPerSecond)}/s (Redis); RabbitMQ ${Math.round(amqp)}/s`);
    s.add('webhooks_memory', 'signed webhook deliveries/s, in-process alert state (sentinel all)', 'deliveries/s', memory.deliveredPerSecond, target('>=', TARGET_WEBHOOKS_PER_SECOND));
    s.add('webhooks_redis', 'signed webhook deliveries/s, alert state in Redis (services mode)', 'deliveries/s', redis.deliveredPerSecond, target('>=', TARGET_WEBHOOKS_PER_SECOND));
    s.add('routed_memory', 'alerts routed into the outbox/s, in-process state', 'alerts/s', memory.routedPerSecond);
    s.add('routed_redis', 'alerts routed into the outbox/s, Redis', 'alerts/s', redis.routedPerSecond);
    s.add('amqp_confirmed', 'RabbitMQ publishes/s with confirms (AmqpAlertPublisher, batches of 500)', 'messages/s', amqp);
  }
  return {
    id: 'alerting',
    title: 'Alerting: webhooks and RabbitMQ',
    figures: s.figures(),
    notes: [
      `${alerts.toLocaleString('en-US')} alerts per run to one subscriber on a local receiver (a process of its own) answering 204, 64 attempts in flight, after an untimed run of ${WARMUP_ALERTS.toLocaleString('en-US')} with each state; ${amqpMessages.toLocaleString('en-US')} RabbitMQ messages of ~${Math.round(JSON.stringify(sampleAnomaly()).length / 100) / 10} kB, persistent, to a durable queue.`,
    ],
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  console.log(sectionMarkdown(await runAlerting()));
}
