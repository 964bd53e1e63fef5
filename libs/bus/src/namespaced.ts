import type { Bus, ConsumeOptions, Consumer, OutgoingRecord, Topic } from './topic.js';

/**
 * Prefixes every topic and consumer group, so several Sentinels (staging and production, or parallel
 * test runs) can share one Kafka cluster without reading each other's records or offsets.
 */
export class NamespacedBus implements Bus {
  constructor(
    private readonly inner: Bus,
    private readonly prefix: string,
  ) {}

  topic(name: string): Topic {
    const topic = this.inner.topic(this.prefix + name);
    const prefix = this.prefix;
    return {
      name,
      partitions: topic.partitions,
      publish: (records: OutgoingRecord[]) => topic.publish(records),
      consume: (options: ConsumeOptions): Promise<Consumer> => topic.consume({ ...options, group: prefix + options.group }),
    };
  }

  check(): Promise<void> {
    return this.inner.check();
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
