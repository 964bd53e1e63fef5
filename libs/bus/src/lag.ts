import { pipelineMetrics } from '@sentinel/observability';

type LagChild = ReturnType<typeof pipelineMetrics.consumerLag.labels>;

/**
 * Records of a partition at or after `nextOffset`, the next one the group will process, when the
 * partition's log ends at `highWatermark` (the offset the next record written gets). Offsets are
 * decimal strings, as Kafka's are 64-bit; never negative.
 */
export function partitionLag(highWatermark: string, nextOffset: string): number {
  const lag = BigInt(highWatermark) - BigInt(nextOffset);
  return lag > 0n ? Number(lag) : 0;
}

/**
 * `sentinel_consumer_lag_records` of one consumer group on one topic: a labelled child per partition,
 * made once, so a batch updates it without building label objects. Partitions the member no longer
 * holds are removed, so that instances of one group never report the same partition twice.
 */
export class ConsumerLagGauge {
  private readonly children = new Map<number, LagChild>();

  constructor(
    private readonly group: string,
    private readonly topic: string,
  ) {}

  set(partition: number, lag: number): void {
    let child = this.children.get(partition);
    if (!child) {
      child = pipelineMetrics.consumerLag.labels({ group: this.group, topic: this.topic, partition: String(partition) });
      this.children.set(partition, child);
    }
    child.set(lag);
  }

  /** Drops the series of partitions this member gave up (or all of them). */
  forget(partitions: Iterable<number> = [...this.children.keys()]): void {
    for (const partition of partitions) {
      if (!this.children.delete(partition)) continue;
      pipelineMetrics.consumerLag.remove({ group: this.group, topic: this.topic, partition: String(partition) });
    }
  }
}
