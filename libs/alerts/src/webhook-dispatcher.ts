import type { Logger } from 'pino';
import { pipelineMetrics } from '@sentinel/observability';
import { CircuitBreaker, retryDelayMs, type BackoffPolicy, type CircuitBreakerOptions } from '@sentinel/resilience';
import { assertPublicTarget } from './targets.js';
import { sendWebhook } from './webhook-sender.js';
import { traceWebhookAttempt } from './tracing.js';
import type { AlertState, Delivery, DeliveryAttempt, Subscription } from './state/alert-state.js';

/** Claims of one dispatchDue pass at most, so that a pass under sustained load still ends (for stop()). */
const CLAIMS_PER_PASS = 16;

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

  /**
   * One pass over due deliveries; true when there may be more due right now.
   *
   * `concurrency` attempts stay in flight across claims: the next claim is made while the last few
   * deliveries of the one before are still being attempted, up to CLAIMS_PER_PASS claims a pass. So a
   * slow endpoint holds up its own attempt, not the deliveries claimed after it, and the workers do not
   * sit idle behind each claim's stragglers.
   */
  async dispatchDue(): Promise<boolean> {
    const { concurrency, timeoutMs } = this.options;
    const limit = concurrency * 4;
    // The lease outlives the wait of a delivery behind the `concurrency` unstarted ones before its claim
    // and the rest of its own claim, so no other dispatcher takes a delivery still queued or in flight.
    const leaseMs = Math.ceil((limit + concurrency) / concurrency) * timeoutMs + 30_000;
    const queue: Array<{ delivery: Delivery; sub: Subscription | undefined }> = [];
    let more = true;
    let claims = 0;
    let failure: unknown = null;
    const claim = async (): Promise<void> => {
      claims++;
      const due = await this.state.deliveries.claim('webhook', this.now(), limit, leaseMs);
      more = due.length === limit;
      if (due.length === 0) return;
      // Read after the claim: a subscription created with its first deliveries is already listed.
      const subs = new Map((await this.state.subscriptions.list()).map((s) => [s.id, s]));
      for (const delivery of due) queue.push({ delivery, sub: subs.get(delivery.target) });
    };
    await claim();
    if (queue.length === 0) return false;
    let next = 0;
    let refill: Promise<void> | null = null;
    const topUp = (): void => {
      if (refill !== null || !more || claims >= CLAIMS_PER_PASS || queue.length - next > concurrency) return;
      refill = claim()
        .catch((e: unknown) => {
          failure ??= e;
          more = false;
        })
        .finally(() => (refill = null));
    };
    const worker = async (): Promise<void> => {
      for (;;) {
        topUp();
        if (next < queue.length) {
          const { delivery, sub } = queue[next++]!;
          await this.attempt(delivery, sub);
        } else if (refill !== null) await refill;
        else return;
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    if (failure !== null) throw failure;
    return more;
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
