import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpServer } from '@sentinel/http';
import { CONSOLE_CSP, consoleRoutes } from '../src/index.js';

describe('the console files (GET /, GET /assets/:file)', () => {
  let dir: string;
  const logged: Array<{ level: number; msg: string }> = [];
  const servers: FastifyInstance[] = [];
  const server = async (consoleDir: string) => {
    const sink = new Writable({ write: (chunk, _enc, done) => (logged.push(JSON.parse(String(chunk)) as { level: number; msg: string }), done()) });
    const app = createHttpServer({ logger: pino({ level: 'info' }, sink), keys: [{ id: 'k', key: 'sk_console_test_0123456789', scopes: ['read'] }], bodyLimitBytes: 1 << 20 });
    await app.register(consoleRoutes, { dir: consoleDir });
    servers.push(app);
    return app;
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sentinel-console-'));
    await mkdir(join(dir, 'assets'));
    await writeFile(join(dir, 'index.html'), '<!doctype html><script type="module" src="/assets/index-abc.js"></script>');
    await writeFile(join(dir, 'assets', 'index-abc.js'), 'export {};');
    await writeFile(join(dir, 'secret.json'), '{}');
  });
  afterAll(async () => {
    for (const s of servers) await s.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('serves the page and its assets without a key, with the CSP and cache headers', async () => {
    const app = await server(dir);
    const page = await app.inject({ url: '/' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['content-security-policy']).toBe(CONSOLE_CSP);
    expect(page.headers['cache-control']).toBe('no-cache');
    expect(page.headers['x-frame-options']).toBe('DENY');
    const js = await app.inject({ url: '/assets/index-abc.js' });
    expect(js.statusCode).toBe(200);
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(js.headers['cache-control']).toContain('immutable');
    expect(js.body).toBe('export {};');
    expect((await app.inject({ method: 'HEAD', url: '/' })).statusCode).toBe(200);
  });

  it('answers 404 for anything else, never a file outside assets/', async () => {
    const app = await server(dir);
    for (const url of ['/assets/nope.js', '/assets/..%2Fsecret.json', '/assets/..%2Findex.html', '/assets/.hidden.js', '/assets/index-abc.exe']) {
      const res = await app.inject({ url });
      expect(res.statusCode, url).toBe(404);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    }
    // Not a console route at all: the core's answer for an unknown route without a key.
    expect((await app.inject({ url: '/secret.json' })).statusCode).toBe(401);
  });

  it('says so when the console is not built, and logs no error for it', async () => {
    const app = await server(join(dir, 'missing'));
    const res = await app.inject({ url: '/' });
    expect(res.statusCode).toBe(404);
    expect(res.json().detail).toMatch(/not built/);
    expect(logged.filter((l) => l.level >= 50)).toEqual([]);
  });
});
