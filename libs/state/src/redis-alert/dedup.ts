import type { Redis } from 'ioredis';
import type { DedupDecision, DedupState } from '@sentinel/alerts';
import type { AlertKeys } from './keys.js';
import { EXPIRY_SLACK_MS, LuaScript } from './lua.js';

/**
 * One window per (series, type) key, anchored at its first alert (it does not slide). The window
 * counts as over once `nowMs - start >= windowMs`, whatever Redis's clock says; the key's expiry
 * only collects it. Each alert id's decision is a field of the window, so it is forgotten with it.
 *
 * KEYS: window hash. ARGV: alert id, severity rank, now, window, expiry slack.
 */
const DECIDE = new LuaScript(`
local key, field = KEYS[1], 'a:' .. ARGV[1]
local rank, now, window = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local start = tonumber(redis.call('HGET', key, 'start'))
if start and now - start < window then
  local earlier = redis.call('HGET', key, field)
  if earlier then
    local send, count = string.match(earlier, '^(%d):(%d+)$')
    return {tonumber(send), tonumber(count)}
  end
  local count = redis.call('HINCRBY', key, 'count', 1)
  local send = 0
  if rank > tonumber(redis.call('HGET', key, 'rank')) then
    send = 1
    redis.call('HSET', key, 'rank', ARGV[2])
  end
  redis.call('HSET', key, field, send .. ':' .. count)
  return {send, count}
end
redis.call('DEL', key)
redis.call('HSET', key, 'start', ARGV[3], 'count', 1, 'rank', ARGV[2], field, '1:1')
redis.call('PEXPIRE', key, window + tonumber(ARGV[5]))
return {1, 1}`);

export class RedisDedupState implements DedupState {
  constructor(
    private readonly redis: Redis,
    private readonly keys: AlertKeys,
  ) {}

  async decide(key: string, alertId: string, severityRank: number, nowMs: number, windowMs: number): Promise<DedupDecision> {
    if (windowMs <= 0) return { send: true, count: 1 };
    const [send, count] = (await DECIDE.run(this.redis, [this.keys.dedup(key)], [alertId, severityRank, nowMs, windowMs, EXPIRY_SLACK_MS])) as [number, number];
    return { send: send === 1, count };
  }
}
