import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisCheckpointStore, connectRedis } from '../src/index.js';

const url = process.env.SENTINEL_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
let redis: Redis;

beforeAll(async () => {
  redis = await connectRedis({ url, logger: pino({ level: 'silent' }) });
});
afterAll(async () => {
  await redis.quit();
});

const bytes = (...b: number[]) => new Uint8Array(b);

describe('RedisCheckpointStore', () => {
  it('returns null for a partition never checkpointed, and the exact bytes and offset once saved', async () => {
    const store = new RedisCheckpointStore(redis, `test-${randomUUID()}`);
    expect(await store.load(3)).toBeNull();
    const snapshot = new Uint8Array(70_000).map((_, i) => (i * 7) & 0xff);
    await store.save(3, { snapshot, nextOffset: '1234' });
    const loaded = await store.load(3);
    expect(loaded?.nextOffset).toBe('1234');
    expect(Buffer.from(loaded!.snapshot).equals(Buffer.from(snapshot))).toBe(true);
    expect(await store.load(4)).toBeNull();
  });

  it('never lets an older checkpoint replace a newer one, comparing offsets beyond 2^53 exactly', async () => {
    const store = new RedisCheckpointStore(redis, `test-${randomUUID()}`);
    await store.save(0, { snapshot: bytes(1), nextOffset: '900' });
    await store.save(0, { snapshot: bytes(2), nextOffset: '1000' });
    await store.save(0, { snapshot: bytes(3), nextOffset: '999' });
    expect(await store.load(0)).toEqual({ snapshot: bytes(2), nextOffset: '1000' });
    await store.save(0, { snapshot: bytes(4), nextOffset: '9007199254740993' });
    await store.save(0, { snapshot: bytes(5), nextOffset: '9007199254740992' });
    expect(await store.load(0)).toEqual({ snapshot: bytes(4), nextOffset: '9007199254740993' });
    await store.save(0, { snapshot: bytes(6), nextOffset: '9007199254740993' });
    expect((await store.load(0))?.snapshot).toEqual(bytes(6));
  });

  it('keeps scopes apart and refuses an offset that is not one', async () => {
    const scope = `test-${randomUUID()}`;
    await new RedisCheckpointStore(redis, scope).save(1, { snapshot: bytes(9), nextOffset: '5' });
    expect(await new RedisCheckpointStore(redis, `${scope}-other`).load(1)).toBeNull();
    await expect(new RedisCheckpointStore(redis, scope).save(1, { snapshot: bytes(9), nextOffset: '-1' })).rejects.toThrow(/not a Kafka offset/);
  });
});
