import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Delivery } from '@sentinel/alerts';
import { alertStateContract } from '../../alerts/test/alert-state.contract.js';
import { portOpen } from '../../../testing/port.js';
import { RedisAlertState, type RedisAlertStateOptions } from '../src/redis-alert-state.js';
import { connectRedis } from '../src/redis.js';

// Needs a Redis: SENTINEL_TEST_REDIS_URL, or the local one of `bash scripts/dev-up.sh redis`, started here when it does not answer.
const URL_ = process.env.SENTINEL_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const RUN = `sentinel-test-alerting-${randomUUID()}:`;
let redis: Redis;
let namespaces = 0;

beforeAll(async () => {
  if (!process.env.SENTINEL_TEST_REDIS_URL && !(await portOpen('127.0.0.1', 6379))) {
    await promisify(execFile)('bash', ['scripts/dev-up.sh', 'redis'], { cwd: ROOT, timeout: 110_000 });
  }
  redis = await connectRedis({ url: URL_, logger: pino({ level: 'silent' }) });
}, 120_000);

afterAll(async () => {
  if (!redis) return;
  await deleteKeys(RUN);
  await redis.quit();
});

async function keysUnder(prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1_000);
    keys.push(...batch);
    cursor = next;
  } while (cursor !== '0');
  return keys;
}

async function deleteKeys(prefix: string): Promise<void> {
  const keys = await keysUnder(prefix);
  for (let i = 0; i < keys.length; i += 500) await redis.del(...keys.slice(i, i + 500));
}

/** A fresh namespace of this run. */
function fresh(options?: RedisAlertStateOptions): { namespace: string; state: RedisAlertState } {
  const namespace = `${RUN}${++namespaces}:`;
  return { namespace, state: new RedisAlertState(redis, namespace, options) };
}

alertStateContract('RedisAlertState', async () => {
  const { namespace, state } = fresh();
  return { state, cleanup: () => deleteKeys(namespace) };
});

const T = 1_000_000;

function delivery(id: string, target: string, createdAt: number): Delivery {
  return { id, channel: 'webhook', target, messageId: id, eventType: 'anomaly.detected', body: '{}', status: 'pending', createdAt, deadlineAt: createdAt + 86_400_000, attempts: [], nextAttemptAt: createdAt };
}

