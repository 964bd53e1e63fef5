import { StoreQueryError } from './errors.js';

/** Position after the last anomaly of a page, in (timestamp desc, alert_id desc) order. */
export interface AnomalyCursor {
  tsMs: number;
  alertId: string;
}

const ALERT_ID = /^[0-9a-f-]{36}$/;

export function encodeCursor(c: AnomalyCursor): string {
  return Buffer.from(JSON.stringify([c.tsMs, c.alertId])).toString('base64url');
}

export function decodeCursor(s: string): AnomalyCursor {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(s, 'base64url').toString('utf8'));
  } catch {
    parsed = null;
  }
  if (!Array.isArray(parsed) || parsed.length !== 2 || !Number.isSafeInteger(parsed[0]) || typeof parsed[1] !== 'string' || !ALERT_ID.test(parsed[1])) {
    throw new StoreQueryError('cursor', 'cursor is not one this server issued; pass next_cursor from the previous page unchanged');
  }
  return { tsMs: parsed[0] as number, alertId: parsed[1] };
}

/**
 * A page from a query that asked for `limit + 1` rows: the extra row only says that more follow, and
 * the cursor points after the last row kept.
 */
export function keysetPage<R, T>(rows: readonly R[], limit: number, item: (row: R) => T, cursorAfter: (row: R) => string): { items: T[]; nextCursor: string | null } {
  const more = rows.length > limit;
  const page = more ? rows.slice(0, limit) : rows;
  const last = page[page.length - 1];
  return { items: page.map(item), nextCursor: more && last !== undefined ? cursorAfter(last) : null };
}
