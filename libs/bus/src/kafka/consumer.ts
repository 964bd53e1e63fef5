import { setTimeout as sleep } from 'node:timers/promises';
import type { ConsumerCrashEvent, ConsumerGroupJoinEvent, ConsumerRunConfig, EachBatchPayload, Consumer as KafkaConsumer } from 'kafkajs';
import type { Logger } from '@sentinel/observability';
import type { ConsumeOptions, Consumer } from '../topic.js';
import { OffsetCommits } from './commits.js';
import { toConsumedRecord } from './records.js';
import { ConsumerLagGauge, partitionLag } from '../lag.js';

const BACKOFF_MIN_MS = 100;
const BACKOFF_MAX_MS = 5_000;
const RESTART_DELAY_MS = 2_000;

/** Offsets still in the log per partition: `low` is the oldest record kept, `high` the next one written. */
export type Watermarks = (topic: string) => Promise<Map<number, { low: bigint; high: bigint }>>;

export interface TopicConsumerSettings {
  consumer: KafkaConsumer;
  topic: string;
  options: ConsumeOptions;
  heartbeatIntervalMs: number;
  /** Partitions whose batches are handled at the same time (each partition's batches stay in order). */
  partitionsConsumedConcurrently: number;
  watermarks: Watermarks;
  logger: Logger;
}

/**
 * One member of a consumer group on one topic, with the Bus contract's rebalance semantics.
 *
 * kafkajs rebalances eagerly and has no rebalance callbacks: a member learns its new assignment only when
 * the join completes (the GROUP_JOIN event), after the old partitions were taken away, and kafkajs does
 * not await event listeners. So the GROUP_JOIN listener only records the assignment and queues
 * `reconcile()`, which calls onRevoke(partitions lost) and then onAssign(partitions gained) and seeks to
 * the resume offsets onAssign returns; every batch awaits the queue before the handler sees it, and a
 * batch fetched before such a seek is stale and dropped. What eagerness costs: the new owner of a
 * partition may start while the old owner's onRevoke still runs. Each batch is committed before the next
 * is handled, so the new owner resumes after the last batch the old one finished (or at the checkpoint its
 * onAssign returns); an overlap replays records, it never skips any.
 */
export class KafkaTopicConsumer implements Consumer {
  private readonly consumer: KafkaConsumer;
  private readonly topic: string;
  private readonly options: ConsumeOptions;
  private readonly log: Logger;
  /** Partitions of the latest assignment. */
  private assigned = new Set<number>();
  /** Partitions announced with onAssign and not yet revoked. */
  private readonly held = new Set<number>();
  /** Next offset to hand to the handler, for partitions whose position kafkajs would otherwise lose. */
  private readonly position = new Map<number, string>();
  private readonly failures = new Map<number, number>();
  private queue: Promise<void> = Promise.resolve();
  /** Batches being handled: up to one per partition. */
  private readonly inFlight = new Set<Promise<void>>();
  private readonly stopping = new AbortController();
  private stopped: Promise<void> | null = null;
  private restartTimer: NodeJS.Timeout | undefined;
  private readonly runConfig: ConsumerRunConfig;
  /** Updated after every batch from the fetch's high watermark: no extra request to the broker. */
  private readonly lag: ConsumerLagGauge;
  private readonly commits: OffsetCommits;
  /** The commit call of the latest batch: every batch of a run commits through the same consumer group. */
  private commitOffsets: EachBatchPayload['commitOffsetsIfNecessary'] | null = null;

  constructor(private readonly settings: TopicConsumerSettings) {
    this.consumer = settings.consumer;
    this.topic = settings.topic;
    this.options = settings.options;
    this.lag = new ConsumerLagGauge(settings.options.lagLabel ?? settings.options.group, settings.topic);
    this.log = settings.logger.child({ topic: settings.topic, group: settings.options.group });
    this.commits = new OffsetCommits((partitions) => this.commitOffsets!({ topics: [{ topic: this.topic, partitions }] }));
    this.runConfig = {
      autoCommit: false,
      eachBatchAutoResolve: false,
      // One partition at a time would leave the process idle while each batch waits for its writes and its
      // commit; handled together, the batches of one fetch also reach a store's group commit together.
      partitionsConsumedConcurrently: settings.partitionsConsumedConcurrently,
      eachBatch: (payload) => {
        const run = this.onBatch(payload);
        const settled = run.catch(() => undefined);
        this.inFlight.add(settled);
        void settled.then(() => this.inFlight.delete(settled));
        return run;
      },
    };
  }

  async start(): Promise<void> {
    this.consumer.on(this.consumer.events.GROUP_JOIN, (event) => this.onJoin(event));
    this.consumer.on(this.consumer.events.CRASH, (event) => this.onCrash(event));
    await this.consumer.connect();
    await this.consumer.subscribe({ topic: this.topic, fromBeginning: this.options.fromBeginning ?? true });
    // Resolves once the member has joined the group; onAssign runs from the GROUP_JOIN listener.
    await this.consumer.run(this.runConfig);
  }

  /** Stops fetching, waits for the batch in flight, revokes every partition held, and leaves the group. */
  stop(): Promise<void> {
    this.stopped ??= this.shutdown();
    return this.stopped;
  }

  private async shutdown(): Promise<void> {
    this.stopping.abort();
    clearTimeout(this.restartTimer);
    try {
      this.consumer.pause([{ topic: this.topic }]);
    } catch {
      // Not running (between a crash and its restart): there is nothing to pause.
    }
    await Promise.all(this.inFlight);
    // Every handled batch was committed before the next one started, so only the revocation is left.
    // It runs while this member still owns its partitions: nobody else starts on them before it resolves.
    this.assigned = new Set();
    try {
      await this.reconcile();
    } finally {
      this.lag.forget();
      await this.consumer.disconnect();
    }
  }

