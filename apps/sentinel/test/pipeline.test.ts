import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnomalyEvent } from '@sentinel/contracts';
import { generateWebhookSecret } from '@sentinel/alerts';
import { startReceiver } from '../../../libs/alerts/test/receiver.js';
import { detectionsOf, generateTraffic } from '../src/demo/traffic.js';
import { KEYS, bearer, startTestSentinel, type TestSentinel } from './harness.js';

const END = Date.parse('2025-06-02T00:00:00Z');
const SPAN = 6 * 3_600_000;
const traffic = generateTraffic({ events: 20_000, spanMs: SPAN, endMs: END, seed: 11 });
const secret = generateWebhookSecret();

let receiver: Awaited<ReturnType<typeof startReceiver>>;
let s: TestSentinel;

beforeAll(async () => {
  receiver = await startReceiver();
  s = await startTestSentinel({
    alerting: { allowPrivateTargets: true, webhooks: [{ id: 'ops', url: receiver.url, secret, minSeverity: 'high' }] },
  });
});
afterAll(async () => {
  await s.dispose();
  await receiver.close();
});

async function ingest(sentinel: TestSentinel): Promise<void> {
  for (let i = 0; i < traffic.events.length; i += 2000) {
    const res = await sentinel.http.inject({ method: 'POST', url: '/v1/telemetry', headers: bearer(KEYS.ingest), payload: traffic.events.slice(i, i + 2000) });
    expect(res.statusCode).toBe(202);
  }
  await sentinel.settle();
}

async function allAnomalies(sentinel: TestSentinel): Promise<AnomalyEvent[]> {
  const out: AnomalyEvent[] = [];
  let cursor = '';
  do {
    const res = await sentinel.http.inject({ url: `/v1/anomalies?limit=500&from=${END - SPAN}${cursor ? `&cursor=${cursor}` : ''}`, headers: bearer(KEYS.read) });
    const page = res.json() as { data: AnomalyEvent[]; next_cursor: string | null };
    out.push(...page.data);
    cursor = page.next_cursor ?? '';
  } while (cursor);
  return out;
}

describe('sentinel all, end to end', () => {
  let first: AnomalyEvent[];

  it('detects every injected anomaly from HTTP ingest to the query API', async () => {
    await ingest(s);
    first = await allAnomalies(s);
    for (const inj of traffic.injections) expect(detectionsOf(inj, first).length, `${inj.kind} on ${inj.service}/${inj.model}`).toBeGreaterThan(0);
    const sample = detectionsOf(traffic.injections.find((i) => i.kind === 'latency_spike')!, first)[0]!;
    expect(sample.explanation).toMatch(/latency_ms .* of gpt-4o in checkout/);
    expect(sample.detectors.length).toBeGreaterThanOrEqual(3);
    const one = await s.http.inject({ url: `/v1/anomalies/${sample.alert_id}`, headers: bearer(KEYS.read) });
    expect(one.json()).toEqual(sample);
  });

  it('keeps false alarms rare on the normal traffic around the injections', () => {
    const explained = new Set(traffic.injections.flatMap((inj) => detectionsOf(inj, first, true)).map((a) => a.alert_id));
    const unexplained = first.filter((a) => !explained.has(a.alert_id));
    expect(unexplained.length / traffic.events.length).toBeLessThan(0.01);
  });

  it('stores the telemetry and answers aggregates over it', async () => {
    const raw = await s.http.inject({ url: `/v1/telemetry?from=${END - SPAN}&to=${END}&limit=10000&service=checkout&model=gpt-4o`, headers: bearer(KEYS.read) });
    const expected = traffic.events.filter((e) => e.service_name === 'checkout' && e.model === 'gpt-4o').length;
    expect(raw.json().data).toHaveLength(Math.min(expected, 10_000));
    const agg = await s.http.inject({ url: `/v1/telemetry?from=${END - SPAN}&to=${END}&service=checkout&model=gpt-4o&metric=latency_ms&step=1h&agg=p50`, headers: bearer(KEYS.read) });
    const buckets = agg.json().data as Array<{ value: number; count: number }>;
    expect(buckets).toHaveLength(6);
    expect(buckets.reduce((n, b) => n + b.count, 0)).toBe(expected);
    expect(buckets[0]!.value).toBeGreaterThan(700);
    expect(buckets[0]!.value).toBeLessThan(1100);
  });

  it('sends signed webhooks for the anomalies that pass the subscriber filter', async () => {
    const wanted = first.filter((a) => a.severity === 'high' || a.severity === 'critical');
    expect(wanted.length).toBeGreaterThan(0);
    const deadline = Date.now() + 10_000;
    while (receiver.received.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(receiver.received.length).toBeGreaterThan(0);
    expect(receiver.received.length).toBeLessThanOrEqual(wanted.length);
    const ids = new Set(wanted.map((a) => a.alert_id));
    for (const { body, headers } of receiver.received) {
      const payload = new Webhook(secret).verify(body, headers as Record<string, string>) as { data: AnomalyEvent };
      expect(ids.has(payload.data.alert_id)).toBe(true);
    }
  });

  it('survives a restart, and a replay of the same traffic stores nothing twice', async () => {
    s = await s.restart();
    expect((await allAnomalies(s)).length).toBe(first.length);
    await ingest(s);
    const again = await allAnomalies(s);
    expect(again.map((a) => a.alert_id).sort()).toEqual(first.map((a) => a.alert_id).sort());
    const raw = await s.http.inject({ url: `/v1/telemetry?from=${END - SPAN}&to=${END}&limit=10000&service=search`, headers: bearer(KEYS.read) });
    expect(raw.json().data).toHaveLength(traffic.events.filter((e) => e.service_name === 'search').length);
  });
});
