import { TOPICS, encodeJson, shardKey, type TelemetryEvent } from '@sentinel/contracts';
import type { Bus, Topic } from '@sentinel/bus';

/** Normalised events onto `sentinel.telemetry.v1`, keyed by (service, model) so a series stays in one shard. */
export class TelemetryPublisher {
  private readonly topic: Topic;

  constructor(bus: Bus) {
    this.topic = bus.topic(TOPICS.telemetry);
  }

  async publish(events: readonly TelemetryEvent[]): Promise<void> {
    await this.topic.publish(events.map((e) => ({ key: shardKey(e), value: encodeJson(e) })));
  }
}
