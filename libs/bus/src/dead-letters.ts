import { TOPICS, type FieldIssue, type Validated } from '@sentinel/contracts';
import type { Bus, ConsumedRecord, Topic } from './topic.js';
import { pipelineMetrics } from '@sentinel/observability';

/** A record that failed to decode or validate, and why. */
export interface DeadLetter {
  record: ConsumedRecord;
  issues: FieldIssue[];
}

/** Decodes each record in order; one that fails becomes a dead letter instead of failing the batch. */
export function decodeRecords<T>(records: readonly ConsumedRecord[], decode: (bytes: Buffer) => Validated<T>): { values: T[]; bad: DeadLetter[] } {
  const values: T[] = [];
  const bad: DeadLetter[] = [];
  for (const record of records) {
    const decoded = decode(record.value);
    if (decoded.ok) values.push(decoded.value);
    else bad.push({ record, issues: decoded.issues });
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

  async send(source: string, items: readonly DeadLetter[]): Promise<void> {
    if (items.length === 0) return;
    pipelineMetrics.recordsIn.inc({ stage: 'dlq', source, result: 'dead_lettered' }, items.length);
    await this.topic.publish(
      items.map(({ record, issues }) => ({
        key: record.key,
        value: record.value,
        headers: {
          'x-sentinel-reason': issues.map((i) => `${i.field}: ${i.reason}`).join('; ').slice(0, 2000),
          'x-sentinel-source': source,
          'x-sentinel-partition': String(record.partition),
          'x-sentinel-offset': record.offset,
        },
      })),
    );
  }
}
