import type { Logger } from 'pino';
import { TOPICS, notJsonIssue, validateTelemetryEvent, type FieldIssue, type TelemetryEvent } from '@sentinel/contracts';
import { DeadLetters, traceBatch, type Bus, type ConsumedRecord, type DeadLetter, type DeadLetterReason, type Consumer, type RecordBatch } from '@sentinel/bus';
import { pipelineMetrics, type Span } from '@sentinel/observability';
import type { IngestAdmission } from './admission.js';
import type { TelemetryPublisher } from './publisher.js';
import { recordIngest } from './tracing.js';

export const RAW_INGEST_GROUP = 'sentinel-ingestion-raw';
/** The rate-limit key of the raw topic; `ingestion.rateLimit.perKey` can give it its own bucket. */
export const RAW_TOPIC_CALLER = 'kafka-raw';

/**
 * Producers that already speak Kafka write anchor-format JSON to `sentinel.raw.v1` (one event, or an
 * array of events, per record). Valid events go on to the telemetry topic; a record or event that fails
 * goes to the DLQ with the reason, so one bad record never stalls the partition behind it.
 */
export class RawTopicIngestion {
  private consumer: Consumer | null = null;
  private readonly deadLetters: DeadLetters;

  constructor(
    private readonly bus: Bus,
    private readonly publisher: TelemetryPublisher,
    private readonly admission: IngestAdmission,
    private readonly logger: Logger,
    private readonly topic: string = TOPICS.raw,
  ) {
    this.deadLetters = new DeadLetters(bus);
  }

  async start(): Promise<void> {
    this.consumer = await this.bus.topic(this.topic).consume({
      group: RAW_INGEST_GROUP,
      // One `ingest` span per batch: the child of the producers' context when they all sent the same one, else linked to each.
      handler: (b) => traceBatch('ingest', b, { group: RAW_INGEST_GROUP, attributes: { 'sentinel.ingest.source': 'kafka' } }, (span) => this.handle(b, span)),
    });
  }

  async stop(): Promise<void> {
    await this.consumer?.stop();
    this.consumer = null;
  }

  private async handle(batch: RecordBatch, span: Span): Promise<void> {
    // No caller to answer 429 to: the limit slows consumption down, and Kafka holds the rest.
    await this.admission.throttle(RAW_TOPIC_CALLER, batch.records.length);
    const valid: TelemetryEvent[] = [];
    const bad: DeadLetter[] = [];
    for (const record of batch.records) {
      const rejected = collect(record, valid);
      if (rejected) bad.push({ record, ...rejected });
    }
    recordIngest(span, valid, bad.length);
    await this.publisher.publish(valid);
    await this.deadLetters.send('ingestion-raw', bad);
    if (bad.length) this.logger.debug({ partition: batch.partition, rejected: bad.length }, 'raw records dead-lettered');
    pipelineMetrics.recordsIn.inc({ stage: 'ingestion', source: 'kafka', result: 'accepted' }, valid.length);
    if (bad.length) pipelineMetrics.recordsIn.inc({ stage: 'ingestion', source: 'kafka', result: 'rejected' }, bad.length);
  }
}

/** Pushes the record's valid events onto `into`; returns why the rest were rejected, or null when none was. */
function collect(record: ConsumedRecord, into: TelemetryEvent[]): { reason: DeadLetterReason; issues: FieldIssue[] } | null {
  let body: unknown;
  try {
    body = JSON.parse(record.value.toString('utf8'));
  } catch (e) {
    return { reason: 'invalid_json', issues: [notJsonIssue(e as Error)] };
  }
  const items = Array.isArray(body) ? body : [body];
  if (items.length === 0) return { reason: 'empty_batch', issues: [{ field: '(root)', reason: 'an empty array holds no event' }] };
  const issues: FieldIssue[] = [];
  items.forEach((item, i) => {
    const r = validateTelemetryEvent(item, Array.isArray(body) ? `[${i}]` : '');
    if (r.ok) into.push(r.value);
    else issues.push(...r.issues);
  });
  return issues.length ? { reason: 'validation', issues } : null;
}
