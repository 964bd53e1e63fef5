export interface RetryPolicy {
  baseMs: number;
  maxDelayMs: number;
}

/**
 * The wait before retry number `attempt` (1 = after the first failure): exponential, capped, with
 * "equal jitter" (half fixed, half random) so a receiver that comes back is not hit by every retry at once,
 * yet no retry comes sooner than half the schedule.
 */
export function retryDelayMs(attempt: number, policy: RetryPolicy, random: () => number): number {
  const exp = Math.min(policy.maxDelayMs, policy.baseMs * 2 ** Math.min(attempt - 1, 30));
  return Math.round(exp / 2 + random() * (exp / 2));
}

export interface BreakerPolicy {
  /** Consecutive failures that open the circuit. */
  failureThreshold: number;
  /** How long it stays open before one probe is let through. */
  cooldownMs: number;
}

/**
 * A circuit breaker for one target: closed, open after `failureThreshold` consecutive failures, then
 * half-open after the cooldown, when exactly one attempt probes; its success closes the circuit, its
 * failure opens it again. Time comes in, so the logic is testable without waiting.
 */
export class CircuitBreaker {
  private failures = 0;
  private openUntil = 0;
  private probing = false;

  constructor(private readonly policy: BreakerPolicy) {}

  /** Whether an attempt may go now; false means wait until `retryAt`. */
  allow(nowMs: number): boolean {
    if (this.failures < this.policy.failureThreshold) return true;
    if (nowMs < this.openUntil || this.probing) return false;
    this.probing = true;
    return true;
  }

  /** When an attempt may go again, while the circuit is open. */
  get retryAt(): number {
    return this.openUntil;
  }

  get state(): 'closed' | 'open' | 'half-open' {
    if (this.failures < this.policy.failureThreshold) return 'closed';
    return this.probing ? 'half-open' : 'open';
  }

  success(): void {
    this.failures = 0;
    this.probing = false;
  }

  failure(nowMs: number): void {
    this.failures++;
    if (this.failures >= this.policy.failureThreshold) {
      this.probing = false;
      this.openUntil = nowMs + this.policy.cooldownMs;
    }
  }
}
