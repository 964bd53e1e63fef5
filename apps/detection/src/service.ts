import type { Logger } from 'pino';
import { TOPICS, decodeTelemetry, encodeJson, shardKey, type AnomalyEvent, type TelemetryEvent } from '@sentinel/contracts';
import { DeadLetters, decodeRecords, traceRuns, type Bus, type Consumer, type DeadLetter, type RecordBatch, type Topic } from '@sentinel/bus';
import { BaselineShard, SnapshotFormatError, type DetectionConfig } from '@sentinel/detection';
import { ModelCounter, onScrape, pipelineMetrics, traceHeaders, tracingEnabled } from '@sentinel/observability';
import type { CheckpointStore } from '@sentinel/state';
import { BaselinePublisher } from './baseline-publisher.js';

export const DETECTION_GROUP = 'sentinel-detection';

export interface DetectionServiceOptions {
  bus: Bus;
  config: DetectionConfig;
  logger: Logger;
  /** Without one (one process), a shard lives as long as the process. */
  checkpoints?: CheckpointStore;
  /** A held shard is checkpointed after a batch when its last checkpoint is older than this. */
  checkpointIntervalMs?: number;
  /** Changed baselines are published to the baselines topic at most this often (0: after every batch). */
  baselineIntervalMs?: number;
  /** Models counted by name in `sentinel_detection_events_total` (observability.metrics.models); the rest count as "other". */
  metricModels?: readonly string[];
  now?: () => number;
}

interface HeldShard {
  shard: BaselineShard;
  nextOffset: string;
  checkpointedAt: number;
  /** The offset the last checkpoint (or the one restored) reflects: behind `nextOffset` while there is unsaved progress. */
  checkpointedOffset: string;
}

const modelOf = (event: TelemetryEvent): string => event.model;

/**
 * Consumes telemetry and keeps one BaselineShard per assigned partition, so the baselines of a series
 * live where its records arrive. Anomalies go to `sentinel.anomalies.v1` before the batch is committed.
 *
 * With a CheckpointStore, a shard is saved with the offset it reflects, periodically and when its
 * partition is revoked; the next owner restores it and resumes at exactly that offset. A partition with
 * no checkpoint is replayed from its start: the only way to rebuild its baselines exactly. Either way
 * the anomalies, and their deterministic ids, are those of a run that never stopped.
 */
export class DetectionService {
  private readonly shards = new Map<number, HeldShard>();
  private readonly now: () => number;
  private readonly anomalies: Topic;
  private readonly deadLetters: DeadLetters;
  private readonly baselines: BaselinePublisher;
  private consumer: Consumer | null = null;
  private readonly events: ModelCounter;
  private unregisterCheckpointAge: (() => void) | null = null;
  /**
   * Batches being handled, by partition (the bus hands several partitions' batches at once): a checkpoint
   * must not catch a shard that learned a batch whose offset is not yet recorded.
   */
  private readonly processing = new Map<number, Promise<void>>();
  private idleTimer: NodeJS.Timeout | undefined;
  /** When the last checkpoint was taken: checkpoints of different partitions are spread over the interval. */
  private lastCheckpointAt = -Infinity;
  private baselinePublish: Promise<void> | null = null;
  private idleCheckpoints: Promise<void> = Promise.resolve();

  constructor(private readonly options: DetectionServiceOptions) {
    this.now = options.now ?? Date.now;
    this.events = new ModelCounter(pipelineMetrics.detectionEvents, options.metricModels ?? []);
    this.anomalies = options.bus.topic(TOPICS.anomalies);
    this.deadLetters = new DeadLetters(options.bus);
    this.baselines = new BaselinePublisher(options.bus.topic(TOPICS.baselines), options.baselineIntervalMs ?? 5_000, this.now);
  }

  async start(): Promise<void> {
    if (this.options.checkpoints) {
      this.unregisterCheckpointAge = onScrape.checkpointAgeSeconds(() => this.checkpointAgeSeconds());
      // A partition that goes quiet after a batch would otherwise keep its progress unsaved (and its
      // checkpoint age growing) until its next batch.
      this.idleTimer = setInterval(() => {
        this.idleCheckpoints = this.idleCheckpoints.then(() => this.checkpointIdle());
      }, this.checkpointIntervalMs()).unref();
    }
    this.consumer = await this.options.bus.topic(TOPICS.telemetry).consume({
      group: DETECTION_GROUP,
      handler: (batch) => this.process(batch),
      onAssign: (partitions) => this.assign(partitions),
      onRevoke: (partitions) => this.revoke(partitions),
    });
  }

