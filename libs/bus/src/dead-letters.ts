import { TOPICS, isNotJson, type FieldIssue, type Validated } from '@sentinel/contracts';
import type { Bus, ConsumedRecord, Topic } from './topic.js';
import { pipelineMetrics } from '@sentinel/observability';

/**
 * Why a record was dead-lettered, as a code from a fixed set: the `reason` label of
 * `sentinel_dlq_records_total` and the `x-sentinel-reason-code` header. The readable detail is in `issues`.
 */
export const DEAD_LETTER_REASONS = ['invalid_json', 'validation', 'empty_batch'] as const;
export type DeadLetterReason = (typeof DEAD_LETTER_REASONS)[number];

/** A record that failed to decode or validate, and why. */
export interface DeadLetter {
  record: ConsumedRecord;
  reason: DeadLetterReason;
  issues: FieldIssue[];
}

/** Decodes each record in order; one that fails becomes a dead letter instead of failing the batch. */
export function decodeRecords<T>(records: readonly ConsumedRecord[], decode: (bytes: Buffer) => Validated<T>): { values: T[]; bad: DeadLetter[] } {
  const values: T[] = [];
  const bad: DeadLetter[] = [];
  for (const record of records) {
    const decoded = decode(record.value);
    if (decoded.ok) values.push(decoded.value);
    else bad.push({ record, reason: isNotJson(decoded.issues) ? 'invalid_json' : 'validation', issues: decoded.issues });
  }
  return { values, bad };
}

/**
 * Records that cannot be decoded or validated go to `sentinel.telemetry.dlq.v1` unchanged, with the
 * reason and their origin in headers, so nothing is dropped silently and the consumer never stalls.
 */
export class DeadLetters {
  private readonly topic: Topic;

  constructor(bus: Bus) {
    this.topic = bus.topic(TOPICS.telemetryDlq);
  }

  /** `source` is the stage that rejected the records: a fixed name per call site (the `stage` label). */
  async send(source: string, items: readonly DeadLetter[]): Promise<void> {
    if (items.length === 0) return;
    await this.topic.publish(
      items.map(({ record, reason, issues }) => ({
        key: record.key,
        value: record.value,
        headers: {
          'x-sentinel-reason': issues.map((i) => `${i.field}: ${i.reason}`).join('; ').slice(0, 2000),
          'x-sentinel-reason-code': reason,
          'x-sentinel-source': source,
          'x-sentinel-partition': String(record.partition),
          'x-sentinel-offset': record.offset,
        },
      })),
    );
    // Counted once the DLQ has them: a batch that fails to publish is redelivered and counted then.
    pipelineMetrics.recordsOut.inc({ stage: source, topic: TOPICS.telemetryDlq }, items.length);
    for (const reason of DEAD_LETTER_REASONS) {
      let n = 0;
      for (const item of items) if (item.reason === reason) n++;
      if (n > 0) pipelineMetrics.deadLetters.inc({ stage: source, reason }, n);
    }
  }
}
