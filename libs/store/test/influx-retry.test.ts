import { describe, expect, it } from 'vitest';
import { HttpError, RequestTimedOutError } from '@influxdata/influxdb3-client';
import { CircuitBreaker } from '@sentinel/resilience';
import { CircuitOpenError, isRetryable, retryAfterMs, withRetry, type Runtime } from '../src/influx/retry.js';

const http = (status: number, headers?: Record<string, string>) => new HttpError(status, 'status', 'body', 'text/plain', headers);
const network = (code: string) => Object.assign(new Error(`connect ${code}`), { code });

/** A runtime whose clock moves only when sleep is called. */
function fakeRuntime(): Runtime & { sleeps: number[]; clock: number } {
  const rt = {
    clock: 0,
    sleeps: [] as number[],
    now: () => rt.clock,
    sleep: async (ms: number) => {
      rt.sleeps.push(ms);
      rt.clock += ms;
    },
    random: () => 0.5,
  };
  return rt;
}

/** A send that fails with the given errors in turn, then succeeds. */
function flaky(...errors: unknown[]) {
  let calls = 0;
  const send = async () => {
    const e = errors[calls++];
    if (e !== undefined) throw e;
  };
  return { send, calls: () => calls };
}

const options = (runtime: Runtime, breaker = new CircuitBreaker({ failureThreshold: 100, resetTimeoutMs: 1000 })) => ({ retries: 3, baseDelayMs: 100, maxDelayMs: 1000, breaker, runtime });

describe('isRetryable', () => {
  it('retries server errors, rate limits, timeouts and broken connections only', () => {
    for (const e of [http(500), http(503), http(429), http(408), network('ECONNREFUSED'), network('ECONNRESET'), network('ETIMEDOUT'), new RequestTimedOutError()]) expect(isRetryable(e)).toBe(true);
    for (const e of [http(400), http(401), http(403), http(404), http(413), new Error('bug'), network('EACCES'), null, 'text']) expect(isRetryable(e)).toBe(false);
  });
});

describe('retryAfterMs', () => {
  it("reads a server's Retry-After in seconds, and nothing else", () => {
    expect(retryAfterMs({ headers: { 'retry-after': '2' } })).toBe(2000);
    expect(retryAfterMs({ headers: { 'retry-after': 'soon' } })).toBeNull();
    expect(retryAfterMs({ headers: {} })).toBeNull();
    expect(retryAfterMs(null)).toBeNull();
  });
});

describe('withRetry', () => {
  it('retries retryable failures with growing delays, then succeeds', async () => {
    const rt = fakeRuntime();
    const f = flaky(http(503), network('ECONNRESET'));
    await withRetry(f.send, options(rt));
    expect(f.calls()).toBe(3);
    expect(rt.sleeps).toEqual([75, 150]);
  });

  it('gives up after the configured retries with the last error', async () => {
    const rt = fakeRuntime();
    const f = flaky(http(500), http(502), http(503), http(504), http(500));
    await expect(withRetry(f.send, options(rt))).rejects.toMatchObject({ statusCode: 504 });
    expect(f.calls()).toBe(4);
    expect(rt.sleeps).toHaveLength(3);
  });

  it('does not retry a request the server refused', async () => {
    const rt = fakeRuntime();
    const f = flaky(http(400));
    await expect(withRetry(f.send, options(rt))).rejects.toMatchObject({ statusCode: 400 });
    expect(f.calls()).toBe(1);
    expect(rt.sleeps).toEqual([]);
  });

  it('waits at least what Retry-After asks, within the cap', async () => {
    const rt = fakeRuntime();
    await withRetry(flaky(http(429, { 'retry-after': '0.5' }), http(503, { 'retry-after': '60' })).send, options(rt));
    expect(rt.sleeps).toEqual([500, 1000]);
  });

  it('stops sending once the breaker opens, and fails fast while it stays open', async () => {
    const rt = fakeRuntime();
    const breaker = new CircuitBreaker({ failureThreshold: 2, resetTimeoutMs: 5000 });
    const down = flaky(...Array.from({ length: 10 }, () => network('ECONNREFUSED')));
    const err = await withRetry(down.send, options(rt, breaker)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CircuitOpenError);
    expect((err as CircuitOpenError).cause).toMatchObject({ code: 'ECONNREFUSED' });
    expect(down.calls()).toBe(2);
    const again = flaky();
    await expect(withRetry(again.send, options(rt, breaker))).rejects.toBeInstanceOf(CircuitOpenError);
    expect(again.calls()).toBe(0);
  });

  it('sends one probe after the reset timeout and closes the circuit when it succeeds', async () => {
    const rt = fakeRuntime();
    const breaker = new CircuitBreaker({ failureThreshold: 1, resetTimeoutMs: 5000 });
    await expect(withRetry(flaky(network('ECONNREFUSED')).send, { ...options(rt, breaker), retries: 0 })).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    expect(breaker.state(rt.clock)).toBe('open');
    rt.clock += 5000;
    const probe = flaky();
    await withRetry(probe.send, options(rt, breaker));
    expect(probe.calls()).toBe(1);
    expect(breaker.state(rt.clock)).toBe('closed');
  });

  it('counts a refused request as the server being reachable', async () => {
    const rt = fakeRuntime();
    const breaker = new CircuitBreaker({ failureThreshold: 2, resetTimeoutMs: 5000 });
    await withRetry(flaky(network('ECONNRESET')).send, options(rt, breaker));
    breaker.onFailure(rt.clock);
    await expect(withRetry(flaky(http(401)).send, options(rt, breaker))).rejects.toMatchObject({ statusCode: 401 });
    expect(breaker.consecutiveFailures()).toBe(0);
  });
});
