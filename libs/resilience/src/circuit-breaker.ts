export type BreakerState = 'closed' | 'open' | 'half-open';

export interface CircuitBreakerOptions {
  /** Consecutive failures that open the circuit. */
  failureThreshold: number;
  /** How long the circuit stays open before one probe may go through. */
  resetTimeoutMs: number;
}

/**
 * A circuit breaker as a small state machine. It reads no clock: every call that depends on time is given
 * `now` (epoch ms), so tests drive it step by step and the caller decides what time is.
 *
 * closed --threshold consecutive failures--> open --resetTimeoutMs--> half-open (one probe at a time)
 * half-open --probe succeeds--> closed; --probe fails--> open for another resetTimeoutMs.
 */
export class CircuitBreaker {
  private failures = 0;
  private openedAt: number | null = null;
  private probeStartedAt: number | null = null;

  constructor(private readonly options: CircuitBreakerOptions) {
    if (!(options.failureThreshold >= 1) || !(options.resetTimeoutMs >= 0)) throw new RangeError('failureThreshold must be >= 1 and resetTimeoutMs >= 0');
  }

  state(now: number): BreakerState {
    if (this.openedAt === null) return 'closed';
    return this.probeStartedAt !== null || now - this.openedAt >= this.options.resetTimeoutMs ? 'half-open' : 'open';
  }

  /** Epoch ms from which a probe is allowed, or null while closed. */
  retryAt(): number | null {
    return this.openedAt === null ? null : this.openedAt + this.options.resetTimeoutMs;
  }

  consecutiveFailures(): number {
    return this.failures;
  }

  /**
   * May a request go out now? When it answers true in the half-open state the caller holds the one probe
   * slot and must report its outcome with onSuccess or onFailure.
   */
  tryAcquire(now: number): boolean {
    if (this.openedAt === null) return true;
    if (now - this.openedAt < this.options.resetTimeoutMs) return false;
    // A probe whose outcome never came back (a hung request) must not block the circuit forever.
    if (this.probeStartedAt !== null && now - this.probeStartedAt < this.options.resetTimeoutMs) return false;
    this.probeStartedAt = now;
    return true;
  }

  onSuccess(): void {
    this.failures = 0;
    this.openedAt = null;
    this.probeStartedAt = null;
  }

  onFailure(now: number): void {
    this.failures++;
    if (this.probeStartedAt !== null) {
      // The probe failed: stay open for a full timeout from now.
      this.probeStartedAt = null;
      this.openedAt = now;
    } else if (this.openedAt === null && this.failures >= this.options.failureThreshold) {
      this.openedAt = now;
    }
  }
}
