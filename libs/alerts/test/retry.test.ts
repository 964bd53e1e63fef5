import { describe, expect, it } from 'vitest';
import { CircuitBreaker, retryDelayMs } from '../src/index.js';

describe('retryDelayMs', () => {
  const policy = { baseMs: 100, maxDelayMs: 1000 };

  it('doubles per attempt up to the cap, with half of each delay random', () => {
    expect([1, 2, 3, 4, 5, 40].map((n) => retryDelayMs(n, policy, () => 1))).toEqual([100, 200, 400, 800, 1000, 1000]);
    expect([1, 2, 3, 4, 5].map((n) => retryDelayMs(n, policy, () => 0))).toEqual([50, 100, 200, 400, 500]);
  });
});

describe('CircuitBreaker', () => {
  it('opens after the threshold of consecutive failures; a success in between resets the count', () => {
    const b = new CircuitBreaker({ failureThreshold: 3, cooldownMs: 1000 });
    b.failure(0);
    b.failure(1);
    b.success();
    b.failure(2);
    b.failure(3);
    expect(b.allow(4)).toBe(true);
    b.failure(4);
    expect(b.state).toBe('open');
    expect(b.allow(5)).toBe(false);
    expect(b.retryAt).toBe(1004);
  });

  it('lets exactly one probe through after the cool-down; its outcome closes or reopens the circuit', () => {
    const b = new CircuitBreaker({ failureThreshold: 1, cooldownMs: 1000 });
    b.failure(0);
    expect(b.allow(999)).toBe(false);
    expect(b.allow(1000)).toBe(true);
    expect(b.state).toBe('half-open');
    expect(b.allow(1001)).toBe(false);
    b.failure(1100);
    expect(b.allow(1500)).toBe(false);
    expect(b.retryAt).toBe(2100);
    expect(b.allow(2100)).toBe(true);
    b.success();
    expect(b.state).toBe('closed');
    expect(b.allow(2101)).toBe(true);
  });
});
