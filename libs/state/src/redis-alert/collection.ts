import type { Redis } from 'ioredis';
import type { KeyedCollection } from '@sentinel/alerts';

/** A collection in one hash, id -> JSON. `list` is sorted by id (a hash has no order of its own). */
export class RedisHashCollection<T extends { id: string }> implements KeyedCollection<T> {
  constructor(
    private readonly redis: Redis,
    private readonly key: string,
  ) {}

  async list(): Promise<T[]> {
    const all = await this.redis.hgetall(this.key);
    return Object.keys(all)
      .sort()
      .map((id) => JSON.parse(all[id]!) as T);
  }

  async get(id: string): Promise<T | null> {
    const json = await this.redis.hget(this.key, id);
    return json === null ? null : (JSON.parse(json) as T);
  }

  async put(value: T): Promise<void> {
    await this.redis.hset(this.key, value.id, JSON.stringify(value));
  }

  async delete(id: string): Promise<boolean> {
    return (await this.redis.hdel(this.key, id)) > 0;
  }
}
