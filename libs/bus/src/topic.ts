/** A record to publish. `key` is the shard key: records with one key keep their order in one partition. */
export interface OutgoingRecord {
  key: string;
  value: Buffer;
  /** With tracing on, publish adds the active context's `traceparent`/`tracestate` unless these hold one. */
  headers?: Record<string, string>;
}

export interface ConsumedRecord {
  key: string;
  value: Buffer;
  headers: Record<string, string>;
  partition: number;
  /** Offsets are decimal strings, as Kafka's are 64-bit. */
  offset: string;
}

export interface RecordBatch {
  topic: string;
  partition: number;
  records: ConsumedRecord[];
  /** The offset one past the last record: what a commit or checkpoint of this batch stores. */
  nextOffset: string;
}

/**
 * Called for each batch of one partition, in order. When it resolves, the batch counts as durable and its
 * offset is committed; when it rejects, the batch is delivered again (after a back-off), so a handler must be
 * idempotent per record.
 */
export type BatchHandler = (batch: RecordBatch) => Promise<void>;

export interface RebalanceListener {
  /**
   * Partitions newly assigned to this member. May return the offset to resume from per partition
   * (e.g. from a checkpoint); partitions not in the map resume from the group's committed offset.
   */
  onAssign?(partitions: number[]): Promise<Map<number, string> | void>;
  /** Partitions about to be taken away: flush or checkpoint their state now. */
  onRevoke?(partitions: number[]): Promise<void>;
}

export interface ConsumeOptions extends RebalanceListener {
  group: string;
  handler: BatchHandler;
  /** Start from the earliest retained record when the group has no committed offset (default true). */
  fromBeginning?: boolean;
  /**
   * The `group` label of this consumer's lag series (default: the group). A group named per process
   * passes a fixed name, so the label keeps a bounded set of values across restarts.
   */
  lagLabel?: string;
  /**
   * For a consumer that values throughput over latency (storage): a fetch waits up to `maxWaitMs` for
   * `minBytes` of records, so batches are fewer and larger. Without it a fetch answers as soon as any
   * record is there. The in-memory bus has no fetches and ignores it.
   */
  batching?: { minBytes: number; maxWaitMs: number };
}

export interface Consumer {
  /** Stops fetching, waits for the batch in flight, commits, and leaves the group. */
  stop(): Promise<void>;
}

/** One named topic of the bus. Implementations: in-memory (one process) and Kafka (services). */
export interface Topic {
  readonly name: string;
  readonly partitions: number;
  publish(records: OutgoingRecord[]): Promise<void>;
  consume(options: ConsumeOptions): Promise<Consumer>;
}

export interface Bus {
  topic(name: string): Topic;
  /** Readiness of the transport, for /health/ready. */
  check(): Promise<void>;
  close(): Promise<void>;
}

/** FNV-1a over the key's UTF-16 code units: cheap, stable across processes, no allocation. */
export function partitionFor(key: string, partitions: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % partitions;
}
