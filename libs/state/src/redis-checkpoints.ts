import type { Redis } from 'ioredis';
import type { Checkpoint, CheckpointStore } from './checkpoints.js';

/**
 * Saves only if the new offset is not behind the stored one. Offsets are decimal strings of up to 19
 * digits, beyond a Lua double's exact range, so they compare by length and then lexically.
 */
const SAVE_IF_NEWER = `
local stored = redis.call('HGET', KEYS[1], 'offset')
if stored and (#stored > #ARGV[1] or (#stored == #ARGV[1] and stored > ARGV[1])) then return 0 end
redis.call('HSET', KEYS[1], 'offset', ARGV[1], 'snapshot', ARGV[2])
return 1`;

/** Checkpoints in one Redis hash per (scope, partition): the offset and the snapshot, written together. */
export class RedisCheckpointStore implements CheckpointStore {
  constructor(
    private readonly redis: Redis,
    /** Separates groups and topics sharing one Redis, e.g. `sentinel-detection:sentinel.telemetry.v1`. */
    private readonly scope: string,
  ) {}

  async load(partition: number): Promise<Checkpoint | null> {
    const [offset, snapshot] = await this.redis.hmgetBuffer(this.key(partition), 'offset', 'snapshot');
    if (!offset || !snapshot) return null;
    return { nextOffset: offset.toString('utf8'), snapshot: new Uint8Array(snapshot.buffer, snapshot.byteOffset, snapshot.byteLength) };
  }

  async save(partition: number, checkpoint: Checkpoint): Promise<void> {
    if (!/^\d{1,19}$/.test(checkpoint.nextOffset)) throw new RangeError(`not a Kafka offset: ${checkpoint.nextOffset}`);
    const snapshot = Buffer.from(checkpoint.snapshot.buffer, checkpoint.snapshot.byteOffset, checkpoint.snapshot.byteLength);
    await this.redis.eval(SAVE_IF_NEWER, 1, this.key(partition), checkpoint.nextOffset, snapshot);
  }

  private key(partition: number): string {
    return `sentinel:checkpoint:v1:${this.scope}:${partition}`;
  }
}
