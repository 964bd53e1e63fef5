import { logLevel, type LogEntry, type logCreator } from 'kafkajs';
import type { Logger } from '@sentinel/observability';

/**
 * kafkajs logs every retry, rejoin and reconnect, mostly at ERROR or WARN, though it recovers by itself.
 * Its ERROR lines become pino warnings and the rest debug or trace: what the application must act on
 * (a failed publish, a failing handler, a consumer crash) the bus reports itself.
 */
const PINO_LEVEL = {
  [logLevel.ERROR]: 'warn',
  [logLevel.WARN]: 'debug',
  [logLevel.INFO]: 'debug',
  [logLevel.DEBUG]: 'trace',
} as const;

/** The most verbose kafkajs level the logger would write, so kafkajs does not build lines that are dropped. */
export function kafkaLogLevel(logger: Logger): logLevel {
  if (logger.isLevelEnabled('trace')) return logLevel.DEBUG;
  if (logger.isLevelEnabled('debug')) return logLevel.INFO;
  if (logger.isLevelEnabled('warn')) return logLevel.ERROR;
  return logLevel.NOTHING;
}

export function kafkaLogCreator(logger: Logger): logCreator {
  const log = logger.child({ component: 'kafkajs' });
  return () =>
    ({ namespace, level, log: { message, timestamp: _timestamp, logger: _logger, ...fields } }: LogEntry) => {
      const method = PINO_LEVEL[level as keyof typeof PINO_LEVEL] ?? 'debug';
      log[method]({ ns: namespace, ...fields }, message);
    };
}
