export type { Checkpoint, CheckpointStore } from './checkpoints.js';
export { RedisCheckpointStore } from './redis-checkpoints.js';
export { connectRedis, type RedisOptions } from './redis.js';
