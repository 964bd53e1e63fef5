import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { sampleAnomaly } from '@sentinel/contracts';
import { registry } from '@sentinel/observability';
import { AlertRouter, AmqpDispatcher, AmqpPublishError, MemoryAlertState, type AlertMessage, type AlertPublisher } from '../src/index.js';

const T0 = 1_700_000_000_000;

async function publishes(): Promise<Record<string, number>> {
  const values = (await registry.getSingleMetric('sentinel_amqp_publishes_total')!.get()).values;
  return Object.fromEntries(values.map((v) => [String(v.labels.result), v.value]));
}

/** Three alerts in the AMQP outbox, drained by a publisher that answers with `outcome`. */
async function dispatchOnce(outcome: (messages: AlertMessage[]) => Promise<void>): Promise<void> {
  const state = new MemoryAlertState();
  const router = new AlertRouter(state, { dedupWindowMs: 0, groupWaitMs: 0, groupIntervalMs: 0, groupBy: ['service', 'anomaly_type'], retryHorizonMs: 60_000, amqpExchange: 'sentinel.alerts' });
  await router.route(['a', 'b', 'c'].map((id) => sampleAnomaly({ alert_id: `10000000-0000-5000-8000-00000000000${id}`, series_key: `s-${id}` })), T0);
  const publisher: AlertPublisher = { publish: outcome };
  await new AmqpDispatcher(state, publisher, { retry: { baseMs: 100, maxDelayMs: 1000 }, batchSize: 10, logger: pino({ level: 'silent' }), now: () => T0 }).dispatchDue();
}

describe('AmqpDispatcher metrics', () => {
  it('counts RabbitMQ publishes as confirmed, nacked (refused by the broker) and failed (no answer)', async () => {
    await dispatchOnce(async () => undefined);
    expect(await publishes()).toEqual({ confirmed: 3 });
    // The broker confirmed one, nacked one, and the channel closed before the third was confirmed.
    await dispatchOnce(async (m) => {
      throw new AmqpPublishError('RabbitMQ did not confirm 2 of 3', [m[1]!.id, m[2]!.id], 1);
    });
    expect(await publishes()).toEqual({ confirmed: 4, nacked: 1, failed: 1 });
    await dispatchOnce(async () => {
      throw new Error('RabbitMQ is unavailable');
    });
    expect(await publishes()).toEqual({ confirmed: 4, nacked: 1, failed: 4 });
  });
});
