import type { Logger } from 'pino';
import { TOPICS, decodeTelemetry, encodeJson, shardKey, type AnomalyEvent } from '@sentinel/contracts';
import { DeadLetters, decodeRecords, type Bus, type Consumer, type RecordBatch, type Topic } from '@sentinel/bus';
import { BaselineShard, type DetectionConfig } from '@sentinel/detection';
import { pipelineMetrics } from '@sentinel/observability';
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
  now?: () => number;
}

interface HeldShard {
  shard: BaselineShard;
  nextOffset: string;
  checkpointedAt: number;
}

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

  constructor(private readonly options: DetectionServiceOptions) {
    this.now = options.now ?? Date.now;
    this.anomalies = options.bus.topic(TOPICS.anomalies);
    this.deadLetters = new DeadLetters(options.bus);
    this.baselines = new BaselinePublisher(options.bus.topic(TOPICS.baselines), options.baselineIntervalMs ?? 5_000, this.now);
  }

  async start(): Promise<void> {
    this.consumer = await this.options.bus.topic(TOPICS.telemetry).consume({
      group: DETECTION_GROUP,
      handler: (batch) => this.process(batch),
      onAssign: (partitions) => this.assign(partitions),
      onRevoke: (partitions) => this.revoke(partitions),
    });
  }

  /** Stops consuming; the baselines learned since the last publish go out first. */
  async stop(): Promise<void> {
    await this.consumer?.stop();
    this.consumer = null;
    await this.baselines.publishChanged(this.heldShards(), true);
  }

  /** Lazy: the baseline publisher asks after every batch but reads the shards only when its interval is up. */
  private *heldShards(): Iterable<BaselineShard> {
    for (const held of this.shards.values()) yield held.shard;
  }

  private async assign(partitions: number[]): Promise<Map<number, string>> {
    const resume = new Map<number, string>();
    const checkpoints = this.options.checkpoints;
    for (const p of partitions) {
      const saved = await checkpoints?.load(p);
      const shard = saved ? BaselineShard.restore(saved.snapshot, this.options.config) : new BaselineShard(this.options.config);
      this.shards.set(p, { shard, nextOffset: saved?.nextOffset ?? '0', checkpointedAt: this.now() });
      if (checkpoints) resume.set(p, saved?.nextOffset ?? '0');
    }
    this.options.logger.info({ partitions, restored: partitions.filter((p) => resume.get(p) !== '0') }, 'detection partitions assigned');
    this.updateSeriesGauge();
    return resume;
  }

  private async revoke(partitions: number[]): Promise<void> {
    for (const p of partitions) {
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

  private async checkpoint(partition: number, held: HeldShard): Promise<void> {
    if (!this.options.checkpoints) return;
    await this.options.checkpoints.save(partition, { snapshot: held.shard.snapshot(), nextOffset: held.nextOffset });
    held.checkpointedAt = this.now();
  }

  private async process(batch: RecordBatch): Promise<void> {
    let held = this.shards.get(batch.partition);
    if (!held) {
      held = { shard: new BaselineShard(this.options.config), nextOffset: '0', checkpointedAt: this.now() };
      this.shards.set(batch.partition, held);
    }
    const found: AnomalyEvent[] = [];
    const { values, bad } = decodeRecords(batch.records, decodeTelemetry);
    for (const event of values) for (const anomaly of held.shard.observe(event)) found.push(anomaly);
    pipelineMetrics.recordsIn.inc({ stage: 'detection', source: 'bus', result: 'accepted' }, values.length);
    await this.deadLetters.send('detection', bad);
    if (found.length > 0) {
      await this.anomalies.publish(found.map((a) => ({ key: shardKey(a), value: encodeJson(a) })));
      for (const a of found) pipelineMetrics.anomalies.inc({ severity: a.severity, type: a.anomaly_type, method: a.detection_method });
    }
    held.nextOffset = batch.nextOffset;
    await this.baselines.publishChanged(this.heldShards());
    if (this.now() - held.checkpointedAt >= (this.options.checkpointIntervalMs ?? 5_000)) await this.checkpoint(batch.partition, held);
    this.updateSeriesGauge();
  }

  private updateSeriesGauge(): void {
    let n = 0;
    for (const { shard } of this.shards.values()) n += shard.seriesCount();
    pipelineMetrics.activeSeries.set(n);
  }
}
