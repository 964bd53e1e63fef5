import { afterEach, describe, expect, it } from 'vitest';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { SpanKind, startTracing, traceHeaders, tracingEnabled, withSpan, type Tracing } from '@sentinel/observability';
import { MemoryBus, traceBatch, traceRuns, type ConsumedRecord, type RecordBatch } from '../src/index.js';

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-0[01]$/;
const record = (key: string, value = key) => ({ key, value: Buffer.from(value) });

let tracing: Tracing | null = null;
afterEach(async () => {
  await tracing?.shutdown();
  tracing = null;
});

async function traced(sampleRatio = 1): Promise<InMemorySpanExporter> {
  const exporter = new InMemorySpanExporter();
  tracing = await startTracing({ enabled: true, endpoint: 'http://127.0.0.1:1/v1/traces', serviceName: 'test', sampleRatio }, { app: 'bus', exporter });
  return exporter;
}

async function spans(exporter: InMemorySpanExporter): Promise<ReadableSpan[]> {
  await tracing!.flush();
  return exporter.getFinishedSpans();
}

/** Consumes the topic from the start until `n` records arrived; one batch per partition, as the bus delivers them. */
async function consumeAll(bus: MemoryBus, topic: string, n: number): Promise<RecordBatch[]> {
  const batches: RecordBatch[] = [];
  let seen = 0;
  let done!: () => void;
  const all = new Promise<void>((r) => (done = r));
  const consumer = await bus.topic(topic).consume({
    group: `reader-${topic}`,
    handler: async (b) => {
      batches.push(b);
      if ((seen += b.records.length) >= n) done();
    },
  });
  await all;
  await consumer.stop();
  return batches;
}

