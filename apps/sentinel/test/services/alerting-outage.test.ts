import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { connect } from 'amqplib';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnomalyEvent } from '@sentinel/contracts';
import { generateWebhookSecret } from '@sentinel/alerts';
import { generateTraffic } from '../../src/demo/traffic.js';
import { SentinelProcess } from '../process.js';
import { servicesEnv } from './env.js';
import { until } from '../../../../testing/until.js';

const run = promisify(execFile);
const ROOT = new URL('../../../../', import.meta.url).pathname;
const AMQP_URL = process.env.RABBITMQ_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const KEY = 'sk_test_alerting_0123456789abcdef';
const auth = { authorization: `Bearer ${KEY}` };
const namespace = `t${randomUUID().slice(0, 8)}.`;
const exchange = `${namespace}sentinel.alerts`;
const queues = { critical: `${namespace}critical`, latency: `${namespace}latency` };
const secret = generateWebhookSecret();
const END = Date.parse('2025-06-02T00:00:00Z');
const SPAN = 6 * 3_600_000;
const traffic = generateTraffic({ events: 9000, spanMs: SPAN, endMs: END, seed: 7 });

interface Hit {
  id: string;
  status: number;
  body: string;
  headers: Record<string, string>;
}

/** A webhook receiver that can answer 500, go away entirely (port closed) and come back on the same port. */
class FlakyReceiver {
  readonly hits: Hit[] = [];
  status = 200;
  private server: Server | null = null;
  port = 0;

  async up(): Promise<void> {
    this.server = createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8').on('data', (c: string) => (body += c));
      req.on('end', () => {
        this.hits.push({ id: String(req.headers['webhook-id']), status: this.status, body, headers: req.headers as Record<string, string> });
        res.writeHead(this.status).end();
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(this.port, '127.0.0.1', resolve));
    this.port = (this.server.address() as { port: number }).port;
  }

  async down(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
    this.server = null;
  }
}

const rabbit = (action: 'stop' | 'start') => run('bash', [join(ROOT, 'scripts/rabbitmq-restart.sh'), action], { cwd: ROOT });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let dir: string;
const receiver = new FlakyReceiver();
const procs: Record<string, SentinelProcess & { url: string }> = {};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sentinel-alerting-'));
  await receiver.up();
  // The queues exist before any alert is published: the exchange drops what no queue is bound for.
  const conn = await connect(AMQP_URL);
  const ch = await conn.createChannel();
  await ch.assertExchange(exchange, 'topic', { durable: true });
  await ch.assertQueue(queues.critical, { durable: true });
  await ch.bindQueue(queues.critical, exchange, 'alert.critical.#');
  await ch.assertQueue(queues.latency, { durable: true });
  await ch.bindQueue(queues.latency, exchange, 'alert.*.latency_spike');
  await conn.close();

  const env = servicesEnv(
    { namespace, dataDir: dir, key: KEY },
    {
      SENTINEL_ALERTING__DEDUP_WINDOW_MS: '0',
      SENTINEL_ALERTING__POLL_INTERVAL_MS: '50',
      SENTINEL_ALERTING__RETRY_BASE_MS: '200',
      SENTINEL_ALERTING__RETRY_MAX_DELAY_MS: '2000',
      SENTINEL_ALERTING__BREAKER__RESET_TIMEOUT_MS: '2000',
      SENTINEL_ALERTING__RABBITMQ__URL: AMQP_URL,
      SENTINEL_ALERTING__RABBITMQ__EXCHANGE: exchange,
      SENTINEL_ALERTING__WEBHOOKS: JSON.stringify([{ id: 'ops', url: `http://127.0.0.1:${receiver.port}/hook`, secret, minSeverity: 'low' }]),
    },
  );
  procs.storage = await SentinelProcess.start('storage', env);
  const [alerting, detection, ingestion] = await Promise.all(['alerting', 'detection', 'ingestion'].map((app) => SentinelProcess.start(app, env)));
  Object.assign(procs, { alerting, detection, ingestion });
}, 180_000);

afterAll(async () => {
  await rabbit('start').catch(() => undefined);
  await Promise.all(Object.values(procs).map((p) => p.stop(30_000)));
  await receiver.down();
  const conn = await connect(AMQP_URL).catch(() => null);
  if (conn) {
    const ch = await conn.createChannel();
    for (const q of Object.values(queues)) await ch.deleteQueue(q);
    await ch.deleteExchange(exchange);
    await conn.close();
  }
  await rm(dir, { recursive: true, force: true });
}, 90_000);

async function ingest(events: readonly object[]): Promise<void> {
  for (let i = 0; i < events.length; i += 1000) {
    for (;;) {
      const res = await fetch(`${procs.ingestion!.url}/v1/telemetry`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify(events.slice(i, i + 1000)) });
      if (res.status === 202) break;
      expect([429, 503]).toContain(res.status);
      await sleep(200);
    }
  }
}

