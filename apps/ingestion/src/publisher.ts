import { TOPICS, encodeJson, shardKey, type TelemetryEvent } from '@sentinel/contracts';
import type { Bus, Topic } from '@sentinel/bus';
import { pipelineMetrics } from '@sentinel/observability';
import { PII_ENTITIES, emptyCounts, type PiiCounts, type PiiRedactor } from '@sentinel/privacy';

export interface TelemetryPublisherOptions {
  /** Without one nothing is redacted: for tests of other stages only. */
  redactor?: PiiRedactor;
}

/**
 * The one exit of every ingest path (JSON, OTLP, the raw topic): PII is redacted here, so no stage after
 * it ever sees it, and events go onto `sentinel.telemetry.v1` keyed by (service, model).
 */
export class TelemetryPublisher {
  private readonly topic: Topic;

  constructor(
    bus: Bus,
    private readonly options: TelemetryPublisherOptions = {},
  ) {
    this.topic = bus.topic(TOPICS.telemetry);
  }

  async publish(events: readonly TelemetryEvent[]): Promise<void> {
    if (events.length === 0) return;
    const counts = emptyCounts();
    const clean = this.options.redactor ? events.map((e) => this.redact(e, counts)) : events;
    await this.topic.publish(clean.map((e) => ({ key: shardKey(e), value: encodeJson(e) })));
    // Counted once published, so a retried request does not count twice what it never delivered.
    for (const entity of PII_ENTITIES) if (counts[entity] > 0) pipelineMetrics.piiRedacted.inc({ entity }, counts[entity]);
  }

  private redact(event: TelemetryEvent, into: PiiCounts): TelemetryEvent {
    const { event: clean, counts } = this.options.redactor!.redactEvent(event);
    for (const entity of PII_ENTITIES) into[entity] += counts[entity];
    return clean;
  }
}
