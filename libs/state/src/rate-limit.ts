import type { Redis } from 'ioredis';
import { LRUCache } from 'lru-cache';

export interface TokenBucket {
  /** Sustained rate: tokens added per second. */
  ratePerSecond: number;
  /** Capacity: the largest burst. */
  burst: number;
}

export interface RateDecision {
  allowed: boolean;
  /** When refused: how long until `cost` tokens are available. */
  retryAfterMs: number;
}

/** Token buckets keyed by caller (an API key id). A cost is the number of events a request carries. */
export interface RateLimiter {
  take(key: string, cost: number, bucket: TokenBucket): Promise<RateDecision>;
}

interface BucketState {
  tokens: number;
  at: number;
}

/** In one process (one-process mode): buckets in memory; the least recently used are forgotten (they refill anyway). */
export class MemoryRateLimiter implements RateLimiter {
  private readonly buckets = new LRUCache<string, BucketState>({ max: 100_000 });

  constructor(private readonly now: () => number = Date.now) {}

  async take(key: string, cost: number, bucket: TokenBucket): Promise<RateDecision> {
    const now = this.now();
    const state = this.buckets.get(key) ?? { tokens: bucket.burst, at: now };
    const tokens = Math.min(bucket.burst, state.tokens + ((now - state.at) / 1000) * bucket.ratePerSecond);
    if (tokens >= cost) {
      this.buckets.set(key, { tokens: tokens - cost, at: now });
      return { allowed: true, retryAfterMs: 0 };
    }
    this.buckets.set(key, { tokens, at: now });
    return { allowed: false, retryAfterMs: Math.ceil(((cost - tokens) / bucket.ratePerSecond) * 1000) };
  }
}

/**
 * The same bucket in Redis, so every ingestion process of a services deployment draws on one budget per
 * key. The script reads Redis's own clock: processes with skewed clocks still agree.
 */
const TAKE = `
local rate, burst, cost = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens, at = tonumber(state[1]) or burst, tonumber(state[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - at) / 1000 * rate)
local allowed = 0
if tokens >= cost then tokens = tokens - cost; allowed = 1 end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', now)
redis.call('PEXPIRE', KEYS[1], math.ceil(burst / rate * 1000) + 1000)
if allowed == 1 then return {1, 0} end
return {0, math.ceil((cost - tokens) / rate * 1000)}`;

export class RedisRateLimiter implements RateLimiter {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  async take(key: string, cost: number, bucket: TokenBucket): Promise<RateDecision> {
    const [allowed, retryAfterMs] = (await this.redis.eval(TAKE, 1, `sentinel:ratelimit:v1:${this.prefix}${key}`, bucket.ratePerSecond, bucket.burst, cost)) as [number, number];
    return { allowed: allowed === 1, retryAfterMs };
  }
}
