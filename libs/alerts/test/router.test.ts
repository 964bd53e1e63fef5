import { beforeEach, describe, expect, it } from 'vitest';
import { sampleAnomaly, type AnomalyEvent } from '@sentinel/contracts';
import { AlertRouter, MemoryAlertState, generateWebhookSecret, type AlertRouterOptions, type Matcher, type Silence, type Subscription } from '../src/index.js';

const T0 = 1_700_000_000_000;
let state: MemoryAlertState;
beforeEach(async () => {
  state = new MemoryAlertState();
  const sub: Subscription = { id: 'ops', name: 'ops', url: 'http://127.0.0.1:9/hook', secrets: [{ secret: generateWebhookSecret(), expiresAt: null }], minSeverity: 'low', services: [], models: [], anomalyTypes: [], enabled: true, managedBy: 'api', createdAt: T0, updatedAt: T0 };
  await state.subscriptions.put(sub);
});

const base: AlertRouterOptions = { dedupWindowMs: 0, groupWaitMs: 0, groupIntervalMs: 0, groupBy: ['service', 'anomaly_type'], retryHorizonMs: 60_000, amqpExchange: 'sentinel.alerts' };
const anomaly = (id: string, o: Partial<AnomalyEvent> = {}) => sampleAnomaly({ alert_id: id, series_key: `checkout|gpt-4o|latency_ms`, ...o });

async function bodies(channel: 'webhook' | 'amqp') {
  const all = await state.deliveries.list({ limit: 1000 });
  return all.filter((d) => d.channel === channel).map((d) => JSON.parse(d.body) as Record<string, unknown>);
}

function silence(matchers: Array<Partial<Matcher> & Pick<Matcher, 'name' | 'value'>>, startsAt: number, endsAt: number): Silence {
  return { id: `sil_${startsAt}`, matchers: matchers.map((m) => ({ isRegex: false, isEqual: true, ...m })), startsAt, endsAt, createdBy: 'test', comment: '', createdAt: startsAt, updatedAt: startsAt };
}

describe('AlertRouter: silences', () => {
  it('mutes exactly the anomalies every matcher of an active silence matches', async () => {
    await state.silences.put(silence([{ name: 'service', value: 'checkout' }, { name: 'model', value: 'gpt-4.*', isRegex: true }, { name: 'severity', value: 'critical', isEqual: false }], T0, T0 + 60_000));
    const r = await new AlertRouter(state, base).route(
      [
        anomaly('muted', { service_name: 'checkout', model: 'gpt-4o', severity: 'high' }),
        anomaly('critical', { service_name: 'checkout', model: 'gpt-4o', severity: 'critical' }),
        anomaly('other-model', { service_name: 'checkout', model: 'claude-3', severity: 'high' }),
        anomaly('regex-anchored', { service_name: 'checkout', model: 'my-gpt-4o', severity: 'high' }),
        anomaly('other-service', { service_name: 'search', model: 'gpt-4o', severity: 'high' }),
      ],
      T0 + 1000,
    );
    expect(r).toEqual({ silenced: 1, deduplicated: 0, sent: 4 });
    expect((await bodies('webhook')).map((b) => (b.data as AnomalyEvent).alert_id).sort()).toEqual(['critical', 'other-model', 'other-service', 'regex-anchored']);
    expect((await bodies('amqp')).map((b) => b.alert_id).sort()).toEqual(['critical', 'other-model', 'other-service', 'regex-anchored']);
  });

  it('does not mute before the silence starts or from the moment it ends', async () => {
    await state.silences.put(silence([{ name: 'service', value: 'checkout' }], T0 + 1000, T0 + 2000));
    const router = new AlertRouter(state, base);
    expect((await router.route([anomaly('before')], T0 + 999)).silenced).toBe(0);
    expect((await router.route([anomaly('during')], T0 + 1000)).silenced).toBe(1);
    expect((await router.route([anomaly('after')], T0 + 2000)).silenced).toBe(0);
  });
});

describe('AlertRouter: dedup', () => {
  it('folds the same series and type within the window into one alert with a count, and lets escalations through', async () => {
    const router = new AlertRouter(state, { ...base, dedupWindowMs: 60_000 });
    await router.route([anomaly('a', { severity: 'low' }), anomaly('b', { severity: 'low' }), anomaly('c', { severity: 'critical' }), anomaly('d', { severity: 'high' })], T0);
    await router.route([anomaly('e', { severity: 'low' })], T0 + 60_000);
    const sent = (await bodies('webhook')).map((b) => b.data as AnomalyEvent & { occurrences: number });
    expect(sent.map((a) => [a.alert_id, a.occurrences]).sort()).toEqual([
      ['a', 1],
      ['c', 3],
      ['e', 1],
    ]);
  });

  it('gives a replayed batch the same outcome and writes nothing new', async () => {
    const router = new AlertRouter(state, { ...base, dedupWindowMs: 60_000 });
    const batch = [anomaly('a'), anomaly('b'), anomaly('c', { severity: 'critical' })];
    const first = await router.route(batch, T0);
    const before = await state.deliveries.list({ limit: 1000 });
    expect(await router.route(batch, T0 + 5)).toEqual(first);
    expect(await state.deliveries.list({ limit: 1000 })).toEqual(before);
  });
});

describe('AlertRouter: groups', () => {
  const grouped = { ...base, groupWaitMs: 10_000, groupIntervalMs: 60_000 };

  it('waits group_wait to batch related alerts, then sends later ones every group_interval', async () => {
    const router = new AlertRouter(state, grouped);
    await router.route([anomaly('a', { series_key: 's1' }), anomaly('b', { series_key: 's2' }), anomaly('x', { series_key: 's3', service_name: 'search' })], T0);
    expect(await router.flushGroups(T0 + 9_999)).toBe(0);
    expect(await router.flushGroups(T0 + 10_000)).toBe(2);
    const groups = await bodies('webhook');
    expect(groups.map((g) => g.type)).toEqual(['anomaly.group', 'anomaly.group']);
    const checkout = groups.find((g) => (g.data as { labels: { service: string } }).labels.service === 'checkout')!;
    expect((checkout.data as { alerts: AnomalyEvent[] }).alerts.map((a) => a.alert_id)).toEqual(['a', 'b']);

    await router.route([anomaly('c', { series_key: 's4' })], T0 + 20_000);
    expect(await router.flushGroups(T0 + 69_999)).toBe(0);
    expect(await router.flushGroups(T0 + 70_000)).toBe(1);
    // Every alert went out once; RabbitMQ got each at once, ungrouped.
    expect((await bodies('webhook')).flatMap((g) => (g.data as { alerts: AnomalyEvent[] }).alerts.map((a) => a.alert_id)).sort()).toEqual(['a', 'b', 'c', 'x']);
    expect((await bodies('amqp')).map((b) => b.alert_id).sort()).toEqual(['a', 'b', 'c', 'x']);
  });

  it('a group quiet for longer than group_interval starts over with group_wait', async () => {
    const router = new AlertRouter(state, grouped);
    await router.route([anomaly('a')], T0);
    await router.flushGroups(T0 + 10_000);
    await router.route([anomaly('b', { series_key: 's2' })], T0 + 200_000);
    expect(await router.flushGroups(T0 + 209_999)).toBe(0);
    expect(await router.flushGroups(T0 + 210_000)).toBe(1);
  });
});
