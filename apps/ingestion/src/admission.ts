import { HttpProblem } from '@sentinel/http';
import type { RateLimiter, TokenBucket } from '@sentinel/state';

export interface AdmissionLimits extends TokenBucket {
  perKey: Record<string, TokenBucket>;
}

/** Per-caller rate limits on events, shared by every ingest path so a caller cannot dodge them by switching path. */
export class IngestAdmission {
  constructor(
    private readonly limiter: RateLimiter,
    private readonly limits: AdmissionLimits,
  ) {}

  bucketOf(caller: string): TokenBucket {
    return this.limits.perKey[caller] ?? this.limits;
  }

  /** Resolves when `caller` may send `events` now; otherwise answers 429 with Retry-After (or 413 when it never could). */
  async admit(caller: string, events: number): Promise<void> {
    const bucket = this.bucketOf(caller);
    if (events > bucket.burst) throw new HttpProblem(413, `${events} events in one request exceed the burst of ${bucket.burst} allowed for this API key; split the batch`);
    const decision = await this.limiter.take(caller, events, bucket);
    if (!decision.allowed) {
      const seconds = Math.max(1, Math.ceil(decision.retryAfterMs / 1000));
      throw new HttpProblem(429, `rate limit of ${bucket.ratePerSecond} events/s for this API key reached; retry in ${seconds} s`, { headers: { 'retry-after': String(seconds) } });
    }
  }

  /** For paths without a caller to answer (the Kafka raw topic): waits until the events fit instead of refusing them. */
  async throttle(source: string, events: number, signal?: AbortSignal): Promise<void> {
    const bucket = this.bucketOf(source);
    const cost = Math.min(events, bucket.burst);
    for (;;) {
      const decision = await this.limiter.take(source, cost, bucket);
      if (decision.allowed || signal?.aborted) return;
      await new Promise((r) => setTimeout(r, decision.retryAfterMs));
    }
  }
}
