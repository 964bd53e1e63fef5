import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { Webhook } from 'standardwebhooks';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sampleAnomaly } from '@sentinel/contracts';
import { AlertRouter, MemoryAlertState, WebhookDispatcher, assertPublicTarget, generateWebhookSecret, isPrivateAddress, type Delivery, type Subscription, type WebhookDispatcherOptions } from '../src/index.js';
import { startReceiver } from './receiver.js';

const logger = pino({ level: 'silent' });
const receivers: Array<{ close: () => Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((r) => r.close()));
});

async function receiver(statuses: number[] = []) {
  const r = await startReceiver(statuses);
  receivers.push(r);
  return r;
}

function subscription(url: string, overrides: Partial<Subscription> = {}): Subscription {
  return { id: 'ops', name: 'ops', url, secrets: [{ secret: generateWebhookSecret(), expiresAt: null }], minSeverity: 'low', services: [], models: [], anomalyTypes: [], enabled: true, managedBy: 'api', createdAt: 0, updatedAt: 0, ...overrides };
}

let clock: number;
let state: MemoryAlertState;
beforeEach(() => {
  clock = Date.now();
  state = new MemoryAlertState();
});

const routerOptions = { dedupWindowMs: 0, groupWaitMs: 0, groupIntervalMs: 0, groupBy: ['service'] as const, retryHorizonMs: 60_000, amqpExchange: null };

function dispatcher(overrides: Partial<WebhookDispatcherOptions> = {}) {
  return new WebhookDispatcher(state, {
    timeoutMs: 2000,
    retry: { baseMs: 1000, maxDelayMs: 8000 },
    breaker: { failureThreshold: 100, resetTimeoutMs: 10_000 },
    allowPrivateTargets: true,
    concurrency: 8,
    logger,
    now: () => clock,
    random: () => 1,
    ...overrides,
  });
}

async function only(target = 'ops'): Promise<Delivery> {
  const [d, ...rest] = await state.deliveries.list({ target, limit: 10 });
  expect(rest).toHaveLength(0);
  return d!;
}

