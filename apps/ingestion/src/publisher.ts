import { TOPICS, encodeJson, shardKey, type AnomalyEvent, type TelemetryEvent } from '@sentinel/contracts';
import type { Bus, Topic } from '@sentinel/bus';
import { pipelineMetrics } from '@sentinel/observability';
import { PII_ENTITIES, emptyCounts, type PiiCounts, type PiiRedactor } from '@sentinel/privacy';
import type { InjectionVerdict } from '@sentinel/security';
import { injectionAnomaly, markInjection } from './injection.js';

export interface TelemetryPublisherOptions {
  /** Without one nothing is redacted: for tests of other stages only. */
  redactor?: PiiRedactor;
  /** Prompt-injection rules; a flagged prompt marks its event and raises a `prompt_injection` anomaly. */
  scanPrompt?: (text: string) => InjectionVerdict;
}

/**
 * The one exit of every ingest path (JSON, OTLP, the raw topic). Prompts are checked for injection on
 * the text as sent, then PII is redacted, so no stage after this one ever sees it; events go onto
 * `sentinel.telemetry.v1` keyed by (service, model), injection anomalies onto `sentinel.anomalies.v1`.
 */
export class TelemetryPublisher {
  private readonly topic: Topic;
  private readonly anomalies: Topic;

  constructor(
    bus: Bus,
    private readonly options: TelemetryPublisherOptions = {},
  ) {
    this.topic = bus.topic(TOPICS.telemetry);
    this.anomalies = bus.topic(TOPICS.anomalies);
  }

  async publish(events: readonly TelemetryEvent[]): Promise<void> {
    if (events.length === 0) return;
    const counts = emptyCounts();
    const clean: TelemetryEvent[] = [];
    const flagged: AnomalyEvent[] = [];
    for (const event of events) {
      const verdict = this.options.scanPrompt?.(event.prompt.text);
      const redacted = this.redact(verdict?.flagged ? markInjection(event, verdict) : event, counts);
      clean.push(redacted);
      if (verdict?.flagged) flagged.push(injectionAnomaly(redacted, verdict));
    }
    await this.topic.publish(clean.map((e) => ({ key: shardKey(e), value: encodeJson(e) })));
    pipelineMetrics.recordsOut.inc({ stage: 'ingestion', topic: TOPICS.telemetry }, clean.length);
    if (flagged.length > 0) {
      await this.anomalies.publish(flagged.map((a) => ({ key: shardKey(a), value: encodeJson(a) })));
      pipelineMetrics.recordsOut.inc({ stage: 'ingestion', topic: TOPICS.anomalies }, flagged.length);
      for (const a of flagged) pipelineMetrics.anomalies.inc({ severity: a.severity, type: a.anomaly_type, method: a.detection_method });
    }
    // Counted once published, so a retried request does not count twice what it never delivered.
    for (const entity of PII_ENTITIES) if (counts[entity] > 0) pipelineMetrics.piiRedacted.inc({ entity }, counts[entity]);
  }

  private redact(event: TelemetryEvent, into: PiiCounts): TelemetryEvent {
    if (!this.options.redactor) return event;
    const { event: clean, counts } = this.options.redactor.redactEvent(event);
    for (const entity of PII_ENTITIES) into[entity] += counts[entity];
    return clean;
  }
}
