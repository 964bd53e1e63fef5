import type { Logger } from 'pino';
import { pipelineMetrics } from '@sentinel/observability';
import { retryDelayMs, type BackoffPolicy } from '@sentinel/resilience';
import type { AlertState, Delivery } from './state/alert-state.js';
import { AmqpPublishError } from './amqp.js';
import { traceAmqpPublish } from './tracing.js';

export interface AlertMessage {
  id: string;
  routingKey: string;
  body: string;
}

/** Publishes to the broker and resolves once it has confirmed every message; rejects otherwise. */
export interface AlertPublisher {
  publish(messages: AlertMessage[]): Promise<void>;
}

export interface AmqpDispatcherOptions {
  retry: BackoffPolicy;
  batchSize: number;
  logger: Logger;
  now?: () => number;
  random?: () => number;
}

/**
 * Drains the AMQP outbox: due alerts are published together and marked delivered once confirmed. While
 * the broker is away they stay pending with a growing back-off, so they go out once it is back.
 */
export class AmqpDispatcher {
  private readonly now: () => number;
  private readonly random: () => number;

  constructor(
    private readonly state: AlertState,
    private readonly publisher: AlertPublisher,
    private readonly options: AmqpDispatcherOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.random = options.random ?? Math.random;
  }

  /** One pass; true when there may be more due right now. */
  async dispatchDue(): Promise<boolean> {
    const { batchSize } = this.options;
    const due = await this.state.deliveries.claim('amqp', this.now(), batchSize, 60_000);
    if (due.length === 0) return false;
    const started = this.now();
    let error: string | undefined;
    try {
      await traceAmqpPublish(due, () => this.publisher.publish(due.map((d) => ({ id: d.messageId, routingKey: d.routingKey!, body: d.body }))));
      pipelineMetrics.amqpPublishes.inc({ result: 'confirmed' }, due.length);
    } catch (e) {
      error = (e as Error).message;
      countFailed(due.length, e);
    }
    const at = this.now();
    const durationMs = at - started;
    for (const d of due) {
      const attempts = [...d.attempts, error === undefined ? { at, status: null, ok: true, durationMs } : { at, status: null, ok: false, error, durationMs }];
      const updated: Delivery =
        error === undefined
          ? { ...d, attempts, status: 'delivered', nextAttemptAt: null }
          : { ...d, attempts, nextAttemptAt: at + retryDelayMs(attempts.length, this.options.retry, this.random) };
      await this.state.deliveries.update(updated);
    }
    if (error !== undefined) {
      this.options.logger.debug({ alerts: due.length, reason: error }, 'RabbitMQ publish failed; alerts wait in the outbox');
      return false;
    }
    return due.length === batchSize;
  }
}

/**
 * `sentinel_amqp_publishes_total` of a publish that failed: what the broker still confirmed, what it
 * nacked, and what got no answer (broker away, channel closed, confirm timeout).
 */
function countFailed(sent: number, e: unknown): void {
  const failed = e instanceof AmqpPublishError ? Math.min(sent, e.failedIds.length) : sent;
  const nacked = e instanceof AmqpPublishError ? Math.min(failed, e.nacked) : 0;
  if (sent > failed) pipelineMetrics.amqpPublishes.inc({ result: 'confirmed' }, sent - failed);
  if (nacked > 0) pipelineMetrics.amqpPublishes.inc({ result: 'nacked' }, nacked);
  if (failed > nacked) pipelineMetrics.amqpPublishes.inc({ result: 'failed' }, failed - nacked);
}