describe('WebhookDispatcher', () => {
  it('signs each delivery so a Standard Webhooks verifier accepts it, and not a tampered or stale one', async () => {
    const r = await receiver();
    const sub = subscription(r.url);
    await state.subscriptions.put(sub);
    const anomaly = sampleAnomaly();
    await new AlertRouter(state, routerOptions).route([anomaly], clock);
    await dispatcher().dispatchDue();

    const { headers, body } = r.received[0]!;
    const h = headers as Record<string, string>;
    const verified = new Webhook(sub.secrets[0]!.secret).verify(body, h) as { type: string; data: { alert_id: string; occurrences: number } };
    expect(verified.type).toBe('anomaly.detected');
    expect(verified.data).toMatchObject({ alert_id: anomaly.alert_id, occurrences: 1 });
    expect(h['webhook-id']).toBe(`msg_${anomaly.alert_id}`);
    expect(() => new Webhook(sub.secrets[0]!.secret).verify(body.replace('"occurrences":1', '"occurrences":2'), h)).toThrow();
    expect(() => new Webhook(sub.secrets[0]!.secret).verify(body, { ...h, 'webhook-timestamp': String(Math.floor(Date.now() / 1000) - 3600) })).toThrow();
    expect(() => new Webhook(generateWebhookSecret()).verify(body, h)).toThrow();
    expect(await only()).toMatchObject({ status: 'delivered', nextAttemptAt: null, attempts: [{ ok: true, status: 200 }] });
  });

  it('signs with every secret in a rotation overlap, and stops using the old one when it expires', async () => {
    const r = await receiver();
    const [current, previous] = [generateWebhookSecret(), generateWebhookSecret()];
    await state.subscriptions.put(subscription(r.url, { secrets: [{ secret: current, expiresAt: null }, { secret: previous, expiresAt: clock + 1000 }] }));
    await new AlertRouter(state, routerOptions).route([sampleAnomaly({ alert_id: 'a1' })], clock);
    await dispatcher().dispatchDue();
    const first = r.received[0]!;
    expect(String(first.headers['webhook-signature']).split(' ')).toHaveLength(2);
    for (const secret of [current, previous]) expect(() => new Webhook(secret).verify(first.body, first.headers as Record<string, string>)).not.toThrow();

    clock += 1000;
    await new AlertRouter(state, routerOptions).route([sampleAnomaly({ alert_id: 'a2' })], clock);
    await dispatcher().dispatchDue();
    const second = r.received[1]!;
    expect(() => new Webhook(previous).verify(second.body, second.headers as Record<string, string>)).toThrow();
    expect(() => new Webhook(current).verify(second.body, second.headers as Record<string, string>)).not.toThrow();
  });

  it('retries failures on an exponential schedule kept in the state, with the same webhook-id', async () => {
    const r = await receiver([500, 503, 404]);
    await state.subscriptions.put(subscription(r.url));
    await new AlertRouter(state, routerOptions).route([sampleAnomaly()], clock);
    const d = dispatcher();
    const start = clock;
    await d.dispatchDue();
    expect(await only()).toMatchObject({ status: 'pending', nextAttemptAt: start + 1000 });
    clock += 999;
    await d.dispatchDue();
    expect(r.received).toHaveLength(1);
    for (const wait of [1, 2000, 4000]) {
      clock += wait;
      await d.dispatchDue();
    }
    const done = await only();
    expect(done.status).toBe('delivered');
    expect(done.attempts.map((a) => [a.at - start, a.status])).toEqual([
      [0, 500],
      [1000, 503],
      [3000, 404],
      [7000, 200],
    ]);
    expect(new Set(r.received.map((x) => x.headers['webhook-id'])).size).toBe(1);
  });

  it('dead-letters a delivery past its horizon, and a retry by hand starts it again', async () => {
    const r = await receiver(Array(20).fill(500));
    await state.subscriptions.put(subscription(r.url));
    await new AlertRouter(state, { ...routerOptions, retryHorizonMs: 10_000 }).route([sampleAnomaly()], clock);
    const d = dispatcher();
    for (let i = 0; i < 10; i++) {
      await d.dispatchDue();
      clock += 8000;
    }
    const dead = await only();
    expect(dead.status).toBe('dead');
    // Attempts at 0, 8 s and 16 s: the retry after that would fall past the 10 s horizon.
    expect(dead.attempts.map((a) => a.at - dead.createdAt)).toEqual([0, 8000, 16_000]);
    expect(await state.deliveries.list({ status: 'dead', limit: 10 })).toHaveLength(1);
  });

  it('opens the circuit after consecutive failures and lets one probe through after the cool-down', async () => {
    const r = await receiver([500, 500, 500]);
    await state.subscriptions.put(subscription(r.url));
    await new AlertRouter(state, routerOptions).route(['a', 'b', 'c', 'd'].map((alert_id) => sampleAnomaly({ alert_id, series_key: alert_id })), clock);
    const d = dispatcher({ concurrency: 1, breaker: { failureThreshold: 2, resetTimeoutMs: 60_000 } });
    await d.dispatchDue();
    expect(r.received).toHaveLength(2); // two failures open the circuit; c and d are not attempted
    const waiting = await state.deliveries.list({ limit: 10 });
    expect(waiting.filter((x) => x.attempts.length === 0).map((x) => x.nextAttemptAt)).toEqual([clock + 60_000, clock + 60_000]);
    clock += 60_000;
    await d.dispatchDue();
    expect(r.received).toHaveLength(3); // the probe fails: open again, nothing else sent
    clock += 60_000;
    await d.dispatchDue();
    expect((await state.deliveries.list({ status: 'delivered', limit: 10 })).length).toBeGreaterThan(0);
  });

  it('sends each subscription only the alerts its filters ask for', async () => {
    const r = await receiver();
    for (const sub of [
      subscription(r.url, { id: 'critical-only', minSeverity: 'critical' }),
      subscription(r.url, { id: 'search-only', services: ['search'] }),
      subscription(r.url, { id: 'latency', anomalyTypes: ['latency_spike'], models: ['gpt-4o'] }),
      subscription(r.url, { id: 'paused', enabled: false }),
    ])
      await state.subscriptions.put(sub);
    await new AlertRouter(state, routerOptions).route([sampleAnomaly({ severity: 'high', service_name: 'checkout', anomaly_type: 'latency_spike', model: 'gpt-4o' })], clock);
    expect((await state.deliveries.list({ limit: 10 })).map((d) => d.target)).toEqual(['latency']);
  });

  it('refuses loopback and private targets unless allowed', async () => {
    const r = await receiver();
    await state.subscriptions.put(subscription(r.url));
    await new AlertRouter(state, routerOptions).route([sampleAnomaly()], clock);
    await dispatcher({ allowPrivateTargets: false }).dispatchDue();
    expect((await only()).attempts[0]!.error).toMatch(/non-public address 127\.0\.0\.1/);
    expect(r.received).toHaveLength(0);
    for (const a of ['10.1.2.3', '192.168.0.1', '169.254.169.254', '::1', 'fd00::1', '::ffff:127.0.0.1']) expect(isPrivateAddress(a)).toBe(true);
    for (const a of ['93.184.216.34', '2606:4700::1111']) expect(isPrivateAddress(a)).toBe(false);
    await expect(assertPublicTarget('http://[::1]:9/x')).rejects.toThrow(/non-public/);
  });

  it('sends the user and password of a subscription URL as basic auth', async () => {
    const r = await receiver();
    await state.subscriptions.put(subscription(r.url.replace('http://', 'http://alert%40ops:s%3Acret@')));
    await new AlertRouter(state, routerOptions).route([sampleAnomaly()], clock);
    await dispatcher().dispatchDue();
    expect(r.received[0]!.headers.authorization).toBe(`Basic ${Buffer.from('alert@ops:s:cret').toString('base64')}`);
  });

  it('gives up on an endpoint that does not answer within the timeout, and retries it later', async () => {
    const silent = await listen(() => undefined);
    await state.subscriptions.put(subscription(silent.url));
    await new AlertRouter(state, routerOptions).route([sampleAnomaly()], clock);
    await dispatcher({ timeoutMs: 200 }).dispatchDue();
    expect(await only()).toMatchObject({ status: 'pending', nextAttemptAt: clock + 1000, attempts: [{ ok: false, status: null, error: 'no answer within 200 ms' }] });
  });

  it('does not follow a redirect, and records a refused connection by its code', async () => {
    const elsewhere = await receiver();
    const redirecting = await listen((res) => res.writeHead(307, { location: elsewhere.url }).end());
    await state.subscriptions.put(subscription(redirecting.url));
    await new AlertRouter(state, routerOptions).route([sampleAnomaly()], clock);
    await dispatcher().dispatchDue();
    expect((await only()).attempts).toMatchObject([{ ok: false, status: 307, error: 'HTTP 307' }]);
    expect(elsewhere.received).toHaveLength(0);

    const closed = await listen(() => undefined);
    await closed.close();
    await state.subscriptions.put(subscription(closed.url, { id: 'gone' }));
    await new AlertRouter(state, routerOptions).route([sampleAnomaly({ alert_id: 'b', series_key: 'b' })], clock);
    await dispatcher().dispatchDue();
    expect((await only('gone')).attempts).toMatchObject([{ ok: false, status: null, error: 'ECONNREFUSED' }]);
  });

  it('keeps attempting the deliveries claimed after one to a slow endpoint while it waits', async () => {
    // The slow endpoint answers once the fast one has had all of its deliveries (or fails after 5 s), so
    // it is delivered only if one pass went on claiming and sending while its attempt was in flight.
    const fast = await receiver();
    const held: ServerResponse[] = [];
    const slow = await listen((res) => held.push(res));
    const fastCount = 20;
    const giveUp = setTimeout(() => held.forEach((res) => res.writeHead(500).end()), 5000);
    const release = setInterval(() => {
      if (fast.received.length < fastCount || held.length === 0) return;
      clearInterval(release);
      clearTimeout(giveUp);
      held.forEach((res) => res.writeHead(204).end());
    }, 5);
    try {
      await state.subscriptions.put(subscription(slow.url, { id: 'slow', services: ['slow'] }));
      await state.subscriptions.put(subscription(fast.url, { id: 'fast', services: ['fast'] }));
      const router = new AlertRouter(state, routerOptions);
      await router.route([sampleAnomaly({ alert_id: 'slow-1', service_name: 'slow' })], clock);
      await router.route(Array.from({ length: fastCount }, (_, i) => sampleAnomaly({ alert_id: `fast-${i}`, series_key: `fast-${i}`, service_name: 'fast' })), clock);
      // Two attempts at once, claims of 8: the first claim is the slow delivery and 7 fast ones.
      await dispatcher({ concurrency: 2 }).dispatchDue();
      expect(fast.received).toHaveLength(fastCount);
      expect(await only('slow')).toMatchObject({ status: 'delivered', attempts: [{ ok: true, status: 204 }] });
    } finally {
      clearInterval(release);
      clearTimeout(giveUp);
    }
  });
});

/** A loopback server that hands each request's response to `answer` (which may keep it unanswered). */
async function listen(answer: (res: ServerResponse) => void): Promise<{ url: string; close: () => Promise<void> }> {
  const server = createServer((req, res) => req.resume().on('end', () => answer(res)));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const closing = { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
  receivers.push({ close: () => (server.closeAllConnections(), closing.close()).catch(() => undefined) });
  return closing;
}
