import type { Logger } from 'pino';
import { TOPICS, decodeTelemetry, encodeJson, shardKey, type AnomalyEvent, type FieldIssue } from '@sentinel/contracts';
import { DeadLetters, type Bus, type ConsumedRecord, type Consumer, type RecordBatch, type Topic } from '@sentinel/bus';
import { BaselineShard, type DetectionConfig } from '@sentinel/detection';
import { pipelineMetrics } from '@sentinel/observability';

export const DETECTION_GROUP = 'sentinel-detection';

/** Where a shard's baselines are kept between owners: the snapshot and the offset it reflects. */
export interface CheckpointStore {
  load(partition: number): Promise<{ snapshot: Uint8Array; nextOffset: string } | null>;
  save(partition: number, snapshot: Uint8Array, nextOffset: string): Promise<void>;
}

export interface DetectionServiceOptions {
  bus: Bus;
  config: DetectionConfig;
  logger: Logger;
  checkpoints?: CheckpointStore;
}

/**
 * Consumes telemetry and keeps one BaselineShard per assigned partition, so the baselines of a series
 * live where its records arrive. Anomalies go to `sentinel.anomalies.v1` before the batch is committed.
 */
export class DetectionService {
  private readonly shards = new Map<number, { shard: BaselineShard; nextOffset: string }>();
  private readonly anomalies: Topic;
  private readonly deadLetters: DeadLetters;
  private consumer: Consumer | null = null;

  constructor(private readonly options: DetectionServiceOptions) {
    this.anomalies = options.bus.topic(TOPICS.anomalies);
    this.deadLetters = new DeadLetters(options.bus);
  }

  async start(): Promise<void> {
    this.consumer = await this.options.bus.topic(TOPICS.telemetry).consume({
      group: DETECTION_GROUP,
      handler: (batch) => this.process(batch),
      onAssign: (partitions) => this.assign(partitions),
      onRevoke: (partitions) => this.revoke(partitions),
    });
  }

  async stop(): Promise<void> {
    await this.consumer?.stop();
    this.consumer = null;
  }

  /** Every shard this process holds, for the series API. */
  heldShards(): Iterable<BaselineShard> {
    return [...this.shards.values()].map((s) => s.shard);
  }

  private async assign(partitions: number[]): Promise<Map<number, string>> {
    const resume = new Map<number, string>();
    for (const p of partitions) {
      const saved = await this.options.checkpoints?.load(p);
      if (saved) {
        this.shards.set(p, { shard: BaselineShard.restore(saved.snapshot, this.options.config), nextOffset: saved.nextOffset });
        resume.set(p, saved.nextOffset);
      } else {
        this.shards.set(p, { shard: new BaselineShard(this.options.config), nextOffset: '0' });
      }
    }
    this.options.logger.debug({ partitions, restored: resume.size }, 'detection partitions assigned');
    this.updateSeriesGauge();
    return resume;
  }

  private async revoke(partitions: number[]): Promise<void> {
    for (const p of partitions) {
      const held = this.shards.get(p);
      if (held && this.options.checkpoints) await this.options.checkpoints.save(p, held.shard.snapshot(), held.nextOffset);
      this.shards.delete(p);
    }
    this.updateSeriesGauge();
  }

  private async process(batch: RecordBatch): Promise<void> {
    let held = this.shards.get(batch.partition);
    if (!held) {
      held = { shard: new BaselineShard(this.options.config), nextOffset: '0' };
      this.shards.set(batch.partition, held);
    }
    const found: AnomalyEvent[] = [];
    const bad: Array<{ record: ConsumedRecord; issues: FieldIssue[] }> = [];
    for (const record of batch.records) {
      const decoded = decodeTelemetry(record.value);
      if (!decoded.ok) {
        bad.push({ record, issues: decoded.issues });
        continue;
      }
      for (const anomaly of held.shard.observe(decoded.value)) found.push(anomaly);
    }
    pipelineMetrics.recordsIn.inc({ stage: 'detection', source: 'bus', result: 'accepted' }, batch.records.length - bad.length);
    await this.deadLetters.send('detection', bad);
    if (found.length > 0) {
      await this.anomalies.publish(found.map((a) => ({ key: shardKey(a), value: encodeJson(a) })));
      for (const a of found) pipelineMetrics.anomalies.inc({ severity: a.severity, type: a.anomaly_type, method: a.detection_method });
    }
    held.nextOffset = batch.nextOffset;
    this.updateSeriesGauge();
  }

  private updateSeriesGauge(): void {
    let n = 0;
    for (const { shard } of this.shards.values()) n += shard.seriesCount();
    pipelineMetrics.activeSeries.set(n);
  }
}
