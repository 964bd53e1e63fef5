/**
 * Sentinel as separate `sentinel <app>` processes over the local Kafka, Redis (and RabbitMQ), in a
 * namespace of its own (topics, consumer groups, checkpoint and alert-state keys), and everything the run
 * leaves behind on the shared brokers removed afterwards. `scripts/dev-up.sh` starts the brokers if they
 * are not running; they are never stopped or restarted here (other work uses them).
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { Redis } from 'ioredis';
import { TOPICS } from '@sentinel/contracts';
import { SentinelProcess } from '../../apps/sentinel/test/process.js';
import { portOpen } from '../../testing/port.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const BROKERS = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
export const RABBITMQ_URL = process.env.RABBITMQ_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
export const BENCH_KEY = 'sk_bench_0123456789abcdef0123456789';
export const AUTH = { authorization: `Bearer ${BENCH_KEY}` };
/** Partitions of every topic: the config's default. */
export const PARTITIONS = Number(process.env.SENTINEL_BUS__PARTITIONS ?? 12);
/** Compression of produced batches, as `kafka.compression`: Sentinel's default is none. */
export const COMPRESSION = (process.env.BENCH_COMPRESSION ?? 'none') as 'none' | 'gzip';

export type App = 'ingestion' | 'detection' | 'storage' | 'alerting';

export type Broker = 'kafka' | 'redis' | 'rabbitmq';
const PORTS: Record<Broker, number> = { kafka: 9092, redis: 6379, rabbitmq: 5672 };

/**
 * Makes sure the brokers a bench needs answer. One that does not may be restarting (the broker tests stop
 * and start them): it gets a minute to come back before scripts/dev-up.sh is run for the missing ones
 * (dev-up leaves a running service alone; nothing here ever stops one).
 */
export async function ensureBrokers(needed: readonly Broker[] = ['kafka', 'redis', 'rabbitmq']): Promise<void> {
  const down = async () => (await Promise.all(needed.map(async (b) => ((await portOpen('127.0.0.1', PORTS[b])) ? null : b)))).filter((b): b is Broker => b !== null);
  let missing = await down();
  for (let waited = 0; missing.length > 0 && waited < 60; waited += 2) {
    await new Promise((r) => setTimeout(r, 2_000));
    missing = await down();
  }
  if (missing.length === 0) return;
  console.error(`bench: ${missing.join(', ')} not answering; starting with scripts/dev-up.sh ${missing.join(' ')}`);
  await promisify(execFile)('bash', [`${ROOT}scripts/dev-up.sh`, ...missing], { cwd: ROOT, timeout: 600_000 });
}

export function freshNamespace(tag: string): string {
  return `bench${tag}${Date.now().toString(36)}${randomBytes(2).toString('hex')}.`;
}

export function kafkaAdmin(): Admin {
  return new Kafka({ brokers: BROKERS, clientId: 'sentinel-bench', logLevel: logLevel.NOTHING }).admin();
}

/**
 * Creates a topic and waits for its leaders. Right after a broker (re)start a create may answer
 * UNKNOWN_TOPIC_OR_PARTITION for a moment, which kafkajs does not wait out: retried, as KafkaBus does.
 */
export async function createTopic(admin: Admin, topic: string, partitions = PARTITIONS): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await admin.createTopics({ topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }], waitForLeaders: true });
      return;
    } catch (err) {
      if (!(err as { retriable?: boolean }).retriable || attempt >= 10) throw err;
      await new Promise((r) => setTimeout(r, 300 * attempt));
    }
  }
}

export interface StartOptions {
  namespace: string;
  /** Detection processes (default 1: on 2 cores a second one only adds a consumer to the group). */
  detection?: number;
  /** Which apps; default all four. */
  apps?: readonly App[];
  /** Flags for node in every app process, e.g. --cpu-prof. */
  nodeFlags?: readonly string[];
  env?: Record<string, string>;
}

export class SentinelServices {
  private constructor(
    readonly namespace: string,
    readonly dataDir: string,
    readonly env: Record<string, string>,
    readonly procs: Array<SentinelProcess & { url: string }>,
  ) {}

