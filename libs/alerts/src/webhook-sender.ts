import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { signWebhook } from './signing.js';
import type { DeliveryAttempt, Delivery, Subscription } from './state/alert-state.js';

/** Kept-alive connections: a subscriber receiving a burst of alerts is not paid a TCP (and TLS) handshake per alert. */
const agents = { http: new HttpAgent({ keepAlive: true, maxSockets: 64 }), https: new HttpsAgent({ keepAlive: true, maxSockets: 64 }) };

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
  const elapsed = () => Math.round(performance.now() - started);
  const headers = {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(d.body),
    'user-agent': 'sentinel-webhooks/1',
    'webhook-id': d.messageId,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': signWebhook(signingSecrets(sub, at), d.messageId, timestamp, d.body),
  };
  try {
    const status = await post(sub.url, headers, d.body, timeoutMs);
    return status >= 200 && status < 300 ? { at, status, ok: true, durationMs: elapsed() } : { at, status, ok: false, error: `HTTP ${status}`, durationMs: elapsed() };
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    return { at, status: null, ok: false, error: err.code === 'ETIMEDOUT' ? `no answer within ${timeoutMs} ms` : (err.code ?? err.message), durationMs: elapsed() };
  }
}

/** Resolves with the status once the response has been read to its end (so the connection can be reused). */
function post(url: string, headers: Record<string, string | number>, body: string, timeoutMs: number): Promise<number> {
  const target = new URL(url);
  const https = target.protocol === 'https:';
  return new Promise((resolve, reject) => {
    const req = (https ? httpsRequest : httpRequest)(target, { method: 'POST', headers, agent: https ? agents.https : agents.http }, (res: IncomingMessage) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', reject);
    });
    req.setTimeout(timeoutMs, () => req.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })));
    req.on('error', reject);
    req.end(body);
  });
}
