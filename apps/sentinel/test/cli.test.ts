import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SentinelProcess } from './process.js';

const quiet = { SENTINEL_LOG__LEVEL: 'warn', SENTINEL_LOG__PRETTY: 'false' };

describe('sentinel CLI', () => {
  it('stops on a bad config with exit code 78 and a message naming the key', async () => {
    const bad = await SentinelProcess.run(['all'], { ...quiet, SENTINEL_SERVER__PORT: '99999' });
    expect(bad.code).toBe(78);
    expect(bad.output).toMatch(/server\.port: .*65535.*\(from env SENTINEL_SERVER__PORT\)/);
    const alone = await SentinelProcess.run(['detection'], quiet);
    expect(alone.code).toBe(78);
    expect(alone.output).toMatch(/transport: "memory" connects apps inside one process only/);
  });

  it('answers an unknown command with the usage and exit code 2', async () => {
    const r = await SentinelProcess.run(['frobnicate'], quiet);
    expect(r.code).toBe(2);
    expect(r.output).toMatch(/unknown command "frobnicate"[\s\S]*usage: sentinel <command>/);
  });

  it('creates a dev key once, prints it, and stops cleanly on SIGTERM', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sentinel-cli-'));
    const env = { ...quiet, SENTINEL_SERVER__PORT: '0', SENTINEL_INGESTION__OTLP__PORT: '0', SENTINEL_AUTH__DEV_KEY_FILE: join(dir, 'dev-api-key'), SENTINEL_STORAGE__DUCKDB__PATH: join(dir, 'db.duckdb') };
    try {
      const first = await SentinelProcess.start('all', env);
      const key = (await readFile(join(dir, 'dev-api-key'), 'utf8')).trim();
      expect(first.log).toContain(`Dev key:  ${key}   (new;`);
      const res = await fetch(`${first.url}/v1/anomalies`, { headers: { authorization: `Bearer ${key}` } });
      expect(res.status).toBe(200);
      expect(await first.stop()).toBe(0);
      const second = await SentinelProcess.start('all', env);
      expect(second.log).toContain(`Dev key:  ${key}   (from `);
      expect(await second.stop()).toBe(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