describe('trace context over the in-memory bus', () => {
  it('adds no header and creates no span when tracing is off', async () => {
    expect(tracingEnabled()).toBe(false);
    expect(traceHeaders()).toBeUndefined();
    const bus = new MemoryBus(1);
    await withSpan('ingest', {}, () => bus.topic('t').publish([record('a'), { ...record('b'), headers: { 'x-own': '1' } }]));
    const [batch] = await consumeAll(bus, 't', 2);
    expect(batch!.records.map((r) => r.headers)).toEqual([{}, { 'x-own': '1' }]);

    // Consumers see one run, the whole batch, with a no-op span.
    const runs: ConsumedRecord[][] = [];
    await traceRuns('detect', batch!, { group: 'g' }, ({ records, span }) => {
      runs.push(records);
      expect(span.isRecording()).toBe(false);
    });
    expect(runs).toEqual([batch!.records]);
    expect(await traceBatch('store', batch!, { group: 'g' }, async (span) => span.isRecording())).toBe(false);
    await bus.close();
  });

  it('carries the producer span in traceparent headers, and the consumer span is its child', async () => {
    const exporter = await traced();
    const bus = new MemoryBus(1);
    await withSpan('ingest', { kind: SpanKind.SERVER }, () => bus.topic('t').publish([record('a'), record('b')]));
    const [batch] = await consumeAll(bus, 't', 2);
    const [ingest] = await spans(exporter);
    const { traceId, spanId } = ingest!.spanContext();
    for (const r of batch!.records) {
      const [, t, s] = TRACEPARENT.exec(r.headers.traceparent ?? '') ?? [];
      expect([t, s]).toEqual([traceId, spanId]);
    }

    await traceRuns('detect', batch!, { group: 'detectors' }, ({ records }) => {
      expect(records).toHaveLength(2);
    });
    const detect = (await spans(exporter)).find((s) => s.name === 'detect')!;
    expect(detect.spanContext().traceId).toBe(traceId);
    expect(detect.parentSpanContext?.spanId).toBe(spanId);
    expect(detect.kind).toBe(SpanKind.CONSUMER);
    expect(detect.attributes).toMatchObject({
      'messaging.system': 'kafka',
      'messaging.destination.name': 't',
      'messaging.operation.type': 'process',
      'messaging.consumer.group.name': 'detectors',
      'messaging.batch.message_count': 2,
    });
    await bus.close();
  });

  it('keeps a context a record already carries, and splits a batch into runs by producer context', async () => {
    const exporter = await traced();
    const bus = new MemoryBus(1);
    const topic = bus.topic('t');
    // Two requests, and a record that names its own context (as detection does for each anomaly).
    await withSpan('first', {}, () => topic.publish([record('a'), record('b')]));
    const own = await withSpan('own', {}, () => traceHeaders()!);
    await withSpan('second', {}, () => topic.publish([{ ...record('c'), headers: own }, record('d')]));
    const [batch] = await consumeAll(bus, 't', 4);
    const byName = Object.fromEntries((await spans(exporter)).map((s) => [s.name, s.spanContext().spanId]));
    const parents = batch!.records.map((r) => TRACEPARENT.exec(r.headers.traceparent!)![2]);
    expect(parents).toEqual([byName.first, byName.first, byName.own, byName.second]);

    const runs: string[][] = [];
    await traceRuns('detect', batch!, { group: 'g' }, ({ records }) => void runs.push(records.map((r) => r.key)));
    expect(runs).toEqual([['a', 'b'], ['c'], ['d']]);
    const detects = (await spans(exporter)).filter((s) => s.name === 'detect');
    expect(detects.map((s) => s.parentSpanContext?.spanId)).toEqual([byName.first, byName.own, byName.second]);

    // One span over a mixed batch: a root linked to each distinct producer context.
    await traceBatch('store', batch!, { group: 'g' }, async () => undefined);
    const store = (await spans(exporter)).find((s) => s.name === 'store')!;
    expect(store.parentSpanContext).toBeUndefined();
    expect(store.links.map((l) => l.context.spanId)).toEqual([byName.first, byName.own, byName.second]);
    await bus.close();
  });

  it('makes a batch span the child of its producer when every record carries the same context', async () => {
    const exporter = await traced();
    const bus = new MemoryBus(1);
    await withSpan('ingest', {}, () => bus.topic('t').publish([record('a'), record('b'), record('c')]));
    const [batch] = await consumeAll(bus, 't', 3);
    await traceBatch('store', batch!, { group: 'g' }, async () => undefined);
    const all = await spans(exporter);
    const ingest = all.find((s) => s.name === 'ingest')!;
    const store = all.find((s) => s.name === 'store')!;
    expect(store.spanContext().traceId).toBe(ingest.spanContext().traceId);
    expect(store.parentSpanContext?.spanId).toBe(ingest.spanContext().spanId);
    expect(store.links).toEqual([]);
    await bus.close();
  });

  it('follows an unsampled parent: the header says so and no consumer span is recorded', async () => {
    const exporter = await traced(0);
    const bus = new MemoryBus(1);
    await withSpan('ingest', {}, () => bus.topic('t').publish([record('a')]));
    const [batch] = await consumeAll(bus, 't', 1);
    expect(batch!.records[0]!.headers.traceparent).toMatch(/-00$/);
    await traceRuns('detect', batch!, { group: 'g' }, ({ span }) => expect(span.isRecording()).toBe(false));
    expect(await spans(exporter)).toEqual([]);
    await bus.close();
  });

  it('registers once, and is off again after shutdown', async () => {
    await traced();
    await expect(startTracing({ enabled: true, endpoint: 'http://127.0.0.1:1/v1/traces', serviceName: 'x', sampleRatio: 1 }, { app: 'x' })).rejects.toThrow(/already started/);
    await tracing!.shutdown();
    expect(tracingEnabled()).toBe(false);
    expect(await withSpan('after', {}, () => traceHeaders())).toBeUndefined();
    const off = await startTracing({ enabled: false, endpoint: 'http://127.0.0.1:1/v1/traces', serviceName: 'x', sampleRatio: 1 }, { app: 'x' });
    expect(off.enabled).toBe(false);
    expect(tracingEnabled()).toBe(false);
  });
});
