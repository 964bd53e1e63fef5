import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOPICS, sampleTelemetry, type TelemetryEventInput } from '@sentinel/contracts';
import { generateWebhookSecret } from '@sentinel/alerts';
import { SentinelConfigSchema, type ApiKey } from '@sentinel/config';
import { SpanKind, startTracing, traceHeaders, withSpan, type Tracing } from '@sentinel/observability';
import { startReceiver } from '../../../../libs/alerts/test/receiver.js';
import { until } from '../../../../testing/until.js';
import { startApps, type RunningSentinel } from '../../src/compose.js';

const KEY: ApiKey = { id: 'test', key: 'sk_test_tracing_0123456789abcdef', scopes: ['admin'] };
const namespace = `t${randomUUID().slice(0, 8)}.`;
const SERVICE = `traced-${randomUUID().slice(0, 8)}`;
const PROMPT = 'Summarise the refund policy for order 4711';
const T0 = Date.now() - 3_600_000;

let dir: string;
let receiver: Awaited<ReturnType<typeof startReceiver>>;
let exporter: InMemorySpanExporter;
let tracing: Tracing;
let sentinel: RunningSentinel;

/** One (service, model) series: a steady wobble, then one call 20 times slower than any before it. */
function event(i: number, latencyFactor = 1): TelemetryEventInput {
  return sampleTelemetry({
    event_id: randomUUID(),
    timestamp: new Date(T0 + i * 1_000).toISOString(),
    service_name: SERVICE,
    prompt: { text: PROMPT, tokens: 120 },
    latency_ms: latencyFactor * (500 + 40 * Math.sin(i * 0.7)),
  });
}

