import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pino from 'pino';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOPICS, TelemetryEventSchema, sampleTelemetry, shardKey, type AnomalyEvent, type TelemetryEventInput } from '@sentinel/contracts';
import { KafkaBus, NamespacedBus, partitionFor, type Bus } from '@sentinel/bus';
import { BaselineShard, DetectionConfigSchema } from '@sentinel/detection';
import { generateWebhookSecret } from '@sentinel/alerts';
import { startReceiver } from '../../../../libs/alerts/test/receiver.js';
import { generateTraffic } from '../../src/demo/traffic.js';
import { SentinelProcess } from '../process.js';
import { servicesEnv } from './env.js';

const BROKERS = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const PARTITIONS = 6;
const KEY = 'sk_test_services_0123456789abcdef';
const auth = { authorization: `Bearer ${KEY}` };
const namespace = `t${randomUUID().slice(0, 8)}.`;
const secret = generateWebhookSecret();
const END = Date.parse('2025-06-02T00:00:00Z');
const SPAN = 6 * 3_600_000;
const traffic = generateTraffic({ events: 9000, spanMs: SPAN, endMs: END, seed: 5 });
const parts = [traffic.events.slice(0, 3000), traffic.events.slice(3000, 6000), traffic.events.slice(6000)];

/** The anomaly ids of an uninterrupted run: the engine over the same events, one shard per partition, in order. */
function referenceIds(events: readonly TelemetryEventInput[]): string[] {
  const config = DetectionConfigSchema.parse({});
  const shards = new Map<number, BaselineShard>();
  const ids: string[] = [];
  for (const input of events) {
    const e = TelemetryEventSchema.parse(input);
    const p = partitionFor(shardKey(e), PARTITIONS);
    let shard = shards.get(p);
    if (!shard) shards.set(p, (shard = new BaselineShard(config)));
    for (const a of shard.observe(e)) ids.push(a.alert_id);
  }
  return ids.sort();
}

let dir: string;
let receiver: Awaited<ReturnType<typeof startReceiver>>;
let env: Record<string, string>;
const procs: Record<string, SentinelProcess & { url: string }> = {};
let bus: Bus;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sentinel-services-'));
  receiver = await startReceiver();
  env = servicesEnv(
    { namespace, dataDir: dir, key: KEY, partitions: PARTITIONS },
    {
      SENTINEL_KAFKA__BROKERS: BROKERS.join(','),
      SENTINEL_CHECKPOINTS__INTERVAL_MS: '300',
      SENTINEL_ALERTING__WEBHOOKS: JSON.stringify([{ id: 'ops', url: receiver.url, secret, minSeverity: 'low' }]),
    },
  );
  // Storage first: it creates the topics; then the rest in parallel.
  procs.storage = await SentinelProcess.start('storage', env);
  const [alerting, detectionA, detectionB, ingestion] = await Promise.all(['alerting', 'detection', 'detection', 'ingestion'].map((app) => SentinelProcess.start(app, env)));
  Object.assign(procs, { alerting, detectionA, detectionB, ingestion });
  bus = new NamespacedBus(await KafkaBus.connect({ brokers: BROKERS, clientId: 'services-test', partitions: PARTITIONS, logger: pino({ level: 'silent' }) }), namespace);
}, 180_000);

afterAll(async () => {
  const codes = await Promise.all(Object.values(procs).map((p) => p.stop(30_000)));
  await bus?.close();
  await receiver?.close();
  await rm(dir, { recursive: true, force: true });
  // A graceful stop exits 0 (the killed detection process already exited): stop must not hang or fail.
  expect(codes.filter((c) => c !== 0 && c !== null)).toEqual([]);
}, 120_000);

