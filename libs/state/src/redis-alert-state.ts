import type { Redis } from 'ioredis';
import type { AlertState, Silence, Subscription } from '@sentinel/alerts';
import { RedisAuditLog } from './redis-alert/audit.js';
import { RedisHashCollection } from './redis-alert/collection.js';
import { RedisDedupState } from './redis-alert/dedup.js';
import { RedisDeliveryState } from './redis-alert/deliveries.js';
import { RedisGroupState } from './redis-alert/groups.js';
import { AlertKeys } from './redis-alert/keys.js';
import { pingRedis } from './redis.js';

export interface RedisAlertStateOptions {
  /** How long a delivered or dead delivery is kept (default 7 days); pending ones are kept until they finish. */
  deliveryRetentionMs?: number;
  /** Deliveries kept in the recent log, overall and per target (default 10,000); dead ones are listed up to as many. */
  maxLogEntries?: number;
  /** Audit entries kept (default 100,000). */
  maxAuditEntries?: number;
}

/**
 * Alert state in Redis (services mode), shared by every alerting process; key layout in
 * redis-alert/keys.ts. Whatever must be atomic is one Lua script. Dedup windows and group intervals
 * compare the callers' `nowMs` with times stored in the keys; expiry only collects the garbage.
 */
export class RedisAlertState implements AlertState {
  readonly subscriptions: RedisHashCollection<Subscription>;
  readonly silences: RedisHashCollection<Silence>;
  readonly dedup: RedisDedupState;
  readonly groups: RedisGroupState;
  readonly deliveries: RedisDeliveryState;
  readonly audit: RedisAuditLog;

  constructor(
    private readonly redis: Redis,
    namespace: string,
    options: RedisAlertStateOptions = {},
  ) {
    const keys = new AlertKeys(namespace);
    this.subscriptions = new RedisHashCollection(redis, keys.subscriptions);
    this.silences = new RedisHashCollection(redis, keys.silences);
    this.dedup = new RedisDedupState(redis, keys);
    this.groups = new RedisGroupState(redis, keys);
    this.deliveries = new RedisDeliveryState(redis, keys, options.deliveryRetentionMs ?? 7 * 24 * 3_600_000, options.maxLogEntries ?? 10_000);
    this.audit = new RedisAuditLog(redis, keys, options.maxAuditEntries ?? 100_000);
  }

  /** Rejects at once while the connection is not ready, and when PING takes longer than 1.5 s (pingRedis). */
  check(): Promise<void> {
    return pingRedis(this.redis);
  }

  /** The connection is shared and belongs to whoever made it: nothing to close here. */
  async close(): Promise<void> {}
}
