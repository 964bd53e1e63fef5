import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SentinelProcess } from '../process.js';
import { servicesEnv } from './env.js';

const KEY = 'sk_test_api_standalone_0123456789';
let dir: string;
let api: SentinelProcess & { url: string };

/** A loopback port nothing listens on: an InfluxDB that is down. */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as { port: number };
  await new Promise((r) => s.close(r));
  return port;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sentinel-api-'));
  const env = servicesEnv({ namespace: `t${randomUUID().slice(0, 8)}.`, dataDir: dir, key: KEY }, { SENTINEL_STORAGE__BACKEND: 'influxdb3', SENTINEL_STORAGE__INFLUXDB3__URL: `http://127.0.0.1:${await closedPort()}` });
  api = await SentinelProcess.start('api', env);
}, 60_000);
afterAll(async () => {
  await api?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('sentinel api alone, on InfluxDB 3', () => {
  it('starts without a storage process and reports the unreachable store as not ready', async () => {
    const ready = await fetch(`${api.url}/health/ready`);
    expect(ready.status).toBe(503);
    const body = (await ready.json()) as { checks: Array<{ name: string; ok: boolean }> };
    expect(body.checks.find((c) => c.name === 'store')).toMatchObject({ ok: false });
    const res = await fetch(`${api.url}/v1/anomalies`, { headers: { authorization: `Bearer ${KEY}` } });
    expect(res.status).toBe(503);
    expect(res.headers.get('content-type')).toMatch(/problem\+json/);
  });
});
