import { readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { z } from 'zod';
import { HttpProblem } from '@sentinel/http';

export interface ConsoleRoutesOptions {
  /** The console's build output (apps/console/dist): index.html and assets/. */
  dir: string;
}

/**
 * The console's Content-Security-Policy: its own scripts, styles and API only; no inline script or style, no
 * eval, no frames, no plugins. `data:` images for the empty favicon.
 */
export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const SECURITY_HEADERS = {
  'content-security-policy': CONSOLE_CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
};

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.map': 'application/json; charset=utf-8',
};

/** Vite's output names: letters, digits, `-`, `_` and dots, never a leading dot, so never a path out of assets/. */
const ASSET_NAME = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,200}$/;
const AssetParams = z.object({ file: z.string().describe('A file of the console build, e.g. index-3f2a1b.js') });

const tags = ['console'];
const DOCS = {
  index: { summary: 'The web console', description: 'Static and public; the console asks for an API key and keeps it in sessionStorage.', tags, responses: { 200: { description: 'The console page', content: { 'text/html': { type: 'string' } } } }, problems: [404] },
  asset: { summary: 'A script, style or image of the web console', tags, params: AssetParams, responses: { 200: { description: 'The file, cached for a year (its name changes with its content)', content: Object.fromEntries(Object.values(TYPES).map((t) => [t.split(';')[0]!, { type: 'string' }])) } }, problems: [404] },
};

/**
 * The web console at `/` (its built assets under /assets/), public like the health probes: the page holds no
 * data, and every /v1 call it makes carries the key the user signs in with. Served with a strict CSP.
 */
export const consoleRoutes: FastifyPluginAsync<ConsoleRoutesOptions> = async (app, { dir }) => {
  /** The file's bytes, or null when it does not exist. */
  const read = async (file: string): Promise<Buffer | null> => {
    try {
      return await readFile(file);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'EISDIR') return null;
      throw e;
    }
  };
  const send = (reply: FastifyReply, body: Buffer, type: string, cache: string) => reply.headers(SECURITY_HEADERS).header('cache-control', cache).type(type).send(body);

  app.get('/', { config: { public: true, openapi: DOCS.index } }, async (_request, reply) => {
    const body = await read(join(dir, 'index.html'));
    if (!body) throw new HttpProblem(404, 'the web console is not built: `make run` builds it (or `npm run build -w @sentinel/console`)');
    return send(reply, body, 'text/html; charset=utf-8', 'no-cache');
  });

  app.get<{ Params: { file: string } }>('/assets/:file', { config: { public: true, openapi: DOCS.asset } }, async (request, reply) => {
    const { file } = request.params;
    const type = TYPES[extname(file)];
    const body = type && ASSET_NAME.test(file) ? await read(join(dir, 'assets', file)) : null;
    if (!type || !body) throw new HttpProblem(404, `no console asset ${file}`);
    return send(reply, body, type, 'public, max-age=31536000, immutable');
  });
};
