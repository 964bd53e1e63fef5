// Against the real local RabbitMQ node (scripts/dev-up.sh rabbitmq). Some tests stop and start its app
// (scripts/rabbitmq-restart.sh) or raise its memory alarm, so nothing else may rely on that broker while
// this file runs; a lock keeps two runs of this file (e.g. two `make test` at once) from overlapping.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Writable } from 'node:stream';
import { connect, type Channel, type ChannelModel } from 'amqplib';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { acquireAmqpLock } from '../../../testing/amqp-lock.js';
import { portOpen } from '../../../testing/port.js';
import { AmqpAlertPublisher, AmqpPublishError, alertRoutingKey, redactUrl, topicWord, type AmqpAlertMessage } from '../src/amqp.js';

const BROKER = process.env.RABBITMQ_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
// Exchanges are durable and outlive the run: a fresh namespace per run keeps runs (and their leftovers) apart.
const NAMESPACE = `test-${process.pid}-${Date.now().toString(36)}`;
const DURABLE_QUEUE = `${NAMESPACE}.durable`;
const run = promisify(execFile);
const silent = pino({ level: 'silent' });

/** `start` also boots the node (dev-up) when it is not running at all. */
async function broker(action: 'stop' | 'start'): Promise<void> {
  await run('bash', [`${ROOT}/scripts/rabbitmq-restart.sh`, action], { cwd: ROOT, timeout: 120_000 });
}

async function ctl(...args: string[]): Promise<void> {
  await run('bash', [`${ROOT}/scripts/rabbitmqctl.sh`, '-q', ...args], { cwd: ROOT, timeout: 30_000 });
}

let releaseLock: (() => void) | null = null;

const publishers: AmqpAlertPublisher[] = [];
const connections: ChannelModel[] = [];

function publisher(logger = silent): AmqpAlertPublisher {
  // Short back-off so the tests do not wait long for the reconnect after the broker is back.
  const p = new AmqpAlertPublisher({ url: BROKER, logger, namespace: NAMESPACE, reconnect: { initialDelayMs: 50, maxDelayMs: 500 } });
  publishers.push(p);
  return p;
}

async function consumerChannel(): Promise<Channel> {
  const conn = await connect(BROKER);
  conn.on('error', () => undefined); // the broker drill closes it under us
  connections.push(conn);
  return conn.createChannel();
}

/** An exclusive queue (gone with its connection) bound to the alerts exchange. */
async function boundQueue(ch: Channel, exchange: string, ...patterns: string[]): Promise<string> {
  const { queue } = await ch.assertQueue('', { exclusive: true });
  for (const p of patterns) await ch.bindQueue(queue, exchange, p);
  return queue;
}

async function drain(ch: Channel, queue: string) {
  const got = [];
  for (let m = await ch.get(queue, { noAck: true }); m !== false; m = await ch.get(queue, { noAck: true })) got.push(m);
  return got;
}

/** A pino logger whose JSON lines are kept, to check what the publisher logs. */
function capturingLogger() {
  const lines: string[] = [];
  const logger = pino({ level: 'info' }, new Writable({ write: (chunk: Buffer, _enc, cb) => (lines.push(chunk.toString()), cb()) }));
  return { lines, logger };
}

function alert(id: string, severity: string, type: string): AmqpAlertMessage {
  return { id, routingKey: alertRoutingKey(severity, type), body: JSON.stringify({ alert_id: id, severity, anomaly_type: type }), headers: { 'x-severity': severity } };
}

beforeAll(async () => {
  releaseLock = await acquireAmqpLock();
  if (!(await portOpen('127.0.0.1', 5672))) await broker('start');
  // A run killed during the memory-alarm test would leave the node refusing all publishes.
  await ctl('set_vm_memory_high_watermark', '0.4');
}, 180_000);

afterEach(async () => {
  await Promise.all(publishers.splice(0).map((p) => p.close()));
  await Promise.all(connections.splice(0).map((c) => c.close().catch(() => undefined)));
});

afterAll(async () => {
  try {
    if (!(await portOpen('127.0.0.1', 5672))) await broker('start'); // whatever happened, leave the broker running
    const conn = await connect(BROKER);
    const ch = await conn.createChannel();
    await ch.deleteQueue(DURABLE_QUEUE);
    await ch.deleteExchange(`${NAMESPACE}.sentinel.alerts`);
    await conn.close();
  } finally {
    releaseLock?.();
  }
}, 120_000);

