import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'amqplib';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOPICS, sampleTelemetry } from '@sentinel/contracts';
import { KafkaBus, NamespacedBus, type Bus } from '@sentinel/bus';
import { generateWebhookSecret } from '@sentinel/alerts';
import { startReceiver } from '../../../../libs/alerts/test/receiver.js';
import { generateTraffic } from '../../src/demo/traffic.js';
import { SentinelProcess } from '../process.js';
import { parseExposition, promtoolCheckMetrics, total, unboundedLabels, type Sample } from '../prometheus.js';
import { servicesEnv } from './env.js';
import { portOpen } from '../../../../testing/port.js';
import { until } from '../../../../testing/until.js';

/**
 * Operations of the services over Kafka: /health/ready names each dependency with its latency and
 * turns 503 while Redis is down, and every app's /metrics passes `promtool check metrics` after
 * traffic, with the values an operator looks for and only bounded label values.
 */

const BROKERS = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const AMQP_URL = process.env.RABBITMQ_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const PARTITIONS = 3;
const KEY = 'sk_test_operations_0123456789abcdef';
const auth = { authorization: `Bearer ${KEY}` };
const namespace = `t${randomUUID().slice(0, 8)}.`;
const exchange = `${namespace}sentinel.alerts`;
const END = Date.parse('2025-06-02T00:00:00Z');
const traffic = generateTraffic({ events: 4000, spanMs: 4 * 3_600_000, endMs: END, seed: 13 });
/** On the allow-list: counted by name. The traffic's other models (gemini, llama) and UNLISTED count as "other". */
const LISTED = ['gpt-4o', 'gpt-4o-mini', 'claude-3-5-sonnet'];
const UNLISTED = 'tenant-finetune-7f3a';
const REDIS_APPS = ['detection', 'ingestion', 'alerting'] as const;

/** A loopback port nothing listens on right now. */
async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as { port: number };
  await new Promise((r) => s.close(r));
  return port;
}

/** A redis-server of this test's own, so stopping it disturbs no other suite. */
class PrivateRedis {
  private child: ChildProcess | null = null;
  constructor(readonly port: number) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Starts it unless it is running; resolves once it accepts connections. */
  async start(): Promise<void> {
    if (this.child && this.child.exitCode === null && this.child.signalCode === null) return;
    this.child = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    await until(() => portOpen('127.0.0.1', this.port, 200), `redis-server on :${this.port}`, 10_000, 50);
  }

  async kill(): Promise<void> {
    const child = this.child;
    this.child = null;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
  }
}

interface ReadyBody {
  status: string;
  checks: Array<{ name: string; ok: boolean; latency_ms: number; error?: string }>;
}

let dir: string;
let redis: PrivateRedis;
let receiver: Awaited<ReturnType<typeof startReceiver>>;
let bus: Bus;
const procs: Record<string, SentinelProcess & { url: string }> = {};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sentinel-ops-'));
  redis = new PrivateRedis(await freePort());
  await redis.start();
  receiver = await startReceiver();
  const env = servicesEnv(
    { namespace, dataDir: dir, key: KEY, partitions: PARTITIONS },
    {
      SENTINEL_KAFKA__BROKERS: BROKERS.join(','),
      SENTINEL_REDIS__URL: redis.url,
      SENTINEL_OBSERVABILITY__METRICS__MODELS: JSON.stringify(LISTED),
      SENTINEL_CHECKPOINTS__INTERVAL_MS: '500',
      SENTINEL_BASELINES__PUBLISH_INTERVAL_MS: '500',
      SENTINEL_ALERTING__POLL_INTERVAL_MS: '50',
      SENTINEL_ALERTING__RABBITMQ__URL: AMQP_URL,
      SENTINEL_ALERTING__RABBITMQ__EXCHANGE: exchange,
      SENTINEL_ALERTING__WEBHOOKS: JSON.stringify([{ id: 'ops', url: receiver.url, secret: generateWebhookSecret(), minSeverity: 'low' }]),
    },
  );
  // Storage first: it creates the topics. The api process alone needs a store several processes can
  // share (InfluxDB 3); none runs here, so its store check fails, which leaves its /metrics to scrape.
  procs.storage = await SentinelProcess.start('storage', env);
  const apiEnv = { ...env, SENTINEL_STORAGE__BACKEND: 'influxdb3', SENTINEL_STORAGE__INFLUXDB3__URL: `http://127.0.0.1:${await freePort()}` };
  const [alerting, detection, ingestion, api] = await Promise.all([
    SentinelProcess.start('alerting', env),
    SentinelProcess.start('detection', env),
    SentinelProcess.start('ingestion', env),
    SentinelProcess.start('api', apiEnv),
  ]);
  Object.assign(procs, { alerting, detection, ingestion, api });
  bus = new NamespacedBus(await KafkaBus.connect({ brokers: BROKERS, clientId: 'operations-test', partitions: PARTITIONS, logger: pino({ level: 'silent' }) }), namespace);
}, 180_000);

