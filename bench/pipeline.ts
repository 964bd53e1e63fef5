/**
 * End-to-end pipeline throughput: telemetry POSTed over HTTP until every event is detected and stored.
 *
 *   node --import tsx bench/pipeline.ts [memory|kafka]     (npm run bench runs the memory mode)
 *
 * memory: `sentinel all` in this process (in-memory bus, DuckDB). kafka: storage, alerting, two
 * detection processes and ingestion as separate `sentinel <app>` processes over the local Kafka and Redis
 * (`make dev-up` first). Both count from the first request to the moment storage holds every event.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import pino from 'pino';
import { SentinelConfigSchema } from '@sentinel/config';
import type { TelemetryEventInput } from '@sentinel/contracts';
import { startAll } from '../apps/sentinel/src/compose.js';
import { generateTraffic } from '../apps/sentinel/src/demo/traffic.js';
import { SentinelProcess } from '../apps/sentinel/test/process.js';

const EVENTS = Number(process.env.BENCH_PIPELINE_EVENTS ?? 60_000);
const BATCH = 1000;
const IN_FLIGHT = 4;
const KEY = 'sk_bench_pipeline_0123456789abcdef';
const auth = { authorization: `Bearer ${KEY}` };

interface Target {
  ingestUrl: string;
  storageUrl: string;
  stop(): Promise<void>;
}

async function memoryTarget(dir: string): Promise<Target> {
  const config = SentinelConfigSchema.parse({ log: { level: 'warn' }, server: { port: 0 }, ingestion: { otlp: { port: 0 } }, storage: { duckdb: { path: join(dir, 'db.duckdb') } } });
  const s = await startAll(config, pino({ level: 'warn' }), [{ id: 'bench', key: KEY, scopes: ['admin'] }]);
  return { ingestUrl: s.url, storageUrl: s.url, stop: () => s.stop() };
}

async function kafkaTarget(dir: string): Promise<Target> {
  const env = {
    SENTINEL_TRANSPORT: 'kafka',
    SENTINEL_BUS__NAMESPACE: `bench${Date.now()}.`,
    SENTINEL_SERVER__PORT: '0',
    SENTINEL_INGESTION__OTLP__PORT: '0',
    SENTINEL_LOG__LEVEL: 'warn',
    SENTINEL_LOG__PRETTY: 'false',
    SENTINEL_AUTH__KEYS: JSON.stringify([{ id: 'bench', key: KEY, scopes: ['admin'] }]),
    SENTINEL_STORAGE__DUCKDB__PATH: join(dir, 'db.duckdb'),
  };
  const storage = await SentinelProcess.start('storage', env);
  const others = await Promise.all(['alerting', 'detection', 'detection', 'ingestion'].map((app) => SentinelProcess.start(app, env)));
  const ingestion = others[3]!;
  return { ingestUrl: ingestion.url, storageUrl: storage.url, stop: async () => void (await Promise.all([storage, ...others].map((p) => p.stop()))) };
}

/** Events stored so far: the per-series counts of the whole span, summed. */
async function storedCount(t: Target, events: readonly TelemetryEventInput[], from: number, to: number): Promise<number> {
  const series = [...new Set(events.map((e) => `${e.service_name}\u0000${e.model}`))].map((s) => s.split('\u0000') as [string, string]);
  let total = 0;
  for (const [service, model] of series) {
    const qs = new URLSearchParams({ service, model, metric: 'latency_ms', agg: 'count', step: '1d', from: String(from), to: String(to) });
    const res = await fetch(`${t.storageUrl}/v1/telemetry?${qs}`, { headers: auth });
    for (const b of ((await res.json()) as { data: Array<{ count: number }> }).data) total += b.count;
  }
  return total;
}

export async function runPipelineBench(mode: 'memory' | 'kafka' = 'memory'): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'sentinel-bench-'));
  const end = Date.parse('2025-06-02T00:00:00Z');
  const { events } = generateTraffic({ events: EVENTS, spanMs: 6 * 3_600_000, endMs: end, seed: 3 });
  const bodies = Array.from({ length: Math.ceil(events.length / BATCH) }, (_, i) => JSON.stringify(events.slice(i * BATCH, (i + 1) * BATCH)));
  const target = mode === 'memory' ? await memoryTarget(dir) : await kafkaTarget(dir);
  try {
    const started = performance.now();
    let next = 0;
    const sender = async () => {
      while (next < bodies.length) {
        const body = bodies[next++]!;
        const res = await fetch(`${target.ingestUrl}/v1/telemetry`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body });
        if (res.status !== 202) throw new Error(`ingest answered ${res.status}: ${await res.text()}`);
      }
    };
    await Promise.all(Array.from({ length: IN_FLIGHT }, sender));
    const accepted = performance.now();
    while ((await storedCount(target, events, end - 7 * 3_600_000, end)) < events.length) await new Promise((r) => setTimeout(r, 100));
    const stored = performance.now();
    const s = (ms: number) => (ms / 1000).toFixed(2);
    console.log(`\npipeline (${mode === 'memory' ? 'sentinel all, one process' : 'services over Kafka, 2 detection processes'}), ${events.length} events in batches of ${BATCH}, ${IN_FLIGHT} requests in flight`);
    console.log(`  accepted over HTTP   ${s(accepted - started)} s   ${Math.round(events.length / ((accepted - started) / 1000))} events/s`);
    console.log(`  detected and stored  ${s(stored - started)} s   ${Math.round(events.length / ((stored - started) / 1000))} events/s end to end`);
  } finally {
    await target.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await runPipelineBench(process.argv[2] === 'kafka' ? 'kafka' : 'memory');
}
