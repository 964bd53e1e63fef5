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
