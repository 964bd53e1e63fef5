import type { Logger } from 'pino';
import { TOPICS, decodeAnomaly } from '@sentinel/contracts';
import { DeadLetters, decodeRecords, type Bus, type Consumer, type RecordBatch } from '@sentinel/bus';
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
    const { values, bad } = decodeRecords(batch.records, decodeAnomaly);
    for (const anomaly of values) {
      const decision = this.dedup.decide(anomaly, this.now());
      if (decision.send) this.notifier.enqueue(anomaly, decision.count);
    }
    await this.deadLetters.send('alerting', bad);
  }
}
