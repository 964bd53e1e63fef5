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
