import { describe, expect, it } from 'vitest';
import { CircuitBreaker } from '../src/index.js';

const breaker = () => new CircuitBreaker({ failureThreshold: 3, resetTimeoutMs: 1000 });

/** Opens a fresh breaker at time `at`. */
function opened(at = 0): CircuitBreaker {
  const b = breaker();
  for (let i = 0; i < 3; i++) b.onFailure(at);
  return b;
}

describe('CircuitBreaker', () => {
  it('lets everything through while closed', () => {
    const b = breaker();
    expect(b.state(0)).toBe('closed');
    expect(b.tryAcquire(0)).toBe(true);
    expect(b.retryAt()).toBeNull();
  });

  it('opens after the threshold of consecutive failures, and a success resets the count', () => {
    const b = breaker();
    b.onFailure(0);
    b.onFailure(0);
    b.onSuccess();
    b.onFailure(0);
    b.onFailure(0);
    expect(b.state(0)).toBe('closed');
    expect(b.consecutiveFailures()).toBe(2);
    b.onFailure(10);
    expect(b.state(10)).toBe('open');
    expect(b.retryAt()).toBe(1010);
  });

  it('refuses requests while open, until the reset timeout has passed', () => {
    const b = opened(0);
    expect(b.tryAcquire(0)).toBe(false);
    expect(b.tryAcquire(999)).toBe(false);
    expect(b.state(999)).toBe('open');
    expect(b.state(1000)).toBe('half-open');
  });

  it('allows one probe at a time when half-open', () => {
    const b = opened(0);
    expect(b.tryAcquire(1000)).toBe(true);
    expect(b.tryAcquire(1001)).toBe(false);
    expect(b.tryAcquire(1500)).toBe(false);
    expect(b.state(1500)).toBe('half-open');
  });

  it('closes when the probe succeeds', () => {
    const b = opened(0);
    b.tryAcquire(1000);
    b.onSuccess();
    expect(b.state(1000)).toBe('closed');
    expect(b.consecutiveFailures()).toBe(0);
    expect(b.tryAcquire(1000)).toBe(true);
  });

  it('reopens for a full timeout from the failed probe', () => {
    const b = opened(0);
    b.tryAcquire(1200);
    b.onFailure(1300);
    expect(b.state(1300)).toBe('open');
    expect(b.retryAt()).toBe(2300);
    expect(b.tryAcquire(2299)).toBe(false);
    expect(b.tryAcquire(2300)).toBe(true);
  });

  it('does not let a probe that never reports back block the circuit forever', () => {
    const b = opened(0);
    expect(b.tryAcquire(1000)).toBe(true);
    expect(b.tryAcquire(1999)).toBe(false);
    expect(b.tryAcquire(2000)).toBe(true);
  });

  it('ignores late failures of requests sent before it opened', () => {
    const b = opened(0);
    b.onFailure(500);
    expect(b.retryAt()).toBe(1000);
  });

  it('refuses nonsensical settings', () => {
    expect(() => new CircuitBreaker({ failureThreshold: 0, resetTimeoutMs: 1 })).toThrow(RangeError);
    expect(() => new CircuitBreaker({ failureThreshold: 1, resetTimeoutMs: -1 })).toThrow(RangeError);
  });
});
