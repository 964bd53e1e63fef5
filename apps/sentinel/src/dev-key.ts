import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { ApiKey } from '@sentinel/config';

/**
 * The key `sentinel all` uses when none is configured: made once, kept (mode 0600) so it survives
 * restarts, and reported as new only the first time.
 */
export function ensureDevKey(file: string): { key: ApiKey; created: boolean } {
  let secret: string;
  let created = false;
  try {
    secret = readFileSync(file, 'utf8').trim();
  } catch {
    secret = `sk_dev_${randomBytes(24).toString('base64url')}`;
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, `${secret}\n`, { mode: 0o600 });
    created = true;
  }
  return { key: { id: 'dev', key: secret, scopes: ['ingest', 'read', 'admin'] }, created };
}
