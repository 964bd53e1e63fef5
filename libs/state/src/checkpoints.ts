/** A shard's baselines as of an offset: restoring the snapshot and resuming at `nextOffset` is exact. */
export interface Checkpoint {
  snapshot: Uint8Array;
  nextOffset: string;
}

/**
 * Where a detection shard's checkpoint lives between owners. Implementations must never let an older
 * checkpoint replace a newer one: a revoked owner may save after the next owner has moved on.
 */
export interface CheckpointStore {
  load(partition: number): Promise<Checkpoint | null>;
  save(partition: number, checkpoint: Checkpoint): Promise<void>;
}