describe('RedisAlertState (Redis specifics)', () => {
  it('keeps every key under <namespace>alerting:', async () => {
    const { namespace, state } = fresh();
    await state.subscriptions.put({ id: 's', name: 's', url: 'https://x.example', secrets: [], minSeverity: 'low', services: [], models: [], anomalyTypes: [], enabled: true, managedBy: 'api', createdAt: T, updatedAt: T });
    await state.silences.put({ id: 's', matchers: [], startsAt: T, endsAt: T + 1, createdBy: 'k', comment: '', createdAt: T, updatedAt: T });
    await state.dedup.decide('series|type', 'a1', 1, T, 60_000);
    await state.groups.add('group', { alertId: 'a1', payload: '{}' }, T, 1_000, 60_000);
    await state.deliveries.enqueue([delivery('webhook:t:1', 't', T)]);
    await state.audit.append({ at: T, actor: 'system', action: 'test', target: 'x' });
    const keys = await keysUnder(namespace);
    expect(keys.length).toBeGreaterThanOrEqual(9);
    for (const key of keys) expect(key.startsWith(`${namespace}alerting:`)).toBe(true);
  });

  it('lets finished deliveries expire after the retention and keeps pending ones', async () => {
    const { namespace, state } = fresh({ deliveryRetentionMs: 3_600_000 });
    await state.deliveries.enqueue([delivery('webhook:t:1', 't', T), delivery('webhook:t:2', 't', T + 1)]);
    await state.deliveries.update({ ...delivery('webhook:t:1', 't', T), status: 'delivered', nextAttemptAt: null });
    const ttl = await redis.pttl(`${namespace}alerting:delivery:webhook:t:1`);
    expect(ttl).toBeGreaterThan(3_500_000);
    expect(ttl).toBeLessThanOrEqual(3_600_000);
    expect(await redis.pttl(`${namespace}alerting:delivery:webhook:t:2`)).toBe(-1);
    // Retried by hand: pending again, so it no longer expires.
    await state.deliveries.update({ ...delivery('webhook:t:1', 't', T), status: 'pending' });
    expect(await redis.pttl(`${namespace}alerting:delivery:webhook:t:1`)).toBe(-1);
  });

  it('skips deliveries whose record is gone, in claim and list', async () => {
    const { namespace, state } = fresh();
    await state.deliveries.enqueue([delivery('webhook:t:1', 't', T), delivery('webhook:t:2', 't', T + 1)]);
    await redis.del(`${namespace}alerting:delivery:webhook:t:1`);
    expect((await state.deliveries.list({ limit: 10 })).map((d) => d.id)).toEqual(['webhook:t:2']);
    expect((await state.deliveries.claim('webhook', T + 10, 10, 1_000)).map((d) => d.id)).toEqual(['webhook:t:2']);
    expect(await redis.zrange(`${namespace}alerting:deliveries:due:webhook`, 0, '-1')).toEqual(['webhook:t:2']);
  });

  it('trims the delivery log (overall and per target) to maxLogEntries, and the audit log to maxAuditEntries', async () => {
    const { state } = fresh({ maxLogEntries: 3, maxAuditEntries: 4 });
    await state.deliveries.enqueue([1, 2, 3, 4, 5].map((i) => delivery(`webhook:${i % 2 ? 'odd' : 'even'}:${i}`, i % 2 ? 'odd' : 'even', T + i)));
    await state.deliveries.enqueue([delivery('webhook:odd:7', 'odd', T + 7)]);
    expect((await state.deliveries.list({ limit: 100 })).map((d) => d.id)).toEqual(['webhook:odd:7', 'webhook:odd:5', 'webhook:even:4']);
    expect((await state.deliveries.list({ target: 'odd', limit: 100 })).map((d) => d.id)).toEqual(['webhook:odd:7', 'webhook:odd:5', 'webhook:odd:3']);
    expect((await state.deliveries.list({ target: 'even', limit: 100 })).map((d) => d.id)).toEqual(['webhook:even:4', 'webhook:even:2']);
    // Out of the log, still queued.
    expect(await state.deliveries.claim('webhook', T + 1, 10, 1_000)).toHaveLength(1);
    for (let i = 0; i < 6; i++) await state.audit.append({ at: T + i, actor: 'system', action: 'test', target: `t${i}` });
    expect((await state.audit.list({ limit: 100 })).map((e) => e.target)).toEqual(['t5', 't4', 't3', 't2']);
  });

  it('shares one state between instances on one namespace, e.g. leases across processes', async () => {
    const { namespace, state: a } = fresh();
    const b = new RedisAlertState(redis, namespace);
    await a.deliveries.enqueue([delivery('webhook:t:1', 't', T)]);
    await b.deliveries.enqueue([{ ...delivery('webhook:t:1', 't', T), body: 'other' }]);
    expect(await a.deliveries.claim('webhook', T, 10, 30_000)).toHaveLength(1);
    expect(await b.deliveries.claim('webhook', T + 29_999, 10, 30_000)).toEqual([]);
    expect((await b.deliveries.claim('webhook', T + 30_000, 10, 30_000))[0]?.body).toBe('{}');
    expect(await a.dedup.decide('k', 'a1', 1, T, 60_000)).toEqual({ send: true, count: 1 });
    expect(await b.dedup.decide('k', 'a2', 1, T + 1, 60_000)).toEqual({ send: false, count: 2 });
  });

  it('runs its scripts again after Redis forgot them (SCRIPT FLUSH, as after a restart)', async () => {
    const { state } = fresh();
    expect(await state.dedup.decide('k', 'a1', 1, T, 60_000)).toEqual({ send: true, count: 1 });
    await redis.script('FLUSH');
    expect(await state.dedup.decide('k', 'a2', 1, T + 1, 60_000)).toEqual({ send: false, count: 2 });
  });

  it('expires dedup windows and emptied groups on Redis’s clock only as garbage collection', async () => {
    const { namespace, state } = fresh();
    await state.dedup.decide('k', 'a1', 1, T, 60_000);
    const windowTtl = await redis.pttl(`${namespace}alerting:dedup:k`);
    expect(windowTtl).toBeGreaterThan(60_000);
    await state.groups.add('g', { alertId: 'a1', payload: '{}' }, T, 1_000, 60_000);
    expect(await redis.pttl(`${namespace}alerting:group:g`)).toBe(-1);
    await state.groups.ack('g', ['a1'], T + 1_000, 60_000);
    expect(await redis.pttl(`${namespace}alerting:group:g`)).toBeGreaterThan(60_000);
    await state.groups.add('g', { alertId: 'a2', payload: '{}' }, T + 2_000, 1_000, 60_000);
    expect(await redis.pttl(`${namespace}alerting:group:g`)).toBe(-1);
  });

  it('check() rejects while Redis is unreachable, and close() leaves the shared connection open', async () => {
    const down = new Redis({ host: '127.0.0.1', port: 1, lazyConnect: true, maxRetriesPerRequest: null });
    try {
      await expect(new RedisAlertState(down, RUN).check()).rejects.toThrow(/not connected/);
    } finally {
      down.disconnect();
    }
    const { state } = fresh();
    await state.close();
    await expect(state.check()).resolves.toBeUndefined();
    expect(await redis.ping()).toBe('PONG');
  });
});