  static async start(o: StartOptions): Promise<SentinelServices> {
    const dataDir = await mkdtemp(join(tmpdir(), 'sentinel-bench-'));
    const env: Record<string, string> = {
      SENTINEL_TRANSPORT: 'kafka',
      SENTINEL_KAFKA__BROKERS: BROKERS.join(','),
      SENTINEL_KAFKA__COMPRESSION: COMPRESSION,
      SENTINEL_BUS__NAMESPACE: o.namespace,
      SENTINEL_BUS__PARTITIONS: String(PARTITIONS),
      SENTINEL_REDIS__URL: REDIS_URL,
      SENTINEL_SERVER__PORT: '0',
      SENTINEL_INGESTION__OTLP__PORT: '0',
      SENTINEL_LOG__LEVEL: 'warn',
      SENTINEL_LOG__PRETTY: 'false',
      SENTINEL_AUTH__KEYS: JSON.stringify([{ id: 'bench', key: BENCH_KEY, scopes: ['admin'] }]),
      SENTINEL_STORAGE__DUCKDB__PATH: join(dataDir, 'sentinel.duckdb'),
      // The rate limit is a policy, not a capacity: lifted so that it does not decide the figures.
      SENTINEL_INGESTION__RATE_LIMIT__EVENTS_PER_SECOND: '1000000000',
      SENTINEL_INGESTION__RATE_LIMIT__BURST: '1000000000',
      ...o.env,
    };
    const apps = o.apps ?? ['storage', 'alerting', 'detection', 'ingestion'];
    const procs: Array<SentinelProcess & { url: string }> = [];
    const services = new SentinelServices(o.namespace, dataDir, env, procs);
    try {
      // Storage first when it runs (it creates the topics); the rest in parallel.
      if (apps.includes('storage')) procs.push(await SentinelProcess.start('storage', env, 120_000, o.nodeFlags));
      const rest = apps.filter((a) => a !== 'storage').flatMap((a) => (a === 'detection' ? Array.from({ length: o.detection ?? 1 }, () => a) : [a]));
      procs.push(...(await Promise.all(rest.map((a) => SentinelProcess.start(a, env, 120_000, o.nodeFlags)))));
    } catch (e) {
      await services.stop().catch(() => undefined);
      throw e;
    }
    return services;
  }

  app(name: App): SentinelProcess & { url: string } {
    const p = this.procs.find((x) => x.app === name);
    if (!p) throw new Error(`no ${name} process`);
    return p;
  }

  topic(name: string): string {
    return this.namespace + name;
  }

  /** Graceful stop of every process (SIGTERM, drained and committed); a process that hangs is killed. */
  async stop(timeoutMs = 60_000): Promise<void> {
    await Promise.allSettled(this.procs.map((p) => p.stop(timeoutMs)));
  }

  /** stop(), then remove the run's topics, groups, Redis keys and DuckDB file. */
  async close(): Promise<void> {
    await this.stop();
    await cleanupNamespace(this.namespace);
    await rm(this.dataDir, { recursive: true, force: true });
  }
}

/** Deletes the namespace's Kafka topics and consumer groups and its Redis keys. Best effort: a failure is reported, not thrown. */
export async function cleanupNamespace(namespace: string): Promise<void> {
  if (!/^bench[A-Za-z0-9]+\.$/.test(namespace)) throw new Error(`refusing to clean up ${namespace}: not a bench namespace`);
  const admin = kafkaAdmin();
  try {
    await admin.connect();
    const groups = (await admin.listGroups()).groups.map((g) => g.groupId).filter((g) => g.startsWith(namespace));
    if (groups.length) await admin.deleteGroups(groups).catch(() => undefined);
    const topics = (await admin.listTopics()).filter((t) => t.startsWith(namespace));
    if (topics.length) await admin.deleteTopics({ topics, timeout: 30_000 });
  } catch (e) {
    console.error(`bench: could not remove the Kafka topics of ${namespace}: ${(e as Error).message}`);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
  const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 2 });
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `*${namespace}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) await redis.unlink(...keys);
    } while (cursor !== '0');
  } catch (e) {
    console.error(`bench: could not remove the Redis keys of ${namespace}: ${(e as Error).message}`);
  } finally {
    redis.disconnect();
  }
}

/** Resident set size of a process, from /proc/<pid>/status (VmRSS), in bytes. */
export async function rssBytes(pid: number | undefined): Promise<number> {
  if (pid === undefined) return Number.NaN;
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  const kb = /^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1];
  return kb ? Number(kb) * 1024 : Number.NaN;
}

/** A gauge or counter of a process's /metrics, summed over its label sets; NaN when absent. */
export async function metricValue(url: string, name: string): Promise<number> {
  const res = await fetch(`${url}/metrics`, { headers: AUTH });
  const text = await res.text();
  let total = Number.NaN;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const rest = line.slice(name.length);
    if (rest[0] !== ' ' && rest[0] !== '{') continue;
    const v = Number(line.slice(line.lastIndexOf(' ') + 1));
    total = (Number.isNaN(total) ? 0 : total) + v;
  }
  return total;
}

/** The topics of a Sentinel namespace that carry the pipeline. */
export function pipelineTopics(namespace: string): string[] {
  return [TOPICS.raw, TOPICS.telemetry, TOPICS.anomalies, TOPICS.baselines, TOPICS.telemetryDlq].map((t) => namespace + t);
}
