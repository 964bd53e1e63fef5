import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOPICS, sampleTelemetry } from '@sentinel/contracts';
import { generateWebhookSecret } from '@sentinel/alerts';
import { startReceiver } from '../../../libs/alerts/test/receiver.js';
import { generateTraffic } from '../src/demo/traffic.js';
import { KEYS, bearer, startTestSentinel, type TestSentinel } from './harness.js';
import { parseExposition, promtoolCheckMetrics, total, unboundedLabels } from './prometheus.js';
import { until } from '../../../testing/until.js';

const END = Date.parse('2025-06-02T00:00:00Z');
const traffic = generateTraffic({ events: 4000, spanMs: 4 * 3_600_000, endMs: END, seed: 11 });
const UNLISTED = 'tenant-finetune-7f3a';

let s: TestSentinel;
let receiver: Awaited<ReturnType<typeof startReceiver>>;
beforeAll(async () => {
  receiver = await startReceiver();
  s = await startTestSentinel({
    observability: { metrics: { models: ['gpt-4o', 'claude-3-5-sonnet'] } },
    alerting: { allowPrivateTargets: true, pollIntervalMs: 20, webhooks: [{ id: 'ops', url: receiver.url, secret: generateWebhookSecret(), minSeverity: 'low' }] },
  });
});
afterAll(async () => {
  await s.dispose();
  await receiver.close();
});

describe('/metrics of `sentinel all` after traffic', () => {
  it('passes promtool, has the values an operator looks for, and no unbounded label value', async () => {
    const headers = { ...bearer(KEYS.ingest), 'content-type': 'application/json' };
    for (let i = 0; i < traffic.events.length; i += 1000) {
      const res = await s.http.inject({ method: 'POST', url: '/v1/telemetry', headers, payload: JSON.stringify(traffic.events.slice(i, i + 1000)) });
      expect(res.statusCode).toBe(202);
    }
    const unlisted = Array.from({ length: 5 }, (_, i) => sampleTelemetry({ model: UNLISTED, timestamp: new Date(END + i).toISOString() }));
    expect((await s.http.inject({ method: 'POST', url: '/v1/telemetry', headers, payload: JSON.stringify(unlisted) })).statusCode).toBe(202);
    expect((await s.http.inject({ method: 'POST', url: '/v1/telemetry', headers, payload: JSON.stringify({ ...sampleTelemetry(), latency_ms: -1 }) })).statusCode).toBe(400);
    // A record no producer of Sentinel's would write: detection and storage dead-letter it.
    await s.bus.topic(TOPICS.telemetry).publish([{ key: 'bad', value: Buffer.from('{"event_id": oops') }]);
    const read = bearer(KEYS.read);
    expect((await s.http.inject({ url: '/v1/anomalies/00000000-0000-4000-8000-00000000abcd', headers: read })).statusCode).toBe(404);
    expect((await s.http.inject({ url: `/v1/no-such-route/00000000-0000-4000-8000-00000000abcd`, headers: bearer(KEYS.admin) })).statusCode).toBe(404);
    await s.settle();
    await until(() => receiver.received.length > 0, 'a webhook delivery', 20_000, 50);

    const res = await s.http.inject({ url: '/metrics', headers: read });
    expect(res.statusCode).toBe(200);
    const check = await promtoolCheckMetrics(res.body);
    expect(check.output).toBe('');
    expect(check.code).toBe(0);

    const m = parseExposition(res.body);
    expect(total(m, 'sentinel_records_in_total', { stage: 'ingestion', source: 'http', result: 'accepted' })).toBe(traffic.events.length + unlisted.length);
    expect(total(m, 'sentinel_records_in_total', { stage: 'ingestion', source: 'http', result: 'rejected' })).toBe(1);
    expect(total(m, 'sentinel_records_out_total', { stage: 'ingestion', topic: TOPICS.telemetry })).toBe(traffic.events.length + unlisted.length);
    expect(total(m, 'sentinel_records_out_total', { stage: 'detection', topic: TOPICS.anomalies })).toBeGreaterThan(0);
    expect(total(m, 'sentinel_records_out_total', { stage: 'detection', topic: TOPICS.baselines })).toBeGreaterThan(0);
    expect(total(m, 'sentinel_dlq_records_total', { stage: 'detection', reason: 'invalid_json' })).toBe(1);
    expect(total(m, 'sentinel_dlq_records_total', { stage: 'storage', reason: 'invalid_json' })).toBe(1);
    expect(total(m, 'sentinel_detection_events_total')).toBe(traffic.events.length + unlisted.length);
    expect(total(m, 'sentinel_detection_events_total', { model: 'gpt-4o' })).toBeGreaterThan(0);
    expect(total(m, 'sentinel_detection_events_total', { model: 'other' })).toBeGreaterThanOrEqual(unlisted.length);
    expect(total(m, 'sentinel_anomalies_total')).toBeGreaterThan(0);
    expect(total(m, 'sentinel_active_series')).toBeGreaterThan(0);
    expect(total(m, 'sentinel_webhook_deliveries_total', { result: 'delivered' })).toBeGreaterThan(0);
    expect(total(m, 'sentinel_store_write_duration_seconds_count', { kind: 'telemetry' })).toBeGreaterThan(0);
    // The in-memory bus reports its lag per group and partition; drained, it is 0.
    const lag = m.filter((x) => x.name === 'sentinel_consumer_lag_records');
    const groups = new Set(lag.map((x) => x.labels.group));
    for (const g of ['sentinel-detection', 'sentinel-storage-telemetry', 'sentinel-storage-anomalies', 'sentinel-storage-baselines', 'sentinel-alerting']) expect(groups).toContain(g);
    expect(lag.filter((x) => x.labels.topic === TOPICS.telemetry && x.labels.group === 'sentinel-detection')).toHaveLength(12);
    expect(lag.every((x) => x.value === 0)).toBe(true);
    // HTTP requests are labelled by route pattern; what matched no route is "unmatched", never its URL.
    const routes = new Set(m.filter((x) => x.name === 'sentinel_http_request_duration_seconds_count').map((x) => x.labels.route));
    expect(routes).toContain('/v1/telemetry');
    expect(routes).toContain('/v1/anomalies/:id');
    expect(routes).toContain('unmatched');
    expect(unboundedLabels(m, [UNLISTED, 'gemini', 'llama', 'no-such-route'])).toEqual([]);
  });
});