/** The niceness of each thread of a process (field 19 of /proc/<pid>/task/<tid>/stat). */
function threadNices(pid: number): number[] {
  return readdirSync(`/proc/${pid}/task`).map((tid) => Number(readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8').split(') ')[1]!.split(' ')[16]));
}

/** Sends events the way a well-behaved client does: a 503 (bus unavailable) is retried with the same events. */
async function send(events: readonly TelemetryEventInput[], onBatch?: (i: number) => Promise<void>): Promise<void> {
  for (let i = 0; i < events.length; i += 500) {
    await onBatch?.(i);
    for (let attempt = 0; ; attempt++) {
      const res = await fetch(`${procs.ingestion!.url}/v1/telemetry`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify(events.slice(i, i + 500)) }).catch(() => null);
      if (res?.status === 202) break;
      if (attempt > 60 || (res && res.status !== 503)) throw new Error(`ingest answered ${res?.status}: ${await res?.text()}`);
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
}

async function storedEventIds(): Promise<string[]> {
  const res = await fetch(`${procs.storage!.url}/v1/telemetry?from=${END - SPAN - 1}&to=${END + 1}&limit=10000`, { headers: auth });
  return ((await res.json()) as { data: Array<{ event_id: string }> }).data.map((p) => p.event_id);
}

async function storedAnomalyIds(): Promise<string[]> {
  const ids: string[] = [];
  let cursor = '';
  do {
    const res = await fetch(`${procs.storage!.url}/v1/anomalies?limit=1000&from=${END - SPAN - 1}${cursor ? `&cursor=${cursor}` : ''}`, { headers: auth });
    const page = (await res.json()) as { data: AnomalyEvent[]; next_cursor: string | null };
    ids.push(...page.data.map((a) => a.alert_id));
    cursor = page.next_cursor ?? '';
  } while (cursor);
  return ids.sort();
}

/** Waits until storage holds exactly `events` and the anomaly ids of an uninterrupted run over them. */
async function expectStored(events: readonly TelemetryEventInput[], timeoutMs = 90_000): Promise<void> {
  const wantEvents = events.map((e) => TelemetryEventSchema.parse(e).event_id).sort();
  const wantAnomalies = referenceIds(events);
  const deadline = Date.now() + timeoutMs;
  let gotEvents: string[] = [];
  let gotAnomalies: string[] = [];
  while (Date.now() < deadline) {
    [gotEvents, gotAnomalies] = await Promise.all([storedEventIds(), storedAnomalyIds()]);
    if (gotEvents.length === wantEvents.length && gotAnomalies.length === wantAnomalies.length) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  expect(gotEvents.sort()).toEqual(wantEvents);
  expect(gotAnomalies).toEqual(wantAnomalies);
}

describe('services over Kafka', () => {
  it('carries events from ingestion to storage and anomalies to alerting, with two detection processes in one group', async () => {
    await send(parts[0]!);
    await expectStored(parts[0]!);
    expect(referenceIds(parts[0]!).length).toBeGreaterThan(0);
    for (const p of [procs.detectionA!, procs.detectionB!]) expect(p.log).not.toMatch(/"level":50/);
    const deadline = Date.now() + 20_000;
    while (receiver.received.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(receiver.received.length).toBeGreaterThan(0);
    for (const { body, headers } of receiver.received) expect(() => new Webhook(secret).verify(body, headers as Record<string, string>)).not.toThrow();
    // storage.nice (10 by default) on every thread of storage, DuckDB's included; the latency path keeps the runner's.
    expect(new Set(threadNices(procs.storage!.pid!))).toEqual(new Set([10]));
    expect(new Set(threadNices(procs.detectionA!.pid!))).toEqual(new Set([threadNices(process.pid)[0]]));
  }, 180_000);

  it('loses nothing and changes no anomaly when a detection process is killed -9 mid-stream', async () => {
    await send(parts[1]!, async (i) => {
      if (i === 1000) procs.detectionA!.kill('SIGKILL');
    });
    expect(await procs.detectionA!.exited).toBeNull();
    delete procs.detectionA;
    await expectStored([...parts[0]!, ...parts[1]!], 120_000);
  }, 240_000);

  it('reconnects by itself after a broker restart, and no event is lost', async () => {
    let restart: Promise<unknown> | undefined;
    await send(parts[2]!, async (i) => {
      // Not awaited: the clients keep sending while the broker is down and while it comes back.
      if (i === 1000) restart = promisify(execFile)('bash', ['scripts/kafka-restart.sh'], { cwd: new URL('../../../../', import.meta.url).pathname });
    });
    expect(restart).toBeDefined();
    await restart;
    const all = [...parts[0]!, ...parts[1]!, ...parts[2]!];
    const deadline = Date.now() + 120_000;
    let stored: string[] = [];
    while (Date.now() < deadline && (stored = await storedEventIds().catch(() => [])).length < all.length) await new Promise((r) => setTimeout(r, 500));
    expect(stored.sort()).toEqual(all.map((e) => TelemetryEventSchema.parse(e).event_id).sort());
  }, 300_000);

  it('ingests what kcat writes to the raw topic and dead-letters the bad records with a readable reason', async () => {
    const reasons: string[] = [];
    const dlq = await bus.topic(TOPICS.telemetryDlq).consume({ group: `dlq-reader-${randomUUID()}`, handler: async (b) => void reasons.push(...b.records.map((r) => r.headers['x-sentinel-reason'] ?? '')) });
    const good = sampleTelemetry({ timestamp: new Date(END - 1000).toISOString(), service_name: 'raw-producer' });
    const missingLatency: Partial<TelemetryEventInput> = sampleTelemetry({ service_name: 'raw-producer' });
    delete missingLatency.latency_ms;
    // Produced by kcat, as a producer outside Sentinel would: one record per line, key before the tab.
    const lines = ['raw\t{"event_id": oops', `raw\t${JSON.stringify(missingLatency)}`, `raw\t${JSON.stringify(good)}`].join('\n');
    await new Promise<void>((resolve, reject) => {
      const kcat = execFile('kcat', ['-P', '-b', BROKERS.join(','), '-t', namespace + TOPICS.raw, '-K', '\t'], (err) => (err ? reject(err) : resolve()));
      kcat.stdin!.end(`${lines}\n`);
    });
    const deadline = Date.now() + 60_000;
    let stored = false;
    while (Date.now() < deadline && !(reasons.length >= 2 && stored)) {
      stored = (await storedEventIds()).includes(good.event_id);
      await new Promise((r) => setTimeout(r, 300));
    }
    await dlq.stop();
    expect(reasons.some((r) => /not valid JSON/.test(r))).toBe(true);
    expect(reasons).toContain('latency_ms: is required');
    expect(stored).toBe(true);
  }, 120_000);
});
