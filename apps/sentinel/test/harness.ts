import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { SentinelConfigSchema, type ApiKey, type SentinelConfigInput } from '@sentinel/config';
import { startAll, type RunningSentinel } from '../src/compose.js';

export const KEYS = {
  admin: { id: 'admin', key: 'sk_test_admin_0123456789abcdef', scopes: ['admin'] },
  ingest: { id: 'ingest', key: 'sk_test_ingest_0123456789abcdef', scopes: ['ingest'] },
  read: { id: 'read', key: 'sk_test_read_0123456789abcdef00', scopes: ['read'] },
} satisfies Record<string, ApiKey>;

export const bearer = (k: ApiKey) => ({ authorization: `Bearer ${k.key}` });

export interface TestSentinel extends RunningSentinel {
  dir: string;
  /** Stops this instance and starts another on the same data directory. */
  restart(): Promise<TestSentinel>;
  dispose(): Promise<void>;
}

/** `sentinel all` on an ephemeral loopback port and a temporary DuckDB file. */
export async function startTestSentinel(overrides: SentinelConfigInput = {}, dir?: string): Promise<TestSentinel> {
  const dataDir = dir ?? (await mkdtemp(join(tmpdir(), 'sentinel-e2e-')));
  const config = SentinelConfigSchema.parse({
    ...overrides,
    env: 'test',
    log: { level: 'silent' },
    server: { host: '127.0.0.1', port: 0, ...overrides.server },
    ingestion: { ...overrides.ingestion, otlp: { port: 0, ...overrides.ingestion?.otlp } },
    storage: { duckdb: { path: join(dataDir, 'sentinel.duckdb'), batchSize: 1000 } },
  });
  const running = await startAll(config, pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }), Object.values(KEYS));
  const self: TestSentinel = {
    ...running,
    dir: dataDir,
    restart: async () => {
      await running.stop();
      return startTestSentinel(overrides, dataDir);
    },
    dispose: async () => {
      await running.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
  return self;
}