async function post(body: unknown, headers: Record<string, string> = {}): Promise<void> {
  const res = await fetch(`${sentinel.url}/v1/telemetry`, { method: 'POST', headers: { authorization: `Bearer ${KEY.key}`, 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  expect(res.status).toBe(202);
}

async function spans(): Promise<ReadableSpan[]> {
  await tracing.flush();
  return exporter.getFinishedSpans();
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sentinel-tracing-'));
  receiver = await startReceiver();
  exporter = new InMemorySpanExporter();
  // What `sentinel <app>` does with observability.tracing.enabled, with the exporter swapped for one the test reads.
  tracing = await startTracing({ enabled: true, endpoint: 'http://127.0.0.1:4318/v1/traces', serviceName: 'sentinel', sampleRatio: 1 }, { app: 'test', exporter });
  const config = SentinelConfigSchema.parse({
    env: 'test',
    log: { level: 'silent' },
    transport: 'kafka',
    kafka: { brokers: (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(','), sessionTimeoutMs: 6_000 },
    bus: { namespace, partitions: 2 },
    redis: { url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' },
    server: { host: '127.0.0.1', port: 0 },
    ingestion: { otlp: { enabled: false } },
    storage: { duckdb: { path: join(dir, 'sentinel.duckdb') } },
    alerting: { webhooks: [{ id: 'ops', url: receiver.url, secret: generateWebhookSecret(), minSeverity: 'low' }], allowPrivateTargets: true, dedupWindowMs: 0, pollIntervalMs: 50 },
  });
  // Ingestion, detection, storage and alerting in this process, over the local Kafka (and Redis for their state).
  sentinel = await startApps(['ingestion', 'detection', 'storage', 'alerting'], config, pino({ level: 'silent' }), [KEY]);
}, 120_000);

afterAll(async () => {
  await sentinel?.stop();
  await tracing?.shutdown();
  await receiver?.close();
  await rm(dir, { recursive: true, force: true });
}, 60_000);

describe('tracing across Kafka', () => {
  it('puts the ingest, detect and alert spans of an anomalous event in one trace', async () => {
    // Warm the series up, and wait until detection has seen every warm-up event (its spans count them).
    const warmup = Array.from({ length: 60 }, (_, i) => event(i));
    await post(warmup.slice(0, 30));
    await post(warmup.slice(30));
    const detected = (all: ReadableSpan[]) => all.filter((s) => s.name === 'detect').reduce((n, s) => n + Number(s.attributes['sentinel.events'] ?? 0), 0);
    await until(async () => detected(await spans()) >= warmup.length, 'detection of the warm-up events', 60_000, 200);

    // The anomalous call, sent by a client that traces: Sentinel's spans join the client's trace.
    const client = withSpan('client', { kind: SpanKind.CLIENT }, () => ({ headers: traceHeaders()! }));
    await post(event(60, 20), client.headers);
    const traceId = client.headers.traceparent!.split('-')[1]!;

    const inTrace = async () => (await spans()).filter((s) => s.spanContext().traceId === traceId);
    const trace = await until(async () => {
      const all = await inTrace();
      return all.some((s) => s.name === 'alert') && all.some((s) => s.name === 'alert.deliver') && all;
    }, 'the alert spans of the anomalous event', 60_000, 200);
    const one = (name: string) => {
      const found = trace.filter((s) => s.name === name);
      expect(found.map((s) => s.name)).toEqual([name]);
      return found[0]!;
    };
    const clientSpan = one('client');
    const ingest = one('ingest');
    const detect = one('detect');
    const alert = one('alert');
    const deliveries = trace.filter((s) => s.name === 'alert.deliver');

    // client → ingest (HTTP) → detect (Kafka: sentinel.telemetry.v1) → alert (Kafka: sentinel.anomalies.v1) → delivery (outbox)
    expect(ingest.parentSpanContext?.spanId).toBe(clientSpan.spanContext().spanId);
    expect(detect.parentSpanContext?.spanId).toBe(ingest.spanContext().spanId);
    expect(alert.parentSpanContext?.spanId).toBe(detect.spanContext().spanId);
    for (const deliver of deliveries) expect(deliver.parentSpanContext?.spanId).toBe(alert.spanContext().spanId);

    expect(ingest.kind).toBe(SpanKind.SERVER);
    expect(ingest.attributes).toMatchObject({ 'http.route': '/v1/telemetry', 'sentinel.events.accepted': 1, 'gen_ai.request.model': 'gpt-4o', 'sentinel.service_name': SERVICE });
    expect(detect.kind).toBe(SpanKind.CONSUMER);
    expect(detect.attributes).toMatchObject({ 'messaging.system': 'kafka', 'messaging.destination.name': namespace + TOPICS.telemetry, 'messaging.operation.type': 'process', 'sentinel.events': 1 });
    expect(detect.attributes['sentinel.anomalies']).toBeGreaterThan(0);
    expect(alert.attributes).toMatchObject({ 'messaging.destination.name': namespace + TOPICS.anomalies, 'messaging.consumer.group.name': 'sentinel-alerting' });
    expect(alert.attributes['sentinel.alerts.sent']).toBeGreaterThan(0);
    expect(deliveries[0]!.attributes).toMatchObject({ 'sentinel.delivery.channel': 'webhook', 'sentinel.subscription.id': 'ops', 'http.response.status_code': 200 });
    expect(receiver.received.length).toBeGreaterThan(0);

    // Storage writes both the event and its anomalies in (or linked to) the same trace.
    const all = await until(async () => {
      const everything = await spans();
      const stores = everything.filter((s) => s.name === 'store' && (s.spanContext().traceId === traceId || s.links.some((l) => l.context.traceId === traceId)));
      return new Set(stores.map((s) => s.attributes['sentinel.store.kind'])).size >= 2 && everything;
    }, 'the store spans of the event and its anomalies', 30_000, 200);

    // The resource names the service, and no span holds the prompt.
    expect(ingest.resource.attributes['service.name']).toBe('sentinel-test');
    for (const s of all) expect(JSON.stringify(s.attributes)).not.toContain('refund');
  }, 150_000);

  it('continues the trace of a producer that writes traceparent on the raw topic', async () => {
    const producer = withSpan('producer', { kind: SpanKind.PRODUCER }, () => traceHeaders()!);
    await sentinel.bus.topic(TOPICS.raw).publish([{ key: 'raw', value: Buffer.from(JSON.stringify(event(61))), headers: producer }]);
    const traceId = producer.traceparent!.split('-')[1]!;
    const trace = await until(async () => {
      const all = (await spans()).filter((s) => s.spanContext().traceId === traceId);
      return all.some((s) => s.name === 'detect') && all;
    }, 'the detect span of the raw record', 60_000, 200);
    const ingest = trace.find((s) => s.name === 'ingest')!;
    expect(ingest.kind).toBe(SpanKind.CONSUMER);
    expect(ingest.attributes).toMatchObject({ 'sentinel.ingest.source': 'kafka', 'messaging.destination.name': namespace + TOPICS.raw, 'sentinel.events.accepted': 1 });
    expect(ingest.parentSpanContext?.spanId).toBe(producer.traceparent!.split('-')[2]);
    expect(trace.find((s) => s.name === 'detect')!.parentSpanContext?.spanId).toBe(ingest.spanContext().spanId);
  }, 90_000);
});
