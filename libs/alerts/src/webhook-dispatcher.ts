import type { Logger } from 'pino';
import { pipelineMetrics } from '@sentinel/observability';
import { CircuitBreaker, retryDelayMs, type BackoffPolicy, type CircuitBreakerOptions } from '@sentinel/resilience';
import { assertPublicTarget } from './targets.js';
import { sendWebhook } from './webhook-sender.js';
import { traceWebhookAttempt } from './tracing.js';
import type { AlertState, Delivery, DeliveryAttempt, Subscription } from './state/alert-state.js';

export interface WebhookDispatcherOptions {
  timeoutMs: number;
  retry: BackoffPolicy;
  breaker: CircuitBreakerOptions;
  allowPrivateTargets: boolean;
  /** Deliveries attempted at once. */
  concurrency: number;
  logger: Logger;
  now?: () => number;
  random?: () => number;
}

/**
 * Attempts the webhook deliveries that are due, records every attempt, and schedules the next one
 * (exponential back-off with jitter) in the durable state, so the schedule survives a restart. Past
 * its deadline a delivery is dead: listed over the API, retried only by hand. A subscription whose
 * circuit is open is not called; its deliveries wait for the probe.
 */
export class WebhookDispatcher {
  private readonly breakers = new Map<string, CircuitBreaker>();
  private readonly now: () => number;
  private readonly random: () => number;

  constructor(
    private readonly state: AlertState,
    private readonly options: WebhookDispatcherOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.random = options.random ?? Math.random;
  }

  /** One pass over due deliveries; true when there may be more due right now. */
  async dispatchDue(): Promise<boolean> {
    const { concurrency, timeoutMs } = this.options;
    const limit = concurrency * 4;
    // The lease outlives the slowest pass, so no other dispatcher takes a delivery still in flight.
    const leaseMs = Math.ceil(limit / concurrency) * timeoutMs + 30_000;
    const due = await this.state.deliveries.claim('webhook', this.now(), limit, leaseMs);
    if (due.length === 0) return false;
    const subs = new Map((await this.state.subscriptions.list()).map((s) => [s.id, s]));
    let next = 0;
    const worker = async () => {
      while (next < due.length) {
        const d = due[next++]!;
        await this.attempt(d, subs.get(d.target));
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, due.length) }, worker));
    return due.length === limit;
  }

  /** Sends a `webhook.test` event once, now, outside the retry schedule; the result is in the deliveries log. */
  async sendTest(sub: Subscription, delivery: Delivery): Promise<Delivery> {
    const attempt = await this.send(sub, delivery);
    const done: Delivery = { ...delivery, attempts: [attempt], status: attempt.ok ? 'delivered' : 'dead', nextAttemptAt: null };
    await this.state.deliveries.enqueue([done]);
    return done;
  }

  private async attempt(d: Delivery, sub: Subscription | undefined): Promise<void> {
    const nowMs = this.now();
    if (!sub || !sub.enabled) {
      return this.finish(d, { at: nowMs, status: null, ok: false, error: sub ? 'subscription disabled' : 'subscription deleted', durationMs: 0 }, true);
    }
    const breaker = this.breaker(sub.id);
    if (!breaker.tryAcquire(nowMs)) {
      // Not an attempt: the circuit is open, so the delivery waits for the probe's outcome.
      pipelineMetrics.webhookDeliveries.inc({ result: 'circuit_open' });
      await this.state.deliveries.update({ ...d, nextAttemptAt: Math.max(breaker.retryAt() ?? nowMs, nowMs + 1_000) });
      return;
    }
    const attempt = await traceWebhookAttempt(d, () => this.send(sub, d));
    if (attempt.ok) breaker.onSuccess();
    else breaker.onFailure(attempt.at);
    await this.finish(d, attempt, false);
  }

  private async send(sub: Subscription, d: Delivery): Promise<DeliveryAttempt> {
    if (!this.options.allowPrivateTargets) {
      try {
        await assertPublicTarget(sub.url);
      } catch (e) {
        return { at: this.now(), status: null, ok: false, error: (e as Error).message, durationMs: 0 };
      }
    }
    const attempt = await sendWebhook(sub, d, this.options.timeoutMs, this.now);
    pipelineMetrics.webhookSeconds.observe({ result: attempt.ok ? 'delivered' : 'failed' }, attempt.durationMs / 1000);
    return attempt;
  }

  private async finish(d: Delivery, attempt: DeliveryAttempt, final: boolean): Promise<void> {
    const attempts = [...d.attempts, attempt];
    let updated: Delivery;
    if (attempt.ok) {
      updated = { ...d, attempts, status: 'delivered', nextAttemptAt: null };
    } else {
      const retryAt = attempt.at + retryDelayMs(attempts.length, this.options.retry, this.random);
      const dead = final || retryAt > d.deadlineAt;
      updated = { ...d, attempts, status: dead ? 'dead' : 'pending', nextAttemptAt: dead ? null : retryAt };
      if (dead) this.options.logger.warn({ delivery: d.id, attempts: attempts.length, error: attempt.error }, 'webhook delivery dead-lettered');
    }
    pipelineMetrics.webhookDeliveries.inc({ result: updated.status === 'pending' ? 'retry' : updated.status });
    await this.state.deliveries.update(updated);
  }

  private breaker(id: string): CircuitBreaker {
    let b = this.breakers.get(id);
    if (!b) this.breakers.set(id, (b = new CircuitBreaker(this.options.breaker)));
    return b;
  }
}