describe('alertRoutingKey', () => {
  it('builds alert.<severity>.<type> with words safe for topic bindings', () => {
    expect(alertRoutingKey('critical', 'latency_spike')).toBe('alert.critical.latency_spike');
    expect(alertRoutingKey('High', 'cost.spike')).toBe('alert.high.cost_spike');
    expect(alertRoutingKey('low', 'a#b*c')).toBe('alert.low.a_b_c');
    expect(alertRoutingKey(' ', 'tokens spike ✓')).toBe('alert._.tokens_spike_');
    expect(topicWord('x'.repeat(300))).toHaveLength(100);
    for (const key of [alertRoutingKey('a.b', '#.*'), alertRoutingKey('', '')]) expect(key.split('.')).toHaveLength(3);
  });

  it('redacts the password of a URL', () => {
    expect(redactUrl('amqp://guest:s3cret@host:5672/vh')).toBe('amqp://guest:***@host:5672/vh');
    expect(redactUrl('amqp://host')).toBe('amqp://host');
    expect(redactUrl('not a url //u:p@x')).toBe('not a url //u:***@x');
  });
});

describe('AmqpAlertPublisher (real RabbitMQ)', () => {
  it('routes by severity and type, persistent JSON with the alert id as messageId', async () => {
    const pub = publisher();
    await pub.start();
    expect(pub.exchange).toBe(`${NAMESPACE}.sentinel.alerts`);
    const ch = await consumerChannel();
    const critical = await boundQueue(ch, pub.exchange, 'alert.critical.#');
    const latency = await boundQueue(ch, pub.exchange, 'alert.*.latency_spike');

    await pub.publish([
      alert('a1', 'critical', 'latency_spike'),
      alert('a2', 'critical', 'cost_spike'),
      alert('a3', 'high', 'latency_spike'),
      alert('a4', 'low', 'error_rate'),
      alert('a5', 'medium', 'latency_spike'),
      alert('a6', 'critical', 'latency.spike'), // sanitised to latency_spike: must not become alert.critical.latency.spike
      { ...alert('a7', 'medium', 'latency_spike'), body: Buffer.from('{"raw":true}') },
    ]);
    await pub.publish([]);

    const gotCritical = await drain(ch, critical);
    const gotLatency = await drain(ch, latency);
    expect(gotCritical.map((m) => m.properties.messageId).sort()).toEqual(['a1', 'a2', 'a6']);
    expect(gotLatency.map((m) => m.properties.messageId).sort()).toEqual(['a1', 'a3', 'a5', 'a6', 'a7']);
    for (const m of [...gotCritical, ...gotLatency]) {
      expect(m.properties.deliveryMode).toBe(2);
      expect(m.properties.contentType).toBe('application/json');
      expect(m.fields.exchange).toBe(pub.exchange);
    }
    const a1 = gotCritical.find((m) => m.properties.messageId === 'a1')!;
    expect(JSON.parse(a1.content.toString())).toEqual({ alert_id: 'a1', severity: 'critical', anomaly_type: 'latency_spike' });
    expect(a1.properties.headers).toMatchObject({ 'x-severity': 'critical' });
  });

  it('rejects with the ids the broker nacked', async () => {
    const pub = publisher();
    await pub.start();
    const ch = await consumerChannel();
    // A full queue with overflow=reject-publish makes RabbitMQ nack what it cannot take.
    const { queue } = await ch.assertQueue('', { exclusive: true, arguments: { 'x-max-length': 1, 'x-overflow': 'reject-publish' } });
    await ch.bindQueue(queue, pub.exchange, 'alert.test.overflow');
    const err = await pub.publish([alert('n1', 'test', 'overflow'), alert('n2', 'test', 'overflow')]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AmqpPublishError);
    expect((err as AmqpPublishError).failedIds).toEqual(['n2']);
    expect((err as AmqpPublishError).nacked).toBe(1);
    expect((err as Error).message).toMatch(/did not confirm 1 of 2 .*nacked/);
    await pub.check(); // a nack is per message: the channel stays usable
  });

  it('rejects, not hangs, when the broker withholds confirms (memory alarm)', async () => {
    const { lines, logger } = capturingLogger();
    const pub = new AmqpAlertPublisher({ url: BROKER, logger, namespace: NAMESPACE, confirmTimeoutMs: 500 });
    publishers.push(pub);
    await pub.start();
    try {
      // A watermark of 0 raises the memory alarm: RabbitMQ blocks every publishing connection.
      await ctl('set_vm_memory_high_watermark', '0');
      // The alarm is raised by the node's memory monitor a moment later: publish until it bites.
      let n = 0;
      const err = await vi.waitFor(
        async () => {
          const e = await pub.publish([alert(`b${++n}`, 'low', 'x')]).catch((x: unknown) => x);
          expect(e).toBeInstanceOf(AmqpPublishError);
          return e as AmqpPublishError;
        },
        { timeout: 15_000, interval: 50 },
      );
      expect(err.failedIds).toEqual([`b${n}`]);
      expect(err.message).toMatch(/not confirmed within 500 ms/);
      // RabbitMQ tells a connection it is blocked once it tries to publish.
      await vi.waitFor(() => expect(lines.join('')).toContain('RabbitMQ blocked publishing'), { timeout: 5_000, interval: 20 });
    } finally {
      await ctl('set_vm_memory_high_watermark', '0.4');
    }
    await vi.waitFor(() => pub.publish([alert('after-alarm', 'low', 'x')]), { timeout: 15_000, interval: 100 });
  });

  it('rejects while the broker is stopped, reconnects by itself, and logs no password', async () => {
    const { lines, logger } = capturingLogger();
    const pub = publisher(logger);
    await pub.start();
    // A durable queue (with its binding) must outlive the outage, and so must the persistent message in it.
    const setup = await consumerChannel();
    await setup.assertQueue(DURABLE_QUEUE, { durable: true });
    await setup.bindQueue(DURABLE_QUEUE, pub.exchange, 'alert.#');
    await pub.publish([alert('before', 'high', 'latency_spike')]);
    try {
      await broker('stop');
      await vi.waitFor(() => expect(pub.connected).toBe(false), { timeout: 10_000, interval: 20 });
      const t0 = Date.now();
      await expect(pub.publish([alert('during', 'high', 'latency_spike')])).rejects.toThrow(/RabbitMQ is unavailable at amqp:\/\/guest:\*\*\*@127\.0\.0\.1:5672/);
      expect(Date.now() - t0).toBeLessThan(100); // fails fast, does not wait for the broker
      await new Promise((r) => setTimeout(r, 1500)); // several reconnect attempts while it is down
    } finally {
      await broker('start');
    }
    await vi.waitFor(() => expect(pub.connected).toBe(true), { timeout: 15_000, interval: 50 });
    await pub.publish([alert('after', 'high', 'latency_spike')]);
    const ch = await consumerChannel(); // the first one died with the broker
    expect((await drain(ch, DURABLE_QUEUE)).map((m) => m.properties.messageId)).toEqual(['before', 'after']);

    const log = lines.join('');
    expect(log).not.toContain(':guest@');
    expect(log).toContain('amqp://guest:***@127.0.0.1:5672');
    const warnings = lines.map((l) => JSON.parse(l) as { level: number; msg: string; err?: string }).filter((l) => l.level === 40);
    // One line per distinct failure: the forced close, then "connection refused" once, not per retry.
    expect(warnings.length).toBeGreaterThanOrEqual(1);
    expect(warnings.length).toBeLessThanOrEqual(3);
    expect(new Set(warnings.map((w) => w.err)).size).toBe(warnings.length);
    expect(lines.some((l) => l.includes('RabbitMQ reconnected'))).toBe(true);
  });

  it('check() rejects while the broker is down and resolves once it is back', async () => {
    const pub = publisher();
    await pub.start();
    await expect(pub.check()).resolves.toBeUndefined();
    try {
      await broker('stop');
      await vi.waitFor(() => expect(pub.check()).rejects.toThrow(/RabbitMQ is unavailable/), { timeout: 10_000, interval: 20 });
    } finally {
      await broker('start');
    }
    await vi.waitFor(() => pub.check(), { timeout: 15_000, interval: 50 });
  });

  it('rejects publish and check after close()', async () => {
    const pub = publisher();
    await pub.start();
    await pub.close();
    await expect(pub.publish([alert('x', 'low', 'y')])).rejects.toThrow(/closed/);
    await expect(pub.check()).rejects.toThrow(/closed/);
  });
});