afterAll(async () => {
  // Redis back first: detection checkpoints into it on the way out.
  if (redis) await redis.start().catch(() => undefined);
  await Promise.all(Object.values(procs).map((p) => p.stop(30_000)));
  await bus?.close();
  await receiver?.close();
  await redis?.kill();
  const conn = await connect(AMQP_URL).catch(() => null);
  if (conn) {
    const ch = await conn.createChannel();
    await ch.deleteExchange(exchange);
    await conn.close();
  }
  if (dir) await rm(dir, { recursive: true, force: true });
}, 120_000);

async function ready(app: string): Promise<{ status: number; body: ReadyBody }> {
  const res = await fetch(`${procs[app]!.url}/health/ready`);
  return { status: res.status, body: (await res.json()) as ReadyBody };
}

async function scrape(app: string): Promise<{ text: string; samples: Sample[] }> {
  const res = await fetch(`${procs[app]!.url}/metrics`, { headers: auth });
  expect(res.status).toBe(200);
  const text = await res.text();
  return { text, samples: parseExposition(text) };
}

async function ingest(events: readonly object[]): Promise<void> {
  for (let i = 0; i < events.length; i += 1000) {
    const res = await fetch(`${procs.ingestion!.url}/v1/telemetry`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify(events.slice(i, i + 1000)) });
    expect(res.status).toBe(202);
  }
}

