import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOPICS, TelemetryEventSchema, decodeAnomaly, sampleTelemetry, type TelemetryEvent } from '@sentinel/contracts';
import { MemoryBus } from '@sentinel/bus';
import { DetectionConfigSchema } from '@sentinel/detection';
import { RedisCheckpointStore, connectRedis, type CheckpointStore } from '@sentinel/state';
import { TelemetryPublisher } from '@sentinel/app-ingestion';
import { DetectionService } from '../src/index.js';

const logger = pino({ level: 'silent' });
const config = DetectionConfigSchema.parse({ window: 200, warmup: 30 });
const T0 = Date.parse('2025-06-01T00:00:00Z');

/** Three series with a deterministic wobble and spikes spread over the stream. */
const events: TelemetryEvent[] = Array.from({ length: 3000 }, (_, i) => {
  const model = ['gpt-4o', 'gpt-4o-mini', 'claude'][i % 3]!;
  const spike = i % 397 === 0 && i > 300;
  return TelemetryEventSchema.parse(
    sampleTelemetry({
      event_id: `00000000-0000-4000-8000-${i.toString(16).padStart(12, '0')}`,
      timestamp: new Date(T0 + i * 1000).toISOString(),
      model,
      latency_ms: (spike ? 6 : 1) * (500 + 80 * Math.sin(i * 0.7) + 40 * Math.cos(i * 1.3)),
      cost_usd: 0.001 * (1 + 0.1 * Math.sin(i)),
    }),
  );
});

let redis: Redis;
beforeAll(async () => {
  redis = await connectRedis({ url: process.env.SENTINEL_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379', logger });
});
afterAll(async () => {
  await redis.quit();
});

async function drained(bus: MemoryBus): Promise<void> {
  while (bus.lag(TOPICS.telemetry) + bus.lag(TOPICS.anomalies) > 0) await new Promise((r) => setTimeout(r, 5));
}

/** Runs the stream through detection, restarting the service after each cut; returns the anomaly ids. */
async function run(cuts: number[], checkpoints?: () => CheckpointStore): Promise<string[]> {
  const bus = new MemoryBus(4);
  const ids: string[] = [];
  await bus.topic(TOPICS.anomalies).consume({
    group: 'collector',
    handler: async (b) => void ids.push(...b.records.map((r) => (decodeAnomaly(r.value) as { ok: true; value: { alert_id: string } }).value.alert_id)),
  });
  const publisher = new TelemetryPublisher(bus);
  let from = 0;
  for (const to of [...cuts, events.length]) {
    const service = new DetectionService({ bus, config, logger, checkpoints: checkpoints?.(), checkpointIntervalMs: 60_000 });
    await service.start();
    await publisher.publish(events.slice(from, to));
    await drained(bus);
    await service.stop();
    from = to;
  }
  await bus.close();
  return ids.sort();
}

describe('DetectionService checkpoints (Redis)', () => {
  it('gives a restarted service the exact anomalies of one that never stopped', async () => {
    const uninterrupted = await run([]);
    expect(uninterrupted.length).toBeGreaterThan(3);
    const scope = `test-${randomUUID()}`;
    const restarted = await run([700, 1500, 2222], () => new RedisCheckpointStore(redis, scope));
    expect(restarted).toEqual(uninterrupted);
  });

  it('would not without them: a fresh baseline after each restart changes the result', async () => {
    const uninterrupted = await run([]);
    const forgetful = await run([700, 1500, 2222]);
    expect(forgetful).not.toEqual(uninterrupted);
  });
});
