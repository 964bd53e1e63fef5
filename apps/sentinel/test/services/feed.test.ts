import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOPICS, encodeJson, sampleAnomaly } from '@sentinel/contracts';
import { KafkaBus, NamespacedBus, type Bus } from '@sentinel/bus';
import { until } from '../../../../testing/until.js';
import { SentinelProcess } from '../process.js';
import { servicesEnv } from './env.js';

const BROKERS = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const KEY = 'sk_test_feed_0123456789abcdef';
const namespace = `t${randomUUID().slice(0, 8)}.`;

/** The alert ids that arrive on one GET /v1/anomalies/stream, read with fetch() as the console does. */
async function stream(url: string, signal: AbortSignal): Promise<{ ids: string[]; ready: Promise<void> }> {
  const res = await fetch(`${url}/v1/anomalies/stream`, { headers: { authorization: `Bearer ${KEY}` }, signal });
  expect(res.status).toBe(200);
  const ids: string[] = [];
  let markReady!: () => void;
  const ready = new Promise<void>((r) => (markReady = r));
  void (async () => {
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buffer += value;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          if (block.includes('event: ready')) markReady();
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (block.includes('event: anomaly') && data) ids.push((JSON.parse(data) as { alert_id: string }).alert_id);
        }
      }
    } catch {
      // aborted
    }
  })();
  return { ids, ready };
}

describe('the live feed over Kafka: every process that serves the API sees every anomaly', () => {
  const dirs: string[] = [];
  const procs: Array<SentinelProcess & { url: string }> = [];
  let bus: Bus;
  const abort = new AbortController();

  beforeAll(async () => {
    // Two storage processes (each serves the query API over its own DuckDB file), as two API replicas would.
    for (let i = 0; i < 2; i++) {
      const dir = await mkdtemp(join(tmpdir(), 'sentinel-feed-'));
      dirs.push(dir);
      procs.push(await SentinelProcess.start('storage', servicesEnv({ namespace, dataDir: dir, key: KEY, partitions: 3 }, { SENTINEL_KAFKA__BROKERS: BROKERS.join(',') })));
    }
    bus = new NamespacedBus(await KafkaBus.connect({ brokers: BROKERS, clientId: 'feed-test', partitions: 3, logger: pino({ level: 'silent' }) }), namespace);
  }, 120_000);

  afterAll(async () => {
    abort.abort();
    await Promise.all(procs.map((p) => p.stop()));
    await bus?.close();
    await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  });

  it('streams each published anomaly from both processes, whichever partition it is on', async () => {
    const streams = await Promise.all(procs.map((p) => stream(p.url, abort.signal)));
    await Promise.all(streams.map((s) => s.ready));
    // Several series keys, so the records land on several partitions.
    const sent = ['checkout', 'search', 'support-bot', 'summarizer'].map((service_name) => sampleAnomaly({ service_name, series_key: `${service_name}\u001fgpt-4o\u001flatency_ms` }));
    await bus.topic(TOPICS.anomalies).publish(sent.map((a) => ({ key: a.series_key, value: encodeJson(a) })));
    for (const s of streams) {
      await until(() => s.ids.length >= sent.length, 'every anomaly on each stream', 30_000);
      expect([...s.ids].sort()).toEqual(sent.map((a) => a.alert_id).sort());
    }
  });
});
