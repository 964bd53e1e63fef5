import { SpanKind } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOPICS } from '@sentinel/contracts';
import { KEYS, bearer, startTestSentinel, type TestSentinel } from './harness.js';

let s: TestSentinel;
const published: string[] = [];
beforeAll(async () => {
  s = await startTestSentinel();
  await s.bus.topic(TOPICS.telemetry).consume({ group: 'audit', handler: async (b) => void published.push(...b.records.map((r) => r.value.toString('utf8'))) });
});
afterAll(() => s.dispose());

describe('sentinel all with an OpenTelemetry SDK app', () => {
  it('stores the GenAI spans the SDK exports to the OTLP port, with model, tokens and latency, and redacts their PII', async () => {
    const exporter = new OTLPTraceExporter({ url: `${s.otlpUrl}/v1/traces`, headers: { authorization: `Bearer ${KEYS.ingest.key}` } });
    const provider = new NodeTracerProvider({ resource: resourceFromAttributes({ 'service.name': 'otel-app' }), spanProcessors: [new BatchSpanProcessor(exporter)] });
    const tracer = provider.getTracer('llm-client');
    const t0 = Date.parse('2025-06-01T12:00:00Z');
    for (let i = 0; i < 20; i++) {
      tracer
        .startSpan('chat gpt-4o-mini', {
          kind: SpanKind.CLIENT,
          startTime: t0 + i * 60_000,
          attributes: {
            'gen_ai.operation.name': 'chat',
            'gen_ai.provider.name': 'openai',
            'gen_ai.request.model': 'gpt-4o-mini',
            'gen_ai.usage.input_tokens': 100 + i,
            'gen_ai.usage.output_tokens': 30,
            'gen_ai.response.finish_reasons': ['stop'],
            'gen_ai.input.messages': JSON.stringify([{ role: 'user', parts: [{ type: 'text', content: `My card is 4111 1111 1111 1111, question ${i}` }] }]),
          },
        })
        .end(t0 + i * 60_000 + 800 + i);
    }
    await provider.forceFlush();
    await provider.shutdown();
    await s.settle();

    const res = await s.http.inject({ url: '/v1/telemetry?service=otel-app&from=2025-06-01T00:00:00Z&to=2025-06-02T00:00:00Z', headers: bearer(KEYS.read) });
    const points = (res.json() as { data: Array<{ model: string; prompt_tokens: number; completion_tokens: number; latency_ms: number; timestamp: string }> }).data;
    expect(points).toHaveLength(20);
    const last = points[0]!;
    expect(last).toMatchObject({ model: 'gpt-4o-mini', prompt_tokens: 119, completion_tokens: 30, timestamp: new Date(t0 + 19 * 60_000 + 819).toISOString() });
    expect(last.latency_ms).toBeCloseTo(819, 3);
    expect(published).toHaveLength(20);
    for (const record of published) {
      expect(record).not.toContain('4111 1111 1111 1111');
      expect(record).toContain('My card is [payment_card], question');
    }
  });
});
