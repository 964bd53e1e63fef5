import type { Redis } from 'ioredis';
import type { DueGroup, GroupState, GroupedAlert } from '@sentinel/alerts';
import type { AlertKeys } from './keys.js';
import { EXPIRY_SLACK_MS, LuaScript } from './lua.js';

/**
 * Adds an alert unless the group holds it already. The first alert of an empty group is due at
 * `last + interval` when the group flushed within the interval, else (a new or forgotten group) after the wait.
 *
 * KEYS: group hash, flush-time zset. ARGV: group key, alert id, payload, now, wait, interval.
 */
const ADD = new LuaScript(`
local group, groups, field = KEYS[1], KEYS[2], 'a:' .. ARGV[2]
local now, wait, interval = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
local n = tonumber(redis.call('HGET', group, 'n') or '0')
if n == 0 then
  local last = tonumber(redis.call('HGET', group, 'last'))
  local flushAt = now + wait
  if last and now - last <= interval then flushAt = last + interval else redis.call('DEL', group) end
  redis.call('ZADD', groups, flushAt, ARGV[1])
elseif redis.call('HEXISTS', group, field) == 1 then
  return 0
end
local seq = redis.call('HINCRBY', group, 'seq', 1)
redis.call('HSET', group, field, seq .. ':' .. ARGV[3])
redis.call('HINCRBY', group, 'n', 1)
redis.call('PERSIST', group)
return 1`);

/**
 * Groups whose flush time has come, each with its fields (alerts and bookkeeping); nothing is removed.
 * A zset entry whose group holds nothing (it cannot, short of eviction) is dropped.
 *
 * KEYS: flush-time zset. ARGV: now, limit, group key prefix.
 */
const DUE = new LuaScript(`
local keys = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, ARGV[2])
local out = {}
for _, key in ipairs(keys) do
  local group = ARGV[3] .. key
  if tonumber(redis.call('HGET', group, 'n') or '0') > 0 then
    out[#out + 1] = {key, redis.call('HGETALL', group)}
  else
    redis.call('ZREM', KEYS[1], key)
  end
end
return out`);

/**
 * Removes the acked alerts and records the flush: what is left (or arrives next) is due at
 * `now + interval`. An emptied group expires a while after the interval; until then `ADD` reads `last`.
 *
 * KEYS: group hash, flush-time zset. ARGV: group key, now, interval, expiry slack, acked alert ids...
 */
const ACK = new LuaScript(`
local group, groups = KEYS[1], KEYS[2]
if redis.call('EXISTS', group) == 0 then return 0 end
local removed = 0
for i = 5, #ARGV do removed = removed + redis.call('HDEL', group, 'a:' .. ARGV[i]) end
local n = redis.call('HINCRBY', group, 'n', -removed)
local now, interval = tonumber(ARGV[2]), tonumber(ARGV[3])
redis.call('HSET', group, 'last', ARGV[2])
if n > 0 then
  redis.call('ZADD', groups, now + interval, ARGV[1])
else
  redis.call('ZREM', groups, ARGV[1])
  redis.call('PEXPIRE', group, interval + tonumber(ARGV[4]))
end
return removed`);

export class RedisGroupState implements GroupState {
  constructor(
    private readonly redis: Redis,
    private readonly keys: AlertKeys,
  ) {}

  async add(key: string, alert: GroupedAlert, nowMs: number, waitMs: number, intervalMs: number): Promise<void> {
    await ADD.run(this.redis, [this.keys.group(key), this.keys.groups], [key, alert.alertId, alert.payload, nowMs, waitMs, intervalMs]);
  }

  async due(nowMs: number, limit: number): Promise<DueGroup[]> {
    if (limit <= 0) return [];
    const groups = (await DUE.run(this.redis, [this.keys.groups], [nowMs, limit, this.keys.groupPrefix])) as Array<[string, string[]]>;
    return groups.map(([key, fields]) => ({ key, alerts: alertsOf(fields) }));
  }

  async ack(key: string, alertIds: readonly string[], nowMs: number, intervalMs: number): Promise<void> {
    await ACK.run(this.redis, [this.keys.group(key), this.keys.groups], [key, nowMs, intervalMs, EXPIRY_SLACK_MS, ...alertIds]);
  }
}

/** The `a:<alert id>` -> `<seq>:<payload>` fields of a group hash (HGETALL's flat list), in insertion order. */
function alertsOf(fields: string[]): GroupedAlert[] {
  const alerts: Array<GroupedAlert & { seq: number }> = [];
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const name = fields[i]!;
    if (!name.startsWith('a:')) continue;
    const value = fields[i + 1]!;
    const colon = value.indexOf(':');
    alerts.push({ alertId: name.slice(2), payload: value.slice(colon + 1), seq: Number(value.slice(0, colon)) });
  }
  return alerts.sort((a, b) => a.seq - b.seq).map(({ alertId, payload }) => ({ alertId, payload }));
}
