import pino from 'pino';
import { Webhook } from 'standardwebhooks';
import { afterEach, describe, expect, it } from 'vitest';
import { sampleAnomaly } from '@sentinel/contracts';
import type { WebhookSubscriber } from '@sentinel/config';
import { AlertDeduplicator, WebhookNotifier, assertPublicTarget, generateWebhookSecret, isPrivateAddress } from '../src/index.js';
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

function subscriber(url: string, overrides: Partial<WebhookSubscriber> = {}): WebhookSubscriber {
  return { id: 'ops', url, secret: generateWebhookSecret(), minSeverity: 'low', services: [], models: [], anomalyTypes: [], ...overrides };
}

const options = { timeoutMs: 2000, maxAttempts: 3, retryBaseMs: 5, allowPrivateTargets: true, logger };

describe('WebhookNotifier', () => {
  it('signs each delivery so a Standard Webhooks verifier accepts it', async () => {
    const r = await receiver();
    const sub = subscriber(r.url);
    const anomaly = sampleAnomaly();
    const [result] = await new WebhookNotifier([sub], options).notify(anomaly, 3);
    expect(result).toMatchObject({ ok: true, attempts: 1, status: 200 });
    const { headers, body } = r.received[0]!;
    const verified = new Webhook(sub.secret).verify(body, headers as Record<string, string>) as { type: string; data: { alert_id: string; occurrences: number } };
    expect(verified.type).toBe('anomaly.detected');
    expect(verified.data).toMatchObject({ alert_id: anomaly.alert_id, occurrences: 3 });
    expect(headers['webhook-id']).toBe(`msg_${anomaly.alert_id}`);
    expect(() => new Webhook(generateWebhookSecret()).verify(body, headers as Record<string, string>)).toThrow();
  });

  it('retries retryable failures with the same webhook-id and gives up on a client error', async () => {
    const flaky = await receiver([503, 429]);
    const [ok] = await new WebhookNotifier([subscriber(flaky.url)], options).notify(sampleAnomaly(), 1);
    expect(ok).toMatchObject({ ok: true, attempts: 3 });
    expect(new Set(flaky.received.map((x) => x.headers['webhook-id'])).size).toBe(1);

    const rejecting = await receiver([400]);
    const [failed] = await new WebhookNotifier([subscriber(rejecting.url)], options).notify(sampleAnomaly(), 1);
    expect(failed).toMatchObject({ ok: false, status: 400, error: 'HTTP 400' });
    expect(rejecting.received).toHaveLength(1);
  });

  it('delivers only to subscribers whose filters match', async () => {
    const r = await receiver();
    const subs = [
      subscriber(r.url, { id: 'critical-only', minSeverity: 'critical' }),
      subscriber(r.url, { id: 'search-only', services: ['search'] }),
      subscriber(r.url, { id: 'latency', anomalyTypes: ['latency_spike'], models: ['gpt-4o'] }),
    ];
    const results = await new WebhookNotifier(subs, options).notify(sampleAnomaly({ severity: 'high', service_name: 'checkout' }), 1);
    expect(results.map((x) => x.subscriber)).toEqual(['latency']);
    expect(r.received).toHaveLength(1);
  });

  it('refuses loopback and private targets unless allowed', async () => {
    const r = await receiver();
    const [result] = await new WebhookNotifier([subscriber(r.url)], { ...options, allowPrivateTargets: false }).notify(sampleAnomaly(), 1);
    expect(result).toMatchObject({ ok: false, attempts: 0 });
    expect(result!.error).toMatch(/non-public address 127\.0\.0\.1/);
    expect(r.received).toHaveLength(0);
    for (const a of ['10.1.2.3', '192.168.0.1', '169.254.169.254', '::1', 'fd00::1', '::ffff:127.0.0.1']) expect(isPrivateAddress(a)).toBe(true);
    for (const a of ['93.184.216.34', '2606:4700::1111']) expect(isPrivateAddress(a)).toBe(false);
    await expect(assertPublicTarget('http://[::1]:9/x')).rejects.toThrow(/non-public/);
  });
});

describe('AlertDeduplicator', () => {
  it('sends the first anomaly of a series and type per window and counts the rest', () => {
    const d = new AlertDeduplicator(60_000);
    const a = sampleAnomaly();
    expect(d.decide(a, 0)).toEqual({ send: true, count: 1 });
    expect(d.decide(sampleAnomaly(), 1000)).toEqual({ send: false, count: 2 });
    expect(d.decide(a, 2000)).toEqual({ send: false, count: 2 });
    expect(d.decide(sampleAnomaly({ anomaly_type: 'cost_anomaly' }), 3000)).toEqual({ send: true, count: 1 });
    expect(d.decide(sampleAnomaly(), 60_000)).toEqual({ send: true, count: 1 });
  });

  it('sends an escalation within the window, but not a repeat of a severity already sent', () => {
    const d = new AlertDeduplicator(60_000);
    expect(d.decide(sampleAnomaly({ severity: 'low' }), 0).send).toBe(true);
    expect(d.decide(sampleAnomaly({ severity: 'critical' }), 1).send).toBe(true);
    expect(d.decide(sampleAnomaly({ severity: 'high' }), 2)).toEqual({ send: false, count: 3 });
  });
});
