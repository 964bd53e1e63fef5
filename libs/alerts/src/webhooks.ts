import type { Logger } from 'pino';
import { severityRank, type AnomalyEvent } from '@sentinel/contracts';
import type { WebhookSubscriber } from '@sentinel/config';
import { pipelineMetrics } from '@sentinel/observability';
import { signWebhook } from './signing.js';
import { assertPublicTarget } from './targets.js';

export interface WebhookOptions {
  timeoutMs: number;
  maxAttempts: number;
  retryBaseMs: number;
  allowPrivateTargets: boolean;
  logger: Logger;
  /** How many deliveries may be in flight at once. */
  concurrency?: number;
}

export interface DeliveryResult {
  subscriber: string;
  ok: boolean;
  attempts: number;
  status: number | null;
  error?: string;
}

export function matches(sub: WebhookSubscriber, a: AnomalyEvent): boolean {
  return (
    severityRank(a.severity) >= severityRank(sub.minSeverity) &&
    (sub.services.length === 0 || sub.services.includes(a.service_name)) &&
    (sub.models.length === 0 || sub.models.includes(a.model)) &&
    (sub.anomalyTypes.length === 0 || sub.anomalyTypes.includes(a.anomaly_type))
  );
}

/** The Standard Webhooks payload: `type`, event `timestamp`, `data`. */
export function webhookPayload(anomaly: AnomalyEvent, count: number): string {
  return JSON.stringify({ type: 'anomaly.detected', timestamp: anomaly.timestamp, data: { ...anomaly, occurrences: count } });
}

const RETRYABLE = new Set([408, 425, 429, 500, 502, 503, 504]);

/**
 * Signed webhook delivery to the configured subscribers, with retries (exponential back-off and full
 * jitter) on transport errors and retryable statuses. `webhook-id` is the alert id, the same on every
 * retry, so receivers can drop duplicates.
 */
export class WebhookNotifier {
  private inFlight = 0;
  private readonly waiting: Array<() => void> = [];
  private readonly pending = new Set<Promise<DeliveryResult[]>>();

  constructor(
    private readonly subscribers: readonly WebhookSubscriber[],
    private readonly options: WebhookOptions,
  ) {}

  /** Starts delivery and returns at once; `drain()` waits for everything started. */
  enqueue(anomaly: AnomalyEvent, count: number): void {
    const p = this.notify(anomaly, count).finally(() => this.pending.delete(p));
    this.pending.add(p);
  }

  async drain(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  async notify(anomaly: AnomalyEvent, count: number): Promise<DeliveryResult[]> {
    const targets = this.subscribers.filter((s) => matches(s, anomaly));
    if (targets.length === 0) return [];
    const body = webhookPayload(anomaly, count);
    return Promise.all(targets.map((s) => this.withSlot(() => this.deliver(s, `msg_${anomaly.alert_id}`, body))));
  }

  private async withSlot<T>(fn: () => Promise<T>): Promise<T> {
    const limit = this.options.concurrency ?? 64;
    while (this.inFlight >= limit) await new Promise<void>((r) => this.waiting.push(r));
    this.inFlight++;
    try {
      return await fn();
    } finally {
      this.inFlight--;
      this.waiting.shift()?.();
    }
  }

  private async deliver(sub: WebhookSubscriber, id: string, body: string): Promise<DeliveryResult> {
    const { logger, maxAttempts, retryBaseMs, timeoutMs } = this.options;
    if (!this.options.allowPrivateTargets) {
      try {
        await assertPublicTarget(sub.url);
      } catch (e) {
        pipelineMetrics.webhookDeliveries.inc({ result: 'refused' });
        logger.warn({ subscriber: sub.id, reason: (e as Error).message }, 'webhook target refused');
        return { subscriber: sub.id, ok: false, attempts: 0, status: null, error: (e as Error).message };
      }
    }
    let status: number | null = null;
    let error: string | undefined;
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      const timestamp = Math.floor(Date.now() / 1000);
      try {
        const res = await fetch(sub.url, {
          method: 'POST',
          redirect: 'manual',
          signal: AbortSignal.timeout(timeoutMs),
          headers: {
            'content-type': 'application/json',
            'user-agent': 'sentinel-webhooks/1',
            'webhook-id': id,
            'webhook-timestamp': String(timestamp),
            'webhook-signature': signWebhook([sub.secret], id, timestamp, body),
          },
          body,
        });
        status = res.status;
        await res.body?.cancel();
        if (res.ok) {
          pipelineMetrics.webhookDeliveries.inc({ result: 'delivered' });
          return { subscriber: sub.id, ok: true, attempts: attempt, status };
        }
        error = `HTTP ${res.status}`;
        if (!RETRYABLE.has(res.status)) break;
      } catch (e) {
        status = null;
        error = (e as Error).message;
      }
      if (attempt < maxAttempts) {
        pipelineMetrics.webhookDeliveries.inc({ result: 'retry' });
        await new Promise((r) => setTimeout(r, Math.random() * retryBaseMs * 2 ** (attempt - 1)));
      }
    }
    pipelineMetrics.webhookDeliveries.inc({ result: 'failed' });
    logger.warn({ subscriber: sub.id, status, error }, 'webhook delivery failed');
    return { subscriber: sub.id, ok: false, attempts: maxAttempts, status, error };
  }
}
