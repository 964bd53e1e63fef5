import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { TOPICS, TelemetryEventSchema, encodeJson, sampleTelemetry, shardKey, type TelemetryEvent } from '@sentinel/contracts';
import { MemoryBus, partitionFor } from '@sentinel/bus';
import { BaselineShard, DetectionConfigSchema } from '@sentinel/detection';
import { registry } from '@sentinel/observability';
import type { Checkpoint, CheckpointStore } from '@sentinel/state';
import { DetectionService } from '../src/index.js';
import { until } from '../../../testing/until.js';

const logger = pino({ level: 'silent' });
const config = DetectionConfigSchema.parse({ window: 200, warmup: 30 });
const T0 = Date.parse('2025-06-01T00:00:00Z');
const MODELS = ['gpt-4o', 'gpt-4o-mini', 'tenant-finetune-7f3a'];

/** Three models, a spike every 97 events after warm-up. */
const events: TelemetryEvent[] = Array.from({ length: 900 }, (_, i) =>
  TelemetryEventSchema.parse(
    sampleTelemetry({
      event_id: `00000000-0000-4000-8000-${(0xd0000 + i).toString(16).padStart(12, '0')}`,
      timestamp: new Date(T0 + i * 1000).toISOString(),
      model: MODELS[i % 3]!,
      latency_ms: (i > 300 && i % 97 === 0 ? 8 : 1) * (500 + 80 * Math.sin(i * 0.7)),
    }),
  ),
);

class MapCheckpoints implements CheckpointStore {
  readonly saved = new Map<number, Checkpoint>();
  async load(partition: number): Promise<Checkpoint | null> {
    return this.saved.get(partition) ?? null;
  }
  async save(partition: number, checkpoint: Checkpoint): Promise<void> {
    this.saved.set(partition, checkpoint);
  }
}

async function metric(name: string): Promise<Array<{ labels: Record<string, string | number>; value: number }>> {
  return (await registry.getSingleMetric(name)!.get()).values as Array<{ labels: Record<string, string | number>; value: number }>;
}

