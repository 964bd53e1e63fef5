import { TOPICS, type FieldIssue } from '@sentinel/contracts';
import type { Bus, ConsumedRecord, Topic } from './topic.js';
import { pipelineMetrics } from '@sentinel/observability';

/**
 * Records that cannot be decoded or validated go to `sentinel.telemetry.dlq.v1` unchanged, with the
 * reason and their origin in headers, so nothing is dropped silently and the consumer never stalls.
 */
export class DeadLetters {
  private readonly topic: Topic;

  constructor(bus: Bus) {
    this.topic = bus.topic(TOPICS.telemetryDlq);
  }

  async send(source: string, items: Array<{ record: ConsumedRecord; issues: FieldIssue[] }>): Promise<void> {
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