  private onJoin({ payload }: ConsumerGroupJoinEvent): void {
    // Stopping already revoked everything; a rejoin on the way out must not assign anything again.
    if (this.stopping.signal.aborted) return;
    this.assigned = new Set(payload.memberAssignment[this.topic] ?? []);
    // kafkajs restarts every partition of a new generation at the committed offset; a partition that this
    // member keeps may be ahead of or behind it (onAssign resumed from a checkpoint), so put it back.
    for (const [partition, offset] of this.position) {
      if (this.assigned.has(partition)) this.consumer.seek({ topic: this.topic, partition, offset });
      else this.position.delete(partition);
    }
    this.reconcile().catch((err: unknown) => this.log.warn({ err }, 'rebalance listener failed; retried before the next batch'));
  }

  private onCrash({ payload: { error, restart } }: ConsumerCrashEvent): void {
    if (this.stopping.signal.aborted) return;
    this.log.error({ err: error, restart }, 'kafka consumer crashed');
    // kafkajs restarts by itself only after retriable errors; after any other one the topic would stay unconsumed.
    if (!restart) {
      this.restartTimer = setTimeout(() => {
        this.consumer.run(this.runConfig).catch((err: unknown) => this.log.error({ err }, 'kafka consumer restart failed'));
      }, RESTART_DELAY_MS);
    }
  }

  /** Brings the listeners up to the latest assignment; calls are queued so they never overlap. */
  private reconcile(): Promise<void> {
    const run = this.queue.then(() => this.applyAssignment());
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async applyAssignment(): Promise<void> {
    const lost = [...this.held].filter((p) => !this.assigned.has(p));
    if (lost.length > 0) {
      await this.options.onRevoke?.(lost);
      for (const p of lost) {
        this.held.delete(p);
        this.failures.delete(p);
      }
      this.lag.forget(lost);
    }
    const gained = [...this.assigned].filter((p) => !this.held.has(p)).sort((a, b) => a - b);
    if (gained.length === 0) return;
    const resume = await this.options.onAssign?.(gained);
    if (resume && resume.size > 0) await this.seekTo(resume, gained);
    for (const p of gained) this.held.add(p);
  }

  private async seekTo(resume: Map<number, string>, partitions: number[]): Promise<void> {
    const marks = await this.settings.watermarks(this.topic);
    for (const partition of partitions) {
      const wanted = resume.get(partition);
      if (wanted === undefined) continue;
      const mark = marks.get(partition);
      let offset = BigInt(wanted);
      // Like auto.offset.reset=earliest: an offset retention already deleted resumes at the oldest record
      // kept. Out of range, kafkajs would reset (and commit) the group's default offset instead.
      if (mark && offset < mark.low) offset = mark.low;
      if (mark && offset > mark.high) offset = mark.high;
      this.consumer.seek({ topic: this.topic, partition, offset: offset.toString() });
      this.position.set(partition, offset.toString());
    }
  }

  private async onBatch({ batch, heartbeat, isStale, resolveOffset, commitOffsetsIfNecessary }: EachBatchPayload): Promise<void> {
    if (this.stopping.signal.aborted) return;
    const { partition } = batch;
    // kafkajs heartbeats only between batches: keep the membership alive while listeners and handler run.
    const keepAlive = setInterval(() => void heartbeat().catch(() => undefined), this.settings.heartbeatIntervalMs);
    try {
      try {
        await this.reconcile();
      } catch (err) {
        this.log.warn({ err, partition }, 'rebalance listener failed; retrying');
        await this.backOff(partition);
        return;
      }
      // A batch not handled and not resolved is fetched again from the same offset.
      if (this.stopping.signal.aborted || isStale() || !this.held.has(partition)) return;
      const records = batch.messages.map((m) => toConsumedRecord(m, partition));
      const first = records[0];
      if (!first) return;
      const last = batch.lastOffset();
      const nextOffset = (BigInt(last) + 1n).toString();
      try {
        await this.options.handler({ topic: this.topic, partition, records, nextOffset });
      } catch (err) {
        this.log.warn({ err, partition, offset: first.offset, attempt: (this.failures.get(partition) ?? 0) + 1 }, 'batch handler failed; redelivering');
        this.consumer.seek({ topic: this.topic, partition, offset: first.offset });
        // A partition stuck on a failing batch shows its lag from that batch on, not a stale one.
        this.lag.set(partition, partitionLag(batch.highWatermark, first.offset));
        await this.backOff(partition);
        return;
      }
      this.failures.delete(partition);
      // Commit before resolving: if the commit fails, the batch is delivered again rather than lost.
      this.commitOffsets = commitOffsetsIfNecessary;
      await this.commits.commit(partition, nextOffset);
      resolveOffset(last);
      this.position.set(partition, nextOffset);
      this.lag.set(partition, partitionLag(batch.highWatermark, nextOffset));
    } finally {
      clearInterval(keepAlive);
    }
  }

  /** 100 ms doubling to 5 s per partition, so a failing handler neither spins nor stalls for long once fixed. */
  private async backOff(partition: number): Promise<void> {
    const failures = this.failures.get(partition) ?? 0;
    this.failures.set(partition, failures + 1);
    const ms = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** failures);
    await sleep(ms, undefined, { signal: this.stopping.signal }).catch(() => undefined);
  }
}
