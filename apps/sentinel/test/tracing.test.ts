import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleTelemetry } from '@sentinel/contracts';
import { generateWebhookSecret } from '@sentinel/alerts';
import { startTracing, type Tracing } from '@sentinel/observability';
import { startReceiver } from '../../../libs/alerts/test/receiver.js';
import { until } from '../../../testing/until.js';
import { KEYS, bearer, startTestSentinel, type TestSentinel } from './harness.js';

const T0 = Date.parse('2025-06-01T00:00:00Z');
const event = (i: number, latencyFactor = 1) => sampleTelemetry({ timestamp: new Date(T0 + i * 1_000).toISOString(), service_name: 'traced', latency_ms: latencyFactor * (500 + 40 * Math.sin(i * 0.7)) });

let exporter: InMemorySpanExporter;
let tracing: Tracing;
let receiver: Awaited<ReturnType<typeof startReceiver>>;
let s: TestSentinel;

beforeAll(async () => {
  exporter = new InMemorySpanExporter();
  tracing = await startTracing({ enabled: true, endpoint: 'http://127.0.0.1:4318/v1/traces', serviceName: 'sentinel', sampleRatio: 1 }, { app: 'all', exporter });
  receiver = await startReceiver();
  s = await startTestSentinel({ alerting: { webhooks: [{ id: 'ops', url: receiver.url, secret: generateWebhookSecret() }], allowPrivateTargets: true, dedupWindowMs: 0, pollIntervalMs: 20 } });
});

afterAll(async () => {
  await s?.dispose();
  await receiver?.close();
  await tracing?.shutdown();
});

describe('tracing in one process (sentinel all, in-memory bus)', () => {
  it('puts ingest, detect, alert and the webhook delivery of an anomalous event in one trace, as over Kafka', async () => {
    const post = (body: unknown) => s.http.inject({ method: 'POST', url: '/v1/telemetry', headers: bearer(KEYS.ingest), payload: body as object });
    expect((await post(Array.from({ length: 60 }, (_, i) => event(i)))).statusCode).toBe(202);
    await s.settle();
    await tracing.flush();
    exporter.reset();
    expect((await post(event(60, 20))).statusCode).toBe(202);
    await s.settle();
    const spans = await until(async () => {
      await tracing.flush();
      const all = exporter.getFinishedSpans();
      return all.some((x) => x.name === 'alert.deliver') && all;
    }, 'the delivery span', 10_000);
    const ingest = spans.find((x) => x.name === 'ingest')!;
    const trace = spans.filter((x) => x.spanContext().traceId === ingest.spanContext().traceId);
    const byName = (name: string) => trace.filter((x) => x.name === name);
    expect(byName('detect').map((x) => x.parentSpanContext?.spanId)).toEqual([ingest.spanContext().spanId]);
    expect(byName('alert').map((x) => x.parentSpanContext?.spanId)).toEqual([byName('detect')[0]!.spanContext().spanId]);
    expect(byName('alert.deliver').length).toBeGreaterThan(0);
    expect(byName('store').length).toBeGreaterThan(0);
    expect(ingest.resource.attributes['service.name']).toBe('sentinel');
  });
});
