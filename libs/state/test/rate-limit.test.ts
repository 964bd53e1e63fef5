import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryRateLimiter, RedisRateLimiter, connectRedis } from '../src/index.js';

describe('MemoryRateLimiter', () => {
  it('allows a burst, refuses beyond it with the wait until enough tokens, and refills at the rate', async () => {
    let now = 0;
    const limiter = new MemoryRateLimiter(() => now);
    const bucket = { ratePerSecond: 100, burst: 500 };
    expect(await limiter.take('k', 400, bucket)).toEqual({ allowed: true, retryAfterMs: 0 });
    expect(await limiter.take('k', 200, bucket)).toEqual({ allowed: false, retryAfterMs: 1000 });
    expect(await limiter.take('other', 500, bucket)).toEqual({ allowed: true, retryAfterMs: 0 });
    now = 1000;
    expect((await limiter.take('k', 200, bucket)).allowed).toBe(true);
    now = 1_000_000;
    expect((await limiter.take('k', 500, bucket)).allowed).toBe(true);
    expect((await limiter.take('k', 1, bucket)).retryAfterMs).toBe(10);
  });
});

describe('RedisRateLimiter', () => {
  let redis: Redis;
  beforeAll(async () => {
    redis = await connectRedis({ url: process.env.SENTINEL_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379', logger: pino({ level: 'silent' }) });
  });
  afterAll(async () => {
    await redis.quit();
  });

  it('shares one budget per key between processes', async () => {
    const prefix = `test-${randomUUID()}:`;
    const a = new RedisRateLimiter(redis, prefix);
    const b = new RedisRateLimiter(redis, prefix);
    const bucket = { ratePerSecond: 1, burst: 5 };
    expect(await a.take('key', 5, bucket)).toEqual({ allowed: true, retryAfterMs: 0 });
    const refused = await b.take('key', 1, bucket);
    expect(refused.allowed).toBe(false);
    expect(refused.retryAfterMs).toBeGreaterThan(900);
    expect(refused.retryAfterMs).toBeLessThanOrEqual(1000);
    expect((await b.take('another-key', 5, bucket)).allowed).toBe(true);
    expect((await a.take('key', 50, bucket)).allowed).toBe(false);
  });
});