describe('operations of the services over Kafka', () => {
  it('reports every dependency of each app in /health/ready, with its check latency', async () => {
    const expected: Record<string, string[]> = {
      detection: ['bus', 'redis'],
      ingestion: ['bus', 'redis'],
      alerting: ['bus', 'redis', 'alert-state', 'rabbitmq'],
      storage: ['store', 'bus'],
    };
    for (const [app, names] of Object.entries(expected)) {
      // RabbitMQ may still be connecting right after start-up.
      const { status, body } = await until(async () => {
        const r = await ready(app);
        return r.status === 200 && r;
      }, `${app} to be ready`, 20_000, 200);
      expect(status).toBe(200);
      expect(body.status).toBe('ready');
      expect(body.checks.map((c) => c.name)).toEqual(names);
      for (const c of body.checks) {
        expect(c.ok).toBe(true);
        expect(c.latency_ms).toBeGreaterThanOrEqual(0);
        expect(c.latency_ms).toBeLessThan(2_000);
      }
    }
    const api = await ready('api');
    expect(api.status).toBe(503);
    expect(api.body.checks.map((c) => [c.name, c.ok])).toEqual([
      ['store', false],
      ['bus', true],
    ]);
  });

  it('serves /metrics in every app that promtool accepts, with the counts of the traffic and bounded labels', async () => {
    const unlisted = Array.from({ length: 20 }, (_, i) => sampleTelemetry({ service_name: 'ops-test', model: UNLISTED, timestamp: new Date(END + i * 1000).toISOString() }));
    await ingest([...traffic.events, ...unlisted]);
    // Producers on the raw topic: records that are not JSON, JSON that fails validation, an empty batch, and a good one.
    const good = sampleTelemetry({ service_name: 'raw-producer', model: UNLISTED, timestamp: new Date(END + 60_000).toISOString() });
    const invalid = { ...sampleTelemetry({ service_name: 'raw-producer' }), latency_ms: -5 };
    await bus.topic(TOPICS.raw).publish(
      ['{"event_id": oops', 'not json at all', JSON.stringify(invalid), '[]', JSON.stringify(good)].map((v, i) => ({ key: `raw-${i}`, value: Buffer.from(v) })),
    );
    const sent = traffic.events.length + unlisted.length + 1;

    const m: Record<string, Sample[]> = {};
    await until(
      async () => {
        for (const app of ['ingestion', 'detection', 'storage', 'alerting', 'api']) m[app] = (await scrape(app)).samples;
        return (
          total(m.detection!, 'sentinel_detection_events_total') >= sent &&
          total(m.storage!, 'sentinel_records_in_total', { stage: 'storage', source: 'telemetry', result: 'stored' }) >= sent &&
          total(m.ingestion!, 'sentinel_dlq_records_total') >= 4 &&
          total(m.alerting!, 'sentinel_webhook_deliveries_total', { result: 'delivered' }) > 0 &&
          total(m.alerting!, 'sentinel_amqp_publishes_total', { result: 'confirmed' }) > 0
        );
      },
      'the traffic to reach every app',
      120_000,
      500,
    );

    for (const app of ['ingestion', 'detection', 'storage', 'alerting', 'api']) {
      const { text, samples } = await scrape(app);
      const check = await promtoolCheckMetrics(text);
      expect({ app, output: check.output, code: check.code }).toEqual({ app, output: '', code: 0 });
      expect(unboundedLabels(samples, [UNLISTED, 'gemini', 'llama'])).toEqual([]);
      expect(total(samples, 'sentinel_process_cpu_seconds_total')).toBeGreaterThan(0);
      m[app] = samples;
    }

    const { ingestion, detection, storage, alerting, api } = m as Record<string, Sample[]>;
    // Ingestion: records in by source and result, out to the telemetry topic, and the DLQ by reason code.
    expect(total(ingestion!, 'sentinel_records_in_total', { stage: 'ingestion', source: 'http', result: 'accepted' })).toBe(sent - 1);
    expect(total(ingestion!, 'sentinel_records_in_total', { stage: 'ingestion', source: 'kafka', result: 'accepted' })).toBe(1);
    expect(total(ingestion!, 'sentinel_records_in_total', { stage: 'ingestion', source: 'kafka', result: 'rejected' })).toBe(4);
    expect(total(ingestion!, 'sentinel_records_out_total', { stage: 'ingestion', topic: TOPICS.telemetry })).toBe(sent);
    expect(total(ingestion!, 'sentinel_dlq_records_total', { stage: 'ingestion-raw', reason: 'invalid_json' })).toBe(2);
    expect(total(ingestion!, 'sentinel_dlq_records_total', { stage: 'ingestion-raw', reason: 'validation' })).toBe(1);
    expect(total(ingestion!, 'sentinel_dlq_records_total', { stage: 'ingestion-raw', reason: 'empty_batch' })).toBe(1);
    expect(total(ingestion!, 'sentinel_records_out_total', { stage: 'ingestion-raw', topic: TOPICS.telemetryDlq })).toBe(4);
    expect(total(ingestion!, 'sentinel_http_request_duration_seconds_count', { route: '/v1/telemetry', status_code: '202' })).toBeGreaterThan(0);

    // Detection: events by allow-listed model (the rest as "other"), anomalies, what it published, its state.
    for (const model of LISTED) expect(total(detection!, 'sentinel_detection_events_total', { model })).toBeGreaterThan(0);
    expect(total(detection!, 'sentinel_detection_events_total', { model: 'other' })).toBeGreaterThanOrEqual(unlisted.length + 1);
    expect(new Set(detection!.filter((s) => s.name === 'sentinel_detection_events_total').map((s) => s.labels.model))).toEqual(new Set([...LISTED, 'other']));
    const anomalies = total(detection!, 'sentinel_anomalies_total');
    expect(anomalies).toBeGreaterThan(0);
    expect(total(detection!, 'sentinel_records_out_total', { stage: 'detection', topic: TOPICS.anomalies })).toBe(anomalies);
    expect(total(detection!, 'sentinel_records_out_total', { stage: 'detection', topic: TOPICS.baselines })).toBeGreaterThan(0);
    expect(total(detection!, 'sentinel_active_series')).toBeGreaterThan(0);
    expect(detection!.some((s) => s.name === 'sentinel_checkpoint_age_seconds')).toBe(true);

    // Storage: rows written, and how long the writes took.
    expect(total(storage!, 'sentinel_store_write_duration_seconds_count', { kind: 'telemetry' })).toBeGreaterThan(0);
    expect(total(storage!, 'sentinel_records_in_total', { stage: 'storage', source: 'anomaly', result: 'stored' })).toBeGreaterThan(0);

    // Alerting: anomalies in, webhook deliveries and their latency, RabbitMQ confirms.
    expect(total(alerting!, 'sentinel_records_in_total', { stage: 'alerting', source: 'bus', result: 'accepted' })).toBeGreaterThan(0);
    expect(total(alerting!, 'sentinel_alerts_routed_total', { outcome: 'sent' })).toBeGreaterThan(0);
    expect(total(alerting!, 'sentinel_webhook_request_duration_seconds_count', { result: 'delivered' })).toBeGreaterThan(0);

    // Consumer lag: one series per partition of each group of the process, with the namespaced names Kafka knows.
    const lag = (samples: Sample[], group: string, topic: string) => samples.filter((s) => s.name === 'sentinel_consumer_lag_records' && s.labels.group === namespace + group && s.labels.topic === namespace + topic);
    const groups: Array<[Sample[], string, string]> = [
      [ingestion!, 'sentinel-ingestion-raw', TOPICS.raw],
      [detection!, 'sentinel-detection', TOPICS.telemetry],
      [storage!, 'sentinel-storage-telemetry', TOPICS.telemetry],
      [storage!, 'sentinel-storage-anomalies', TOPICS.anomalies],
      [alerting!, 'sentinel-alerting', TOPICS.anomalies],
    ];
    for (const [samples, group, topic] of groups) {
      const series = lag(samples, group, topic);
      expect(series.length, `${group} lag series`).toBeGreaterThan(0);
      expect(series.length).toBeLessThanOrEqual(PARTITIONS);
      expect(series.every((s) => s.value >= 0 && /^\d+$/.test(s.labels.partition!))).toBe(true);
    }

    // The api process: its requests, by route pattern.
    expect(total(api!, 'sentinel_http_request_duration_seconds_count', { route: '/metrics' })).toBeGreaterThan(0);
  }, 180_000);

  it('turns /health/ready false while Redis is down, naming it, and true once it is back', async () => {
    await redis.kill();
    for (const app of REDIS_APPS) {
      const { status, body } = await until(async () => {
        const r = await ready(app);
        return r.status === 503 && r;
      }, `${app} to notice Redis is down`, 15_000, 100);
      expect(body.status).toBe('not_ready');
      const check = body.checks.find((c) => c.name === 'redis');
      expect(check, app).toMatchObject({ ok: false });
      expect(check!.error).toMatch(/redis/i);
      // Down is answered at once, not after the probe's timeout.
      expect(check!.latency_ms).toBeLessThan(2_000);
      expect(body.checks.filter((c) => !c.ok).map((c) => c.name).every((n) => n === 'redis' || n === 'alert-state')).toBe(true);
      expect(status).toBe(503);
    }
    // The storage process does not use Redis: still ready.
    expect((await ready('storage')).status).toBe(200);

    await redis.start();
    for (const app of REDIS_APPS) {
      const { body } = await until(async () => {
        const r = await ready(app);
        return r.status === 200 && r;
      }, `${app} to see Redis again`, 30_000, 200);
      expect(body.checks.find((c) => c.name === 'redis')).toMatchObject({ ok: true });
    }
  }, 90_000);
});
