import type { Logger } from 'pino';
import { TOPICS, decodeAnomaly } from '@sentinel/contracts';
import { DeadLetters, decodeRecords, traceRuns, type Bus, type ConsumedRecord, type Consumer, type RecordBatch } from '@sentinel/bus';
import { AlertAdmin, AlertRouter, AmqpDispatcher, PollingLoop, WebhookDispatcher, type AlertPublisher, type AlertState, type Subscription } from '@sentinel/alerts';
import { ConfigError, type SentinelConfig, type WebhookSubscriber } from '@sentinel/config';
import { pipelineMetrics, type Span } from '@sentinel/observability';

export const ALERTING_GROUP = 'sentinel-alerting';
/** A publish while RabbitMQ is away fails at once, so retrying often is cheap and alerts flow soon after it is back. */
const AMQP_MAX_RETRY_DELAY_MS = 5_000;

export interface AlertingServiceOptions {
  bus: Bus;
  state: AlertState;
  config: SentinelConfig['alerting'];
  logger: Logger;
  /** RabbitMQ, when configured. */
  publisher?: AlertPublisher | null;
  now?: () => number;
}

/**
 * Anomalies → silences → dedup → grouping → a durable outbox of deliveries, committed before the
 * Kafka offset; loops drain the outbox to webhooks and RabbitMQ, so an outage of either delays alerts
 * and loses none.
 */
export class AlertingService {
  readonly admin: AlertAdmin;
  private consumer: Consumer | null = null;
  private readonly router: AlertRouter;
  private readonly loops: PollingLoop[] = [];
  private readonly deadLetters: DeadLetters;
  private readonly now: () => number;

  constructor(private readonly options: AlertingServiceOptions) {
    const { bus, state, config, logger, publisher } = options;
    this.now = options.now ?? Date.now;
    const retry = { baseMs: config.retryBaseMs, maxDelayMs: config.retryMaxDelayMs };
    this.router = new AlertRouter(state, { ...config, amqpExchange: publisher ? config.rabbitmq.exchange : null });
    const webhooks = new WebhookDispatcher(state, { ...config, retry, logger, now: this.now });
    this.admin = new AlertAdmin(state, webhooks, { ...config, now: this.now });
    this.deadLetters = new DeadLetters(bus);
    const every = config.pollIntervalMs;
    this.loops.push(new PollingLoop('webhooks', () => webhooks.dispatchDue(), every, logger));
    if (publisher) {
      const amqp = new AmqpDispatcher(state, publisher, { retry: { baseMs: config.retryBaseMs, maxDelayMs: AMQP_MAX_RETRY_DELAY_MS }, batchSize: 500, logger, now: this.now });
      this.loops.push(new PollingLoop('rabbitmq', () => amqp.dispatchDue(), every, logger));
    }
    this.loops.push(new PollingLoop('groups', async () => (await this.router.flushGroups(this.now())) > 0, every, logger));
  }

  async start(): Promise<void> {
    await syncConfigSubscriptions(this.options.state, this.options.config.webhooks, this.now());
    for (const loop of this.loops) loop.start();
    this.consumer = await this.options.bus.topic(TOPICS.anomalies).consume({ group: ALERTING_GROUP, handler: (b) => this.handle(b) });
  }

  /** Stops consuming, then lets the loops finish the pass they are in; what is still due waits in the state. */
  async stop(): Promise<void> {
    await this.consumer?.stop();
    this.consumer = null;
    await Promise.all(this.loops.map((l) => l.stop()));
  }

  /**
   * One `alert` span per run of anomalies that carry the same trace context (that of the `detect` span which
   * raised them), its child: the alert is in the trace of the request that sent the event. The span is active
   * while routing, so each delivery written to the outbox keeps its context for the delivery's span. Tracing
   * off: one run, the whole batch, routed in one call.
   */
  private handle(batch: RecordBatch): Promise<void> {
    return traceRuns('alert', batch, { group: ALERTING_GROUP }, ({ records, span }) => this.route(records, span));
  }

  private async route(records: readonly ConsumedRecord[], span: Span): Promise<void> {
    const { values, bad } = decodeRecords(records, decodeAnomaly);
    const summary = await this.router.route(values, this.now());
    if (span.isRecording()) span.setAttributes({ 'sentinel.anomalies': values.length, 'sentinel.alerts.sent': summary.sent, 'sentinel.alerts.silenced': summary.silenced, 'sentinel.alerts.deduplicated': summary.deduplicated });
    pipelineMetrics.recordsIn.inc({ stage: 'alerting', source: 'bus', result: 'accepted' }, values.length);
    await this.deadLetters.send('alerting', bad);
    if (summary.sent > 0) for (const loop of this.loops) loop.wake();
  }
}

/** The config file's webhooks become `config` subscriptions; ones removed from the file are removed. */
async function syncConfigSubscriptions(state: AlertState, webhooks: readonly WebhookSubscriber[], nowMs: number): Promise<void> {
  const wanted = new Set(webhooks.map((w) => w.id));
  for (const sub of await state.subscriptions.list()) {
    if (sub.managedBy === 'config' && !wanted.has(sub.id)) await state.subscriptions.delete(sub.id);
  }
  for (const w of webhooks) {
    const existing = await state.subscriptions.get(w.id);
    if (existing && existing.managedBy !== 'config') throw new ConfigError([`alerting.webhooks: id "${w.id}" is already used by a subscription created over the API`]);
    const sub: Subscription = {
      id: w.id,
      name: w.id,
      url: w.url,
      secrets: [{ secret: w.secret, expiresAt: null }],
      minSeverity: w.minSeverity,
      services: w.services,
      models: w.models,
      anomalyTypes: w.anomalyTypes,
      enabled: true,
      managedBy: 'config',
      createdAt: existing?.createdAt ?? nowMs,
      updatedAt: nowMs,
    };
    await state.subscriptions.put(sub);
  }
}
