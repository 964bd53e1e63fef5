import { retryDelayMs, type CircuitBreaker } from '@sentinel/resilience';

export interface RetryOptions {
  /** Attempts after the first. */
  retries: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

/** Time and chance, passed in so tests need no real clock or sleeps. */
export interface Runtime {
  now(): number;
  sleep(ms: number): Promise<void>;
  random(): number;
}

export const systemRuntime: Runtime = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  random: () => Math.random(),
};

/** Refused without trying: the circuit is open after repeated failures. */
export class CircuitOpenError extends Error {
  constructor(
    readonly retryAt: number,
    options?: { cause?: unknown },
  ) {
    super(`InfluxDB writes are paused after repeated failures; the next attempt is allowed at ${new Date(retryAt).toISOString()}`, options);
    this.name = 'CircuitOpenError';
  }
}

/** Connection-level failures worth another try; the request may not have reached the server. */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNABORTED', 'UND_ERR_SOCKET']);

/**
 * 5xx, 429 (rate limited), 408 and network errors may succeed later; other 4xx (bad line protocol, bad
 * token, unknown database) will not. Retrying a write is safe because writes are idempotent by id.
 */
export function isRetryable(e: unknown): boolean {
  if (typeof e !== 'object' || e === null) return false;
  const { statusCode, code, name } = e as { statusCode?: unknown; code?: unknown; name?: unknown };
  if (typeof statusCode === 'number') return statusCode >= 500 || statusCode === 429 || statusCode === 408;
  return (typeof code === 'string' && NETWORK_CODES.has(code)) || name === 'RequestTimedOutError';
}

/** A server's Retry-After (seconds) wins over the computed delay when longer, but never beyond maxDelayMs. */
export function retryAfterMs(e: unknown): number | null {
  const headers = (e as { headers?: Record<string, unknown> } | null)?.headers;
  const raw = headers?.['retry-after'];
  const seconds = typeof raw === 'string' || typeof raw === 'number' ? Number(raw) : NaN;
  return Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : null;
}

/**
 * Sends once, then retries retryable failures with back-off. The breaker sees every attempt: while it is
 * open nothing is sent and the call fails at once with CircuitOpenError, so a down server costs callers
 * milliseconds instead of a full back-off cycle each.
 */
export async function withRetry(send: () => Promise<void>, o: RetryOptions & { breaker: CircuitBreaker; runtime: Runtime }): Promise<void> {
  let last: unknown;
  for (let attempt = 0; ; attempt++) {
    if (!o.breaker.tryAcquire(o.runtime.now())) throw new CircuitOpenError(o.breaker.retryAt() ?? o.runtime.now(), { cause: last });
    try {
      await send();
      o.breaker.onSuccess();
      return;
    } catch (e) {
      last = e;
      if (!isRetryable(e)) {
        // The server answered (it refused this request), so it is reachable: that counts for the breaker.
        o.breaker.onSuccess();
        throw e;
      }
      o.breaker.onFailure(o.runtime.now());
      if (attempt >= o.retries) throw e;
      const delay = Math.max(retryDelayMs(attempt + 1, { baseMs: o.baseDelayMs, maxDelayMs: o.maxDelayMs }, o.runtime.random), Math.min(retryAfterMs(e) ?? 0, o.maxDelayMs));
      await o.runtime.sleep(delay);
    }
  }
}
