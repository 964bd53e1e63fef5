/** The machine and the versions a report was measured on. */
import { readFile } from 'node:fs/promises';
import { cpus, loadavg, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { DuckDBInstance } from '@duckdb/node-api';
import { connect as amqpConnect } from 'amqplib';
import { Redis } from 'ioredis';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface Machine {
  cores: number;
  cpuModel: string;
  memoryGiB: number;
  /** 1, 5 and 15 min load averages when the run started: a loaded machine gives noisy figures. */
  loadAverage: number[];
  kernel: string;
}

export interface Versions {
  node: string;
  kafkajs: string;
  kafkaBroker: string;
  duckdb: string;
  rabbitmq: string;
  redis: string;
}

export async function machine(): Promise<Machine> {
  const cpuinfo = await readFile('/proc/cpuinfo', 'utf8').catch(() => '');
  const model = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1] ?? cpus()[0]?.model ?? 'unknown';
  const kernel = (await readFile('/proc/sys/kernel/osrelease', 'utf8').catch(() => 'unknown')).trim();
  return {
    cores: cpus().length,
    cpuModel: model.trim(),
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    loadAverage: loadavg().map((l) => Math.round(l * 100) / 100),
    kernel,
  };
}

async function packageVersion(name: string): Promise<string> {
  try {
    return (JSON.parse(await readFile(`${ROOT}node_modules/${name}/package.json`, 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

/** A probe that answers 'unavailable' instead of failing or hanging the report. */
async function probe(what: () => Promise<string>, ms = 5_000): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([what(), new Promise<string>((r) => (timer = setTimeout(() => r('unavailable (no answer)'), ms)))]);
  } catch (e) {
    return `unavailable (${(e as Error).message})`;
  } finally {
    clearTimeout(timer);
  }
}

export async function versions(): Promise<Versions> {
  const cache = process.env.SENTINEL_DEV_CACHE ?? `${ROOT}.cache`;
  const [kafkajs, duckdbPackage] = await Promise.all([packageVersion('kafkajs'), packageVersion('@duckdb/node-api')]);
  const duckdb = await probe(async () => {
    const db = await DuckDBInstance.create(':memory:');
    const conn = await db.connect();
    const rows = (await conn.runAndReadAll('SELECT version() AS v')).getRowObjects();
    conn.closeSync();
    return `${String(rows[0]?.v)} (@duckdb/node-api ${duckdbPackage})`;
  });
  const kafkaBroker = await probe(async () => `${(await readFile(`${cache}/kafka/libs/.version`, 'utf8')).trim()} (KRaft, single node, scripts/dev-up.sh)`);
  const redis = await probe(async () => {
    const r = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null });
    r.on('error', () => undefined);
    try {
      await r.connect();
      return /redis_version:(\S+)/.exec(await r.info('server'))?.[1] ?? 'unknown';
    } finally {
      r.disconnect();
    }
  });
  const rabbitmq = await probe(async () => {
    const conn = await amqpConnect(process.env.RABBITMQ_URL ?? 'amqp://guest:guest@127.0.0.1:5672', { timeout: 3_000 });
    try {
      const props = (conn as unknown as { connection: { serverProperties?: Record<string, unknown> } }).connection.serverProperties;
      return String(props?.version ?? 'unknown');
    } finally {
      await conn.close();
    }
  });
  return { node: process.version, kafkajs, kafkaBroker, duckdb, rabbitmq, redis };
}
