import type { Redis } from 'ioredis';
import type { Delivery, DeliveryChannel, DeliveryQuery, DeliveryState } from '@sentinel/alerts';
import type { AlertKeys } from './keys.js';
import { LuaScript } from './lua.js';

/**
 * Shared by ENQUEUE and UPDATE: files a stored delivery by status. Pending: in its channel's due zset
 * at its next attempt (none when that is null), no expiry. Delivered or dead: out of the due zset,
 * expiring after the retention; dead ones also in the dead zset.
 */
const PLACE = `
local function trim(key, max)
  redis.call('ZREMRANGEBYRANK', key, 0, -max - 1)
end
local function place(record, due, dead, id, status, nextAt, createdAt, retention, max)
  if status == 'pending' then
    redis.call('PERSIST', record)
    redis.call('ZREM', dead, id)
    if nextAt == '' then
      redis.call('ZREM', due, id)
      redis.call('HDEL', record, 'next')
    else
      redis.call('ZADD', due, nextAt, id)
      redis.call('HSET', record, 'next', nextAt)
    end
  else
    redis.call('ZREM', due, id)
    redis.call('HDEL', record, 'next')
    redis.call('PEXPIRE', record, retention)
    if status == 'dead' then
      redis.call('ZADD', dead, createdAt, id)
      trim(dead, max)
    else
      redis.call('ZREM', dead, id)
    end
  end
end
local function log(all, byTarget, id, createdAt, max)
  redis.call('ZADD', all, createdAt, id)
  redis.call('ZADD', byTarget, createdAt, id)
  trim(all, max)
  trim(byTarget, max)
end
`;

/**
 * Stores each delivery whose id is not stored yet (first one wins within a batch too) and files it.
 *
 * KEYS: recent log, dead zset, then per delivery: record, due zset, target log.
 * ARGV: retention, max log entries, then per delivery: id, json, status, next attempt ('' for null), createdAt.
 */
const ENQUEUE = new LuaScript(`${PLACE}
local retention, max = tonumber(ARGV[1]), tonumber(ARGV[2])
local added = 0
for i = 0, (#KEYS - 2) / 3 - 1 do
  local record, due, byTarget = KEYS[3 + i * 3], KEYS[4 + i * 3], KEYS[5 + i * 3]
  local id, json, status, nextAt, createdAt = ARGV[3 + i * 5], ARGV[4 + i * 5], ARGV[5 + i * 5], ARGV[6 + i * 5], ARGV[7 + i * 5]
  if redis.call('EXISTS', record) == 0 then
    redis.call('HSET', record, 'json', json)
    place(record, due, KEYS[2], id, status, nextAt, createdAt, retention, max)
    log(KEYS[1], byTarget, id, createdAt, max)
    added = added + 1
  end
end
return added`);

/**
 * Replaces a delivery and files it by its new status; one not stored before is also logged.
 *
 * KEYS: record, due zset, dead zset, recent log, target log.
 * ARGV: id, json, status, next attempt ('' for null), createdAt, retention, max log entries.
 */
const UPDATE = new LuaScript(`${PLACE}
local existed = redis.call('EXISTS', KEYS[1])
redis.call('HSET', KEYS[1], 'json', ARGV[2])
place(KEYS[1], KEYS[2], KEYS[3], ARGV[1], ARGV[3], ARGV[4], ARGV[5], tonumber(ARGV[6]), tonumber(ARGV[7]))
if existed == 0 then log(KEYS[4], KEYS[5], ARGV[1], ARGV[5], tonumber(ARGV[7])) end
return existed`);

/**
 * Leases the channel's due deliveries: re-scored (and their next attempt set) to the lease's end.
 * An id whose record is gone is dropped from the zset and skipped.
 *
 * KEYS: due zset. ARGV: now, limit, lease, record key prefix. Returns the records' JSON.
 */
