import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { HealthReadySchema, createHttpServer, type DependencyCheck } from '../src/index.js';

function server(dependencies: DependencyCheck[]) {
  return createHttpServer({ logger: pino({ level: 'silent' }), keys: [], bodyLimitBytes: 1024 * 1024, dependencies });
}

describe('/health/ready', () => {
  it('is 200 when every dependency answers, with each check and its latency', async () => {
    const app = server([
      { name: 'store', check: async () => undefined },
      { name: 'redis', check: () => new Promise((r) => setTimeout(r, 30)) },
    ]);
    const res = await app.inject({ url: '/health/ready' });
    expect(res.statusCode).toBe(200);
    const body = HealthReadySchema.parse(res.json());
    expect(body.status).toBe('ready');
    expect(body.checks.map((c) => [c.name, c.ok])).toEqual([
      ['store', true],
      ['redis', true],
    ]);
    expect(body.checks[1]!.latency_ms).toBeGreaterThanOrEqual(25);
    await app.close();
  });

  it('is 503 naming the failed check, and a check that hangs times out in 2 s and counts as down', async () => {
    const app = server([
      { name: 'bus', check: async () => undefined },
      { name: 'redis', check: () => new Promise(() => undefined) },
      { name: 'rabbitmq', check: async () => Promise.reject(new Error('RabbitMQ is unavailable')) },
    ]);
    const started = Date.now();
    const res = await app.inject({ url: '/health/ready' });
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(res.statusCode).toBe(503);
    const body = HealthReadySchema.parse(res.json());
    expect(body.status).toBe('not_ready');
    expect(body.checks.map((c) => [c.name, c.ok])).toEqual([
      ['bus', true],
      ['redis', false],
      ['rabbitmq', false],
    ]);
    expect(body.checks[1]!.latency_ms).toBeGreaterThanOrEqual(1_990);
    expect(body.checks[1]!.error).toMatch(/no answer in 2000 ms/);
    expect(body.checks[2]!.error).toBe('RabbitMQ is unavailable');
    expect(body.checks[2]!.latency_ms).toBeLessThan(100);
    await app.close();
  });
});