async function storedAnomalies(): Promise<AnomalyEvent[]> {
  const out: AnomalyEvent[] = [];
  let cursor = '';
  do {
    const res = await fetch(`${procs.storage!.url}/v1/anomalies?limit=1000&from=${END - SPAN - 1}${cursor ? `&cursor=${cursor}` : ''}`, { headers: auth });
    const page = (await res.json()) as { data: AnomalyEvent[]; next_cursor: string | null };
    out.push(...page.data);
    cursor = page.next_cursor ?? '';
  } while (cursor);
  return out;
}

interface DeliveryView {
  channel: string;
  message_id: string;
  status: string;
  attempts: Array<{ ok: boolean; status_code: number | null; error?: string }>;
}

async function deliveries(): Promise<DeliveryView[]> {
  const res = await fetch(`${procs.alerting!.url}/v1/deliveries?limit=1000`, { headers: auth });
  expect(res.status).toBe(200);
  return ((await res.json()) as { data: DeliveryView[] }).data;
}

/** Every message in a queue, by message id (consumed and acknowledged). */
async function drain(queue: string): Promise<string[]> {
  const conn = await connect(AMQP_URL);
  const ch = await conn.createChannel();
  const ids: string[] = [];
  for (let msg = await ch.get(queue, { noAck: true }); msg; msg = await ch.get(queue, { noAck: true })) {
    expect(msg.properties.deliveryMode).toBe(2);
    ids.push(String(msg.properties.messageId));
  }
  await conn.close();
  return ids;
}

describe('alerting through RabbitMQ and webhook outages (services over Kafka)', () => {
  it('delivers every alert once after RabbitMQ is down for 30 s and the webhook receiver fails, then vanishes', async () => {
    const third = Math.ceil(traffic.events.length / 3);
    await ingest(traffic.events.slice(0, third));

    receiver.status = 500;
    await rabbit('stop');
    const outageStart = Date.now();
    await ingest(traffic.events.slice(third, 2 * third));
    await until(async () => receiver.hits.some((h) => h.status === 500), 'a webhook answered 500', 60_000, 250);
    await receiver.down();
    await ingest(traffic.events.slice(2 * third));
    await sleep(Math.max(0, 10_000 - (Date.now() - outageStart)));
    receiver.status = 200;
    await receiver.up();
    await sleep(Math.max(0, 30_000 - (Date.now() - outageStart)));
    await rabbit('start');

    // Storage holds every anomaly once detection has caught up; then the outbox must empty.
    let expected: AnomalyEvent[] = [];
    await until(
      async () => {
        const now = await storedAnomalies();
        const stable = now.length > 0 && now.length === expected.length;
        expected = now;
        const log = await deliveries();
        return stable && log.length === 2 * now.length && log.every((d) => d.status === 'delivered');
      },
      'every delivery to complete',
      120_000,
      250,
    );

    // Webhooks: each alert answered 200 exactly once, signed; failures were retried under the same webhook-id.
    const ok = receiver.hits.filter((h) => h.status === 200);
    expect(ok.map((h) => h.id).sort()).toEqual(expected.map((a) => `msg_${a.alert_id}`).sort());
    for (const h of ok) expect(() => new Webhook(secret).verify(h.body, h.headers)).not.toThrow();
    expect(receiver.hits.filter((h) => h.status === 500).every((h) => ok.some((o) => o.id === h.id))).toBe(true);

    // RabbitMQ: each queue got exactly the alerts its binding selects.
    const critical = await drain(queues.critical);
    const latency = await drain(queues.latency);
    expect(critical.sort()).toEqual(expected.filter((a) => a.severity === 'critical').map((a) => a.alert_id).sort());
    expect(latency.sort()).toEqual(expected.filter((a) => a.anomaly_type === 'latency_spike').map((a) => a.alert_id).sort());
    expect(latency.length).toBeGreaterThan(0);

    // The retry schedule is in the deliveries log: failed attempts (500, refused, broker away) before the success.
    const log = await deliveries();
    const retried = log.filter((d) => d.attempts.length > 1);
    expect(retried.some((d) => d.channel === 'webhook' && d.attempts.some((a) => a.status_code === 500))).toBe(true);
    expect(retried.some((d) => d.channel === 'webhook' && d.attempts.some((a) => a.status_code === null && a.error))).toBe(true);
    expect(retried.some((d) => d.channel === 'amqp' && d.attempts.some((a) => !a.ok))).toBe(true);
    for (const d of log) expect(d.attempts.at(-1)!.ok).toBe(true);
  }, 240_000);
});
