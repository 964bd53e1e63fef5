import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

/**
 * A Lua script run by its SHA1 (EVALSHA), sent in full (EVAL) only when Redis does not know it yet,
 * e.g. after a restart. Unlike `defineCommand`, it adds nothing to the shared connection.
 */
export class LuaScript {
  private readonly sha: string;

  constructor(private readonly source: string) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  async run(redis: Redis, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
    try {
      return await redis.evalsha(this.sha, keys.length, ...keys, ...args);
    } catch (e) {
      if (!(e instanceof Error) || !e.message.startsWith('NOSCRIPT')) throw e;
      return await redis.eval(this.source, keys.length, ...keys, ...args);
    }
  }
}

/**
 * Keys expire on Redis's clock while windows and intervals are measured on the caller's `nowMs`:
 * expiry only collects garbage (correctness compares against times stored in the keys), and this
 * margin keeps a key alive while the two clocks disagree by up to a minute.
 */
export const EXPIRY_SLACK_MS = 60_000;
