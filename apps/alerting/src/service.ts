import type { Logger } from 'pino';
import { TOPICS, decodeAnomaly, type FieldIssue } from '@sentinel/contracts';
import { DeadLetters, type Bus, type ConsumedRecord, type Consumer, type RecordBatch } from '@sentinel/bus';
import { AlertDeduplicator, WebhookNotifier } from '@sentinel/alerts';
import type { SentinelConfig } from '@sentinel/config';

export const ALERTING_GROUP = 'sentinel-alerting';

/** Anomalies → dedup → signed webhooks to every subscriber whose filters match. */
export class AlertingService {
  private consumer: Consumer | null = null;
  private readonly dedup: AlertDeduplicator;
  private readonly notifier: WebhookNotifier;
  private readonly deadLetters: DeadLetters;

  constructor(
    private readonly bus: Bus,
    config: SentinelConfig['alerting'],
    logger: Logger,
    private readonly now: () => number = Date.now,
  ) {
    this.dedup = new AlertDeduplicator(config.dedupWindowMs);
    this.notifier = new WebhookNotifier(config.webhooks, { ...config, logger });
    this.deadLetters = new DeadLetters(bus);
  }

  async start(): Promise<void> {
    this.consumer = await this.bus.topic(TOPICS.anomalies).consume({ group: ALERTING_GROUP, handler: (b) => this.handle(b) });
  }

  /** Stops consuming and waits for deliveries already started. */
  async stop(): Promise<void> {
    await this.consumer?.stop();
    this.consumer = null;
    await this.notifier.drain();
  }

  private async handle(batch: RecordBatch): Promise<void> {
    const bad: Array<{ record: ConsumedRecord; issues: FieldIssue[] }> = [];
    for (const record of batch.records) {
      const decoded = decodeAnomaly(record.value);
      if (!decoded.ok) {
        bad.push({ record, issues: decoded.issues });
        continue;
      }
      const decision = this.dedup.decide(decoded.value, this.now());
      if (decision.send) this.notifier.enqueue(decoded.value, decision.count);
    }
    await this.deadLetters.send('alerting', bad);
  }
}