  /** Stops consuming; the baselines learned since the last publish go out first. */
  async stop(): Promise<void> {
    clearInterval(this.idleTimer);
    await this.idleCheckpoints;
    await this.consumer?.stop();
    this.consumer = null;
    await this.baselinePublish;
    await this.baselines.publishChanged(this.heldShards(), true);
    this.unregisterCheckpointAge?.();
    this.unregisterCheckpointAge = null;
  }

  /**
   * Seconds since the oldest checkpoint of a shard that has learned something since it was written: how
   * much a new owner would replay. 0 while every checkpoint is current (an idle partition is not stale).
   */
  checkpointAgeSeconds(): number {
    const now = this.now();
    let oldest = now;
    for (const held of this.shards.values()) if (held.nextOffset !== held.checkpointedOffset && held.checkpointedAt < oldest) oldest = held.checkpointedAt;
    return (now - oldest) / 1000;
  }

  /** Lazy: the baseline publisher asks after every batch but reads the shards only when its interval is up. */
  private *heldShards(): Iterable<BaselineShard> {
    for (const held of this.shards.values()) yield held.shard;
  }

  private async assign(partitions: number[]): Promise<Map<number, string>> {
    const resume = new Map<number, string>();
    const checkpoints = this.options.checkpoints;
    for (const p of partitions) {
      let saved = await checkpoints?.load(p);
      let shard: BaselineShard;
      try {
        shard = saved ? BaselineShard.restore(saved.snapshot, this.options.config) : new BaselineShard(this.options.config);
      } catch (err) {
        if (!(err instanceof SnapshotFormatError)) throw err;
        // Retrying cannot fix these bytes: rebuild the partition from its start, as if it had no checkpoint.
        this.options.logger.error({ partition: p, reason: err.message }, 'detection checkpoint unreadable; replaying the partition from its start');
        saved = null;
        shard = new BaselineShard(this.options.config);
      }
      this.shards.set(p, { shard, nextOffset: saved?.nextOffset ?? '0', checkpointedAt: this.now(), checkpointedOffset: saved?.nextOffset ?? '0' });
      if (checkpoints) resume.set(p, saved?.nextOffset ?? '0');
    }
    this.options.logger.info({ partitions, restored: partitions.filter((p) => resume.get(p) !== '0') }, 'detection partitions assigned');
    this.updateSeriesGauge();
    return resume;
  }

  private async revoke(partitions: number[]): Promise<void> {
    await this.idleCheckpoints;
    await this.baselinePublish;
    for (const p of partitions) {
      await this.processing.get(p);
      const held = this.shards.get(p);
      if (held) {
        await this.checkpoint(p, held);
        await this.baselines.publishChanged([held.shard], true);
        this.baselines.forget(held.shard);
      }
      this.shards.delete(p);
    }
    this.options.logger.info({ partitions }, 'detection partitions revoked');
    this.updateSeriesGauge();
  }

  private checkpointIntervalMs(): number {
    return this.options.checkpointIntervalMs ?? 5_000;
  }

  /** Saves the shards with unsaved progress whose checkpoint is older than the interval, between batches only. */
  private async checkpointIdle(): Promise<void> {
    for (const [partition, held] of this.shards) {
      if (this.processing.size > 0) return;
      if (held.nextOffset !== held.checkpointedOffset && this.now() - held.checkpointedAt >= this.checkpointIntervalMs()) {
        await this.checkpoint(partition, held).catch((err: unknown) => this.options.logger.warn({ err, partition }, 'idle checkpoint failed; retried at the next interval'));
      }
    }
  }

  private async checkpoint(partition: number, held: HeldShard): Promise<void> {
    if (!this.options.checkpoints) return;
    const nextOffset = held.nextOffset;
    await this.options.checkpoints.save(partition, { snapshot: held.shard.snapshot(), nextOffset });
    held.checkpointedAt = this.now();
    this.lastCheckpointAt = held.checkpointedAt;
    held.checkpointedOffset = nextOffset;
  }

  private async process(batch: RecordBatch): Promise<void> {
    const run = this.processBatch(batch);
    const settled = run.catch(() => undefined);
    this.processing.set(batch.partition, settled);
    try {
      await run;
    } finally {
      if (this.processing.get(batch.partition) === settled) this.processing.delete(batch.partition);
    }
  }