describe('DetectionService metrics', () => {
  it('counts events by allow-listed model, anomalies and baselines out, dead letters by reason, and checkpoint age', async () => {
    const bus = new MemoryBus(2);
    let clock = 1_000_000;
    let anomalies = 0;
    await bus.topic(TOPICS.anomalies).consume({ group: 'collector', handler: async (b) => void (anomalies += b.records.length) });
    const service = new DetectionService({ bus, config, logger, checkpoints: new MapCheckpoints(), checkpointIntervalMs: 5_000, baselineIntervalMs: 0, metricModels: ['gpt-4o'], now: () => clock });
    await service.start();
    const telemetry = bus.topic(TOPICS.telemetry);
    const drained = () => until(() => bus.lag(TOPICS.telemetry) === 0, 'detection to drain the telemetry topic', 5_000, 5);

    // Nothing learned yet: every checkpoint is current, however old.
    clock += 60_000;
    expect((await metric('sentinel_checkpoint_age_seconds'))[0]!.value).toBe(0);

    await telemetry.publish([...events.map((e) => ({ key: shardKey(e), value: encodeJson(e) })), { key: 'bad', value: Buffer.from('{"event_id": oops') }]);
    await drained();
    // The first batch of each partition was checkpointed (the last checkpoint was 60 s old), so nothing is stale.
    expect((await metric('sentinel_checkpoint_age_seconds'))[0]!.value).toBe(0);

    const more = events.slice(0, 3).map((e) => ({ ...e, event_id: e.event_id.replace(/^0/, '1'), timestamp: new Date(T0 + 1_000_000).toISOString() }));
    await telemetry.publish(more.map((e) => ({ key: shardKey(e), value: encodeJson(e) })));
    await drained();
    clock += 3_000;
    // Learned from `more` within the checkpoint interval: those shards' checkpoints are 3 s behind.
    expect((await metric('sentinel_checkpoint_age_seconds'))[0]!.value).toBe(3);

    const byModel = Object.fromEntries((await metric('sentinel_detection_events_total')).map((v) => [v.labels.model, v.value]));
    expect(byModel).toEqual({ 'gpt-4o': 301, other: 602 });

    const out = Object.fromEntries((await metric('sentinel_records_out_total')).filter((v) => v.labels.stage === 'detection').map((v) => [v.labels.topic, v.value]));
    expect(anomalies).toBeGreaterThan(0);
    expect(out[TOPICS.anomalies]).toBe(anomalies);
    expect(out[TOPICS.baselines]).toBeGreaterThan(0);
    expect(out[TOPICS.telemetryDlq]).toBe(1);
    const dlq = (await metric('sentinel_dlq_records_total')).map((v) => [v.labels.stage, v.labels.reason, v.value]);
    expect(dlq).toEqual([['detection', 'invalid_json', 1]]);
    expect((await metric('sentinel_active_series'))[0]!.value).toBeGreaterThan(0);

    await service.stop();
    // A stopped service owns no checkpoint any more.
    expect((await metric('sentinel_checkpoint_age_seconds'))[0]!.value).toBe(0);
    await bus.close();
  });

  it('saves the progress of a partition that went quiet after a batch, so its checkpoint does not go stale', async () => {
    const bus = new MemoryBus(1);
    let clock = 1_000_000;
    const checkpoints = new MapCheckpoints();
    const service = new DetectionService({ bus, config, logger, checkpoints, checkpointIntervalMs: 50, baselineIntervalMs: 0, now: () => clock });
    await service.start();
    const telemetry = bus.topic(TOPICS.telemetry);
    clock += 1_000;
    await telemetry.publish(events.slice(0, 10).map((e) => ({ key: shardKey(e), value: encodeJson(e) })));
    await until(() => checkpoints.saved.has(0), 'the first batch to be checkpointed', 5_000, 5);
    const first = checkpoints.saved.get(0)!.nextOffset;
    // Within the interval: learned, not saved yet.
    await telemetry.publish(events.slice(10, 20).map((e) => ({ key: shardKey(e), value: encodeJson(e) })));
    await until(() => bus.lag(TOPICS.telemetry) === 0, 'detection to drain the second batch', 5_000, 5);
    expect(checkpoints.saved.get(0)!.nextOffset).toBe(first);
    clock += 2_000;
    // No batch arrives any more; the interval saves the partition anyway.
    await until(() => checkpoints.saved.get(0)!.nextOffset !== first, 'the idle partition to be checkpointed', 5_000, 10);
    expect(BigInt(checkpoints.saved.get(0)!.nextOffset)).toBe(BigInt(first) + 10n);
    expect((await metric('sentinel_checkpoint_age_seconds'))[0]!.value).toBe(0);
    await service.stop();
    await bus.close();
  });

  it('takes the partitions’ checkpoints in turns across the interval, and an overdue one at once', async () => {
    const bus = new MemoryBus(8);
    let clock = 1_000_000;
    const saves: number[] = [];
    const checkpoints = new (class extends MapCheckpoints {
      override async save(partition: number, checkpoint: Checkpoint): Promise<void> {
        saves.push(partition);
        await super.save(partition, checkpoint);
      }
    })();
    const service = new DetectionService({ bus, config, logger, checkpoints, checkpointIntervalMs: 8_000, baselineIntervalMs: 60_000, now: () => clock });
    await service.start();
    const telemetry = bus.topic(TOPICS.telemetry);
    const round = async (from: number) => {
      saves.length = 0;
      await telemetry.publish(events.slice(from, from + 30).map((e) => ({ key: shardKey(e), value: encodeJson(e) })));
      await until(() => bus.lag(TOPICS.telemetry) === 0, 'detection to drain the round', 5_000, 5);
      return [...saves];
    };
    const busy = new Set(events.slice(0, 30).map((e) => partitionFor(shardKey(e), 8)));
    expect(busy.size).toBeGreaterThan(1);
    // An interval later, every shard is due, but only one takes its turn in this instant.
    clock += 8_000;
    expect(await round(0)).toHaveLength(1);
    // An eighth of the interval later (8 shards), the next one.
    clock += 1_000;
    expect(await round(30)).toHaveLength(1);
    // Two intervals without a checkpoint: every shard that learned something is saved at once.
    clock += 16_000;
    expect(new Set(await round(60))).toEqual(busy);
    await service.stop();
    await bus.close();
  });

  it('replays a partition from its start when its checkpoint cannot be read, instead of stalling', async () => {
    const bus = new MemoryBus(1);
    const found: string[] = [];
    await bus.topic(TOPICS.anomalies).consume({ group: 'collector', handler: async (b) => void found.push(...b.records.map((r) => r.key)) });
    const telemetry = bus.topic(TOPICS.telemetry);
    await telemetry.publish(events.map((e) => ({ key: shardKey(e), value: encodeJson(e) })));
    const checkpoints = new MapCheckpoints();
    checkpoints.saved.set(0, { snapshot: new Uint8Array([1, 2, 3]), nextOffset: '850' });
    const service = new DetectionService({ bus, config, logger, checkpoints, checkpointIntervalMs: 60_000 });
    await service.start();
    await until(() => bus.lag(TOPICS.telemetry) === 0, 'detection to replay the partition', 5_000, 5);
    await service.stop();
    // Every event was judged again, from a fresh baseline: the anomalies of a run that never had a checkpoint.
    const expected = new BaselineShard(config).observeBatch(events);
    expect(expected.length).toBeGreaterThan(3);
    expect(found).toHaveLength(expected.length);
    expect(checkpoints.saved.get(0)!.nextOffset).toBe(String(events.length));
    await bus.close();
  });
});
