import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ApiKey, Scope } from '@sentinel/config';
import { HttpProblem } from './problem.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The scope a caller's key must hold. Routes without `public: true` default to `admin`. */
    scope?: Scope;
    /** Health probes only: no key needed. */
    public?: boolean;
    /** Any known key, whatever its scopes (GET /v1/whoami). */
    anyScope?: boolean;
  }
  interface FastifyRequest {
    /** The id (never the secret) of the key that authenticated this request. */
    principal?: string;
    /** The scopes of that key. */
    scopes?: readonly Scope[];
  }
}

const digest = (key: string) => createHash('sha256').update(key).digest('hex');

/**
 * Bearer API keys with scopes. Keys are looked up by their SHA-256, so the comparison does not leak
 * timing about the secret and the secrets themselves are not kept in the lookup table.
 */
export function registerApiKeyAuth(app: FastifyInstance, keys: readonly ApiKey[]): void {
  const byDigest = new Map(keys.map((k) => [digest(k.key), { id: k.id, scopes: new Set<Scope>(k.scopes) }]));
  app.decorateRequest('principal', undefined);
  app.decorateRequest('scopes', undefined);
  app.addHook('onRequest', async (request: FastifyRequest) => {
    const config = request.routeOptions.config;
    if (config?.public) return;
    const needed: Scope = config?.scope ?? 'admin';
    const header = request.headers.authorization;
    const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    if (!match) throw new HttpProblem(401, 'missing API key: send Authorization: Bearer <key>', { headers: { 'www-authenticate': 'Bearer' } });
    const found = byDigest.get(digest(match[1]!));
    if (!found) throw new HttpProblem(401, 'unknown API key', { headers: { 'www-authenticate': 'Bearer error="invalid_token"' } });
    if (!config?.anyScope && !found.scopes.has(needed) && !found.scopes.has('admin')) throw new HttpProblem(403, `this API key lacks the "${needed}" scope`);
    request.principal = found.id;
    request.scopes = [...found.scopes];
  });
}
