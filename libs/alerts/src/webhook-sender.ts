import { signWebhook } from './signing.js';
import type { DeliveryAttempt, Delivery, Subscription } from './state/alert-state.js';

/** The secrets that sign now: the current one and any rotated-out one still in its overlap. */
export function signingSecrets(sub: Subscription, nowMs: number): string[] {
  return sub.secrets.filter((s) => s.expiresAt === null || s.expiresAt > nowMs).map((s) => s.secret);
}

/**
 * One signed POST of a delivery to its subscription. The timestamp (and so the signature) is the
 * attempt's, as Standard Webhooks wants; `webhook-id` is the delivery's, the same on every attempt.
 * Redirects are not followed: a 3xx could point a delivery at a private address.
 */
export async function sendWebhook(sub: Subscription, d: Delivery, timeoutMs: number, now: () => number): Promise<DeliveryAttempt> {
  const at = now();
  const timestamp = Math.floor(at / 1000);
  const started = performance.now();
  try {
    const res = await fetch(sub.url, {
      method: 'POST',
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
      headers: {
        'content-type': 'application/json',
        'user-agent': 'sentinel-webhooks/1',
        'webhook-id': d.messageId,
        'webhook-timestamp': String(timestamp),
        'webhook-signature': signWebhook(signingSecrets(sub, at), d.messageId, timestamp, d.body),
      },
      body: d.body,
    });
    await res.body?.cancel();
    const durationMs = Math.round(performance.now() - started);
    return res.ok ? { at, status: res.status, ok: true, durationMs } : { at, status: res.status, ok: false, error: `HTTP ${res.status}`, durationMs };
  } catch (e) {
    const error = e instanceof Error && e.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : describeFetchError(e);
    return { at, status: null, ok: false, error, durationMs: Math.round(performance.now() - started) };
  }
}

/** undici hides the useful part ("ECONNREFUSED") in `cause`. */
function describeFetchError(e: unknown): string {
  const cause = (e as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (e as Error).message;
}
