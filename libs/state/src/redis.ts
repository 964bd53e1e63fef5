import { Redis } from 'ioredis';
import type { Logger } from 'pino';

export interface RedisOptions {
  url: string;
  logger: Logger;
}

/**
 * One Redis connection per process. It reconnects by itself with a capped back-off; commands issued
 * while it is down wait in ioredis's offline queue, so a Redis restart delays work instead of failing it.
 */
export async function connectRedis(options: RedisOptions): Promise<Redis> {
  const redis = new Redis(options.url, {
    lazyConnect: true,
    maxRetriesPerRequest: null,
    retryStrategy: (attempt) => Math.min(100 * 2 ** attempt, 5_000),
  });
  let lastError = '';
  redis.on('error', (e: Error) => {
    // One line per distinct failure, not one per reconnect attempt.
    if (e.message !== lastError) options.logger.warn({ reason: e.message }, 'redis connection error');
    lastError = e.message;
  });
  redis.on('ready', () => (lastError = ''));
  await redis.connect();
  return redis;
}

/** How long `pingRedis` waits for PONG: under the 2 s of a readiness check, so its own reason is the one reported. */
const PING_TIMEOUT_MS = 1_500;

/**
 * For /health/ready: rejects at once while the connection is not ready (a command would wait in the
 * offline queue until Redis is back), and when PING takes longer than `timeoutMs`.
 */
export async function pingRedis(redis: Redis, timeoutMs = PING_TIMEOUT_MS): Promise<void> {
  if (redis.status !== 'ready') throw new Error(`redis is not connected (${redis.status})`);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`redis did not answer PING within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await Promise.race([redis.ping(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