const CLAIM = new LuaScript(`
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, ARGV[2])
local leased = tonumber(ARGV[1]) + tonumber(ARGV[3])
local out = {}
for _, id in ipairs(ids) do
  local record = ARGV[4] .. id
  local json = redis.call('HGET', record, 'json')
  if json then
    redis.call('ZADD', KEYS[1], leased, id)
    redis.call('HSET', record, 'next', leased)
    out[#out + 1] = json
  else
    redis.call('ZREM', KEYS[1], id)
  end
end
return out`);

/** How many log entries `list` reads per round trip. */
const LIST_PAGE = 200;

export class RedisDeliveryState implements DeliveryState {
  constructor(
    private readonly redis: Redis,
    private readonly keys: AlertKeys,
    private readonly retentionMs: number,
    private readonly maxLogEntries: number,
  ) {}

  async enqueue(deliveries: readonly Delivery[]): Promise<void> {
    if (deliveries.length === 0) return;
    const keys = [this.keys.deliveryLog, this.keys.deadDeliveries];
    const args: Array<string | number> = [this.retentionMs, this.maxLogEntries];
    for (const d of deliveries) {
      keys.push(this.keys.delivery(d.id), this.keys.due(d.channel), this.keys.targetLog(d.target));
      args.push(d.id, JSON.stringify(d), d.status, d.nextAttemptAt ?? '', d.createdAt);
    }
    await ENQUEUE.run(this.redis, keys, args);
  }

  async claim(channel: DeliveryChannel, nowMs: number, limit: number, leaseMs: number): Promise<Delivery[]> {
    if (limit <= 0) return [];
    const records = (await CLAIM.run(this.redis, [this.keys.due(channel)], [nowMs, limit, leaseMs, this.keys.deliveryPrefix])) as string[];
    return records.map((json) => ({ ...(JSON.parse(json) as Delivery), nextAttemptAt: nowMs + leaseMs }));
  }

  async update(d: Delivery): Promise<void> {
    await UPDATE.run(
      this.redis,
      [this.keys.delivery(d.id), this.keys.due(d.channel), this.keys.deadDeliveries, this.keys.deliveryLog, this.keys.targetLog(d.target)],
      [d.id, JSON.stringify(d), d.status, d.nextAttemptAt ?? '', d.createdAt, this.retentionMs, this.maxLogEntries],
    );
  }

  async get(id: string): Promise<Delivery | null> {
    const [json, next] = await this.redis.hmget(this.keys.delivery(id), 'json', 'next');
    return json ? decode(json, next ?? null) : null;
  }

  /**
   * Reads the dead zset for dead ones, else the target's log or the whole log, newest first, and
   * filters; ids whose record has expired are skipped.
   */
  async list(query: DeliveryQuery): Promise<Delivery[]> {
    const source = query.status === 'dead' ? this.keys.deadDeliveries : query.target !== undefined ? this.keys.targetLog(query.target) : this.keys.deliveryLog;
    const out: Delivery[] = [];
    for (let start = 0; out.length < query.limit; start += LIST_PAGE) {
      const ids = await this.redis.zrevrange(source, start, start + LIST_PAGE - 1);
      if (ids.length === 0) break;
      const pipeline = this.redis.pipeline();
      for (const id of ids) pipeline.hmget(this.keys.delivery(id), 'json', 'next');
      for (const [error, fields] of (await pipeline.exec()) ?? []) {
        if (error) throw error;
        const [json, next] = fields as [string | null, string | null];
        if (!json) continue;
        const d = decode(json, next);
        if ((query.target === undefined || d.target === query.target) && (query.status === undefined || d.status === query.status)) out.push(d);
        if (out.length >= query.limit) break;
      }
      if (ids.length < LIST_PAGE) break;
    }
    return out;
  }
}

/** A stored delivery; a pending one's next attempt is the `next` field, which claims move to the lease's end. */
function decode(json: string, next: string | null): Delivery {
  const d = JSON.parse(json) as Delivery;
  if (d.status === 'pending' && next !== null) d.nextAttemptAt = Number(next);
  return d;
}
