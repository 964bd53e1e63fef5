import { StoreQueryError } from './errors.js';

/** Position after the last series of a page, in series_key order. */
export function encodeSeriesCursor(seriesKey: string): string {
  return Buffer.from(JSON.stringify(['series', seriesKey])).toString('base64url');
}

export function decodeSeriesCursor(s: string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(s, 'base64url').toString('utf8'));
  } catch {
    parsed = null;
  }
  if (!Array.isArray(parsed) || parsed.length !== 2 || parsed[0] !== 'series' || typeof parsed[1] !== 'string' || parsed[1].length === 0 || parsed[1].length > 1024) {
    throw new StoreQueryError('cursor', 'cursor is not one this server issued; pass next_cursor from the previous page unchanged');
  }
  return parsed[1];
}
