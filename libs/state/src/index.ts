export type { Checkpoint, CheckpointStore } from './checkpoints.js';
export { RedisCheckpointStore } from './redis-checkpoints.js';
export { connectRedis, pingRedis, type RedisOptions } from './redis.js';
export { MemoryRateLimiter, RedisRateLimiter, type RateDecision, type RateLimiter, type TokenBucket } from './rate-limit.js';
export { RedisAlertState, type RedisAlertStateOptions } from './redis-alert-state.js';
