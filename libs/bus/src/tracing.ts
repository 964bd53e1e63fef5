import { NOOP_SPAN, SpanKind, TRACEPARENT, batchParent, contextFromHeaders, traceHeaders, tracingEnabled, withSpan, type Attributes, type Span } from '@sentinel/observability';
import type { ConsumedRecord, OutgoingRecord, RecordBatch } from './topic.js';

/**
 * The records to publish, each carrying the active trace context in `traceparent`/`tracestate` headers
 * unless it already carries one (detection sets each anomaly's own). Both buses call it, so the
 * in-memory bus of `sentinel all` traces exactly as Kafka does. Tracing off: the records, untouched.
 */
export function withTraceContext(records: OutgoingRecord[]): OutgoingRecord[] {
  const trace = traceHeaders();
  if (!trace) return records;
  return records.map((r) => (r.headers?.[TRACEPARENT] !== undefined ? r : { ...r, headers: r.headers ? { ...r.headers, ...trace } : trace }));
}

export interface TraceConsumeOptions {
  /** The consumer group: `messaging.consumer.group.name`. */
  group: string;
  attributes?: Attributes;
}

/** OpenTelemetry messaging semantic conventions of a consumer's `process` span. */
export function messagingAttributes(batch: RecordBatch, group: string, count: number): Attributes {
  return {
    'messaging.system': 'kafka',
    'messaging.destination.name': batch.topic,
    'messaging.destination.partition.id': String(batch.partition),
    'messaging.consumer.group.name': group,
    // `messaging.operation.type` is what semantic conventions 1.26+ call the older `messaging.operation`.
    'messaging.operation.type': 'process',
    'messaging.operation.name': 'process',
    'messaging.batch.message_count': count,
  };
}

/**
 * One consumer span for a whole batch, active while `fn` runs (what `fn` publishes carries it). When every
 * record carries the same producer context, the span is its child, so a request's trace continues;
 * otherwise it is a root span linked to each distinct producer context, as the messaging conventions
 * have it for batch processing. For handlers whose work is one call per batch (a store write).
 */
export function traceBatch<T>(name: string, batch: RecordBatch, options: TraceConsumeOptions, fn: (span: Span) => Promise<T>): Promise<T> {
  if (!tracingEnabled()) return fn(NOOP_SPAN);
  const attributes = { ...messagingAttributes(batch, options.group, batch.records.length), ...options.attributes };
  const { parent, links } = batchParent(batch.records.map((r) => r.headers));
  return withSpan(name, { kind: SpanKind.CONSUMER, parent, links, attributes }, fn);
}

export interface TracedRun {
  /** Consecutive records of the batch that carry the same producer context (or none). */
  records: ConsumedRecord[];
  /** The run's span, active while the callback runs: `traceHeaders()` gives its context for what the run produces. */
  span: Span;
}

/**
 * Calls `fn` once per run of consecutive records carrying the same producer context, in order, each in a
 * consumer span that is the child of that context: what a run produces (an anomaly) is in the trace of
 * the request that caused it. Runs follow the records' order, so handling them one after another is
 * handling the batch in order. Tracing off: one call with the whole batch and a no-op span.
 */
export async function traceRuns(name: string, batch: RecordBatch, options: TraceConsumeOptions, fn: (run: TracedRun) => void | Promise<void>): Promise<void> {
  const records = batch.records;
  if (!tracingEnabled()) {
    await fn({ records, span: NOOP_SPAN });
    return;
  }
  for (let i = 0; i < records.length; ) {
    const parent = records[i]!.headers[TRACEPARENT];
    let j = i + 1;
    while (j < records.length && records[j]!.headers[TRACEPARENT] === parent) j++;
    const run = i === 0 && j === records.length ? records : records.slice(i, j);
    const attributes = { ...messagingAttributes(batch, options.group, run.length), ...options.attributes };
    await withSpan(name, { kind: SpanKind.CONSUMER, parent: contextFromHeaders(records[i]!.headers), attributes }, (span) => fn({ records: run, span }));
    i = j;
  }
}
