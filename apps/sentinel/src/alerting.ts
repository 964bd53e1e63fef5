import { dirname, join } from 'node:path';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { AmqpAlertPublisher, MemoryAlertState, type AlertState } from '@sentinel/alerts';
import type { Bus } from '@sentinel/bus';
import type { SentinelConfig } from '@sentinel/config';
import type { DependencyCheck } from '@sentinel/http';
import { RedisAlertState } from '@sentinel/state';
import { AlertingService } from '@sentinel/app-alerting';

export interface AlertingParts {
  service: AlertingService;
  state: AlertState;
  dependencies: DependencyCheck[];
  /** Closes what `openAlerting` opened, after the service has stopped. */
  close(): Promise<void>;
}

/**
 * The alerting app's parts: its state in Redis when there is one (services mode: every alerting
 * process shares subscriptions, silences and the outbox), else in a file; RabbitMQ when configured.
 */
export async function openAlerting(config: SentinelConfig, bus: Bus, redis: Redis | null, logger: Logger): Promise<AlertingParts> {
  const log = logger.child({ app: 'alerting' });
  const state: AlertState = redis ? new RedisAlertState(redis, `${config.bus.namespace}sentinel:`) : await MemoryAlertState.open({ path: config.alerting.statePath || join(dirname(config.storage.duckdb.path), 'alerting-state.json') });
  const dependencies: DependencyCheck[] = [{ name: 'alert-state', check: () => state.check() }];
  const { url, exchange } = config.alerting.rabbitmq;
  const amqp = url ? new AmqpAlertPublisher({ url, exchange, logger: log }) : null;
  if (amqp) {
    // Alerts wait in the outbox while RabbitMQ is away, so its absence at start-up is not fatal.
    await amqp.start().catch(() => undefined);
    dependencies.push({ name: 'rabbitmq', check: () => amqp.check() });
  }
  const service = new AlertingService({ bus, state, config: config.alerting, logger: log, publisher: amqp });
  return {
    service,
    state,
    dependencies,
    close: async () => {
      await amqp?.close();
      await state.close();
    },
  };
}