  private async processBatch(batch: RecordBatch): Promise<void> {
    let held = this.shards.get(batch.partition);
    if (!held) {
      held = { shard: new BaselineShard(this.options.config), nextOffset: '0', checkpointedAt: this.now(), checkpointedOffset: '0' };
      this.shards.set(batch.partition, held);
    }
    const traced = tracingEnabled() ? await detectTraced(batch, held.shard) : null;
    const { values, bad } = traced ?? decodeRecords(batch.records, decodeTelemetry);
    const found = traced?.found ?? held.shard.observeBatch(values);
    pipelineMetrics.recordsIn.inc({ stage: 'detection', source: 'bus', result: 'accepted' }, values.length);
    this.events.count(values, modelOf);
    await this.deadLetters.send('detection', bad);
    if (found.length > 0) {
      await this.anomalies.publish(found.map((a, i) => ({ key: shardKey(a), value: encodeJson(a), headers: traced?.headers[i] })));
      pipelineMetrics.recordsOut.inc({ stage: 'detection', topic: TOPICS.anomalies }, found.length);
      for (const a of found) pipelineMetrics.anomalies.inc({ severity: a.severity, type: a.anomaly_type, method: a.detection_method });
    }
    held.nextOffset = batch.nextOffset;
    this.publishBaselines();
    if (this.checkpointDue(held)) await this.checkpoint(batch.partition, held);
    this.updateSeriesGauge();
  }

  /**
   * Beside the batch path: a publish of every series is thousands of records, and neither the batch's
   * commit nor the anomalies of the batches behind it should wait for it. One at a time; a failed one is
   * retried at the next interval (the publisher records only what the bus took).
   */
  private publishBaselines(): void {
    this.baselinePublish ??= this.baselines
      .publishChanged(this.heldShards())
      .then(
        () => undefined,
        (err: unknown) => this.options.logger.warn({ err }, 'baseline publish failed; retried at the next interval'),
      )
      .finally(() => (this.baselinePublish = null));
  }

  /**
   * A shard is due once its checkpoint is an interval old, and the shards take turns (one per interval ÷
   * shards): taken together, the snapshots of every shard would hold the event loop, and every batch of
   * the fetch, for tens of milliseconds at once. One two intervals old waits for no turn.
   */
  private checkpointDue(held: HeldShard): boolean {
    const now = this.now();
    const interval = this.checkpointIntervalMs();
    const age = now - held.checkpointedAt;
    return age >= 2 * interval || (age >= interval && now - this.lastCheckpointAt >= interval / Math.max(1, this.shards.size));
  }

  private updateSeriesGauge(): void {
    let n = 0;
    for (const { shard } of this.shards.values()) n += shard.seriesCount();
    pipelineMetrics.activeSeries.set(n);
  }
}

interface TracedDetection {
  values: TelemetryEvent[];
  bad: DeadLetter[];
  found: AnomalyEvent[];
  /** The trace context each anomaly is published with: that of the `detect` span of the events that raised it. */
  headers: Array<Record<string, string> | undefined>;
}

/**
 * Detection with tracing on: one `detect` span per run of consecutive records that carry the same producer
 * context, the child of that context, and each anomaly carries its run's span across the next Kafka hop,
 * so alerting's span is in the trace of the ingest request that sent the event.
 *
 * Why runs, not a span per event or a single span per batch: the engine handles ~600k events/s per core,
 * and a span costs microseconds, so a span per event would make tracing the bottleneck. A run is what one
 * ingest request (or one raw batch) put in this partition, so there are as many spans as traced requests,
 * a handful per batch of up to 500 records. A single span per batch linked to its producers would keep the
 * cost lower still, but links do not make a trace: the anomaly, and with it the alert, would start a trace
 * of its own. Unsampled contexts take the same path (the sampler answers no without recording anything).
 * Off, none of this runs: `process` decodes and observes the batch in one call, as it did before tracing.
 */
async function detectTraced(batch: RecordBatch, shard: BaselineShard): Promise<TracedDetection> {
  const out: TracedDetection = { values: [], bad: [], found: [], headers: [] };
  await traceRuns('detect', batch, { group: DETECTION_GROUP }, ({ records, span }) => {
    const { values, bad } = decodeRecords(records, decodeTelemetry);
    const anomalies = shard.observeBatch(values);
    const headers = anomalies.length > 0 ? traceHeaders() : undefined;
    for (const a of anomalies) {
      out.found.push(a);
      out.headers.push(headers);
    }
    for (const v of values) out.values.push(v);
    for (const b of bad) out.bad.push(b);
    if (span.isRecording()) {
      span.setAttributes({ 'sentinel.events': values.length, 'sentinel.events.rejected': bad.length, 'sentinel.anomalies': anomalies.length });
      const model = values[0]?.model;
      if (model !== undefined && values.every((v) => v.model === model)) span.setAttribute('gen_ai.request.model', model);
    }
  });
  return out;
}
