import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AlertState, AuditEntry, AuditQuery, Delivery, DeliveryStatus, GroupedAlert, Silence, Subscription } from '../src/state/alert-state.js';

/**
 * What every AlertState must do, as its doc comments say. Each test gets a fresh, empty state from
 * `make`. Times are passed explicitly (nothing sleeps); windows and intervals are a minute or more,
 * so an implementation whose keys also expire on a real clock keeps them for the whole test.
 */
export function alertStateContract(name: string, make: () => Promise<{ state: AlertState; cleanup(): Promise<void> }>): void {
  const T = 1_000_000;
  let state: AlertState;
  let cleanup: (() => Promise<void>) | undefined;

  describe(`${name} (AlertState contract)`, () => {
    beforeEach(async () => {
      const made = await make();
      state = made.state;
      cleanup = () => made.cleanup();
    });
    afterEach(async () => {
      await cleanup?.();
      cleanup = undefined;
    });

    describe('subscriptions and silences', () => {
      it('puts, gets, replaces, lists and deletes subscriptions', async () => {
        expect(await state.subscriptions.list()).toEqual([]);
        expect(await state.subscriptions.get('sub-a')).toBeNull();
        const a = subscription('sub-a');
        const b = subscription('sub-b', { managedBy: 'config', services: ['chat'], secrets: [{ secret: 'old', expiresAt: T + 5 }, { secret: 'new', expiresAt: null }] });
        await state.subscriptions.put(b);
        await state.subscriptions.put(a);
        expect(await state.subscriptions.get('sub-b')).toEqual(b);
        expect(byId(await state.subscriptions.list())).toEqual([a, b]);

        const renamed = { ...a, name: 'renamed', enabled: false, updatedAt: T + 10 };
        await state.subscriptions.put(renamed);
        expect(await state.subscriptions.get('sub-a')).toEqual(renamed);
        expect(await state.subscriptions.list()).toHaveLength(2);

        expect(await state.subscriptions.delete('sub-a')).toBe(true);
        expect(await state.subscriptions.delete('sub-a')).toBe(false);
        expect(await state.subscriptions.delete('never')).toBe(false);
        expect(await state.subscriptions.get('sub-a')).toBeNull();
        expect(await state.subscriptions.list()).toEqual([b]);
      });

      it('hands out copies: changing a returned value changes nothing stored', async () => {
        const a = subscription('sub-a');
        await state.subscriptions.put(a);
        a.name = 'changed after put';
        const got = (await state.subscriptions.get('sub-a'))!;
        expect(got.name).toBe('sub-a');
        got.services.push('mutated');
        (await state.subscriptions.list())[0]!.models.push('mutated');
        expect(await state.subscriptions.get('sub-a')).toEqual(subscription('sub-a'));
      });

      it('keeps silences in their own collection, with the same operations', async () => {
        const s = silence('same-id');
        await state.subscriptions.put(subscription('same-id'));
        await state.silences.put(s);
        await state.silences.put(silence('other'));
        expect(await state.silences.get('same-id')).toEqual(s);
        expect(byId(await state.silences.list()).map((x) => x.id)).toEqual(['other', 'same-id']);

        const expired = { ...s, endsAt: T + 1, updatedAt: T + 1 };
        await state.silences.put(expired);
        expect(await state.silences.get('same-id')).toEqual(expired);

        expect(await state.silences.delete('same-id')).toBe(true);
        expect(await state.silences.get('same-id')).toBeNull();
        expect((await state.subscriptions.get('same-id'))?.id).toBe('same-id');
        expect(await state.silences.delete('same-id')).toBe(false);
        expect((await state.silences.list()).map((x) => x.id)).toEqual(['other']);
      });
    });

    describe('dedup', () => {
      const W = 60_000;

      it('sends everything, each with a count of 1, when the window is 0', async () => {
        expect(await state.dedup.decide('k', 'a1', 1, T, 0)).toEqual({ send: true, count: 1 });
        expect(await state.dedup.decide('k', 'a2', 1, T + 1, 0)).toEqual({ send: true, count: 1 });
        expect(await state.dedup.decide('k', 'a2', 0, T + 2, 0)).toEqual({ send: true, count: 1 });
      });

      it('sends the first alert of a window and counts the rest without sending them', async () => {
        expect(await state.dedup.decide('k', 'a1', 1, T, W)).toEqual({ send: true, count: 1 });
        expect(await state.dedup.decide('k', 'a2', 1, T + 1_000, W)).toEqual({ send: false, count: 2 });
        expect(await state.dedup.decide('k', 'a3', 0, T + 2_000, W)).toEqual({ send: false, count: 3 });
        expect(await state.dedup.decide('k', 'a4', 1, T + W - 1, W)).toEqual({ send: false, count: 4 });
      });

      it('sends a severity above any sent in the window at once, and counts it', async () => {
        expect(await state.dedup.decide('k', 'a1', 1, T, W)).toEqual({ send: true, count: 1 });
        expect(await state.dedup.decide('k', 'a2', 2, T + 1, W)).toEqual({ send: true, count: 2 });
        expect(await state.dedup.decide('k', 'a3', 2, T + 2, W)).toEqual({ send: false, count: 3 });
        expect(await state.dedup.decide('k', 'a4', 1, T + 3, W)).toEqual({ send: false, count: 4 });
        expect(await state.dedup.decide('k', 'a5', 3, T + 4, W)).toEqual({ send: true, count: 5 });
        expect(await state.dedup.decide('k', 'a6', 3, T + 5, W)).toEqual({ send: false, count: 6 });
      });

      it('gives the same alert id the decision it got the first time, without counting it again', async () => {
        expect(await state.dedup.decide('k', 'a1', 1, T, W)).toEqual({ send: true, count: 1 });
        expect(await state.dedup.decide('k', 'a2', 1, T + 1, W)).toEqual({ send: false, count: 2 });
        expect(await state.dedup.decide('k', 'a3', 3, T + 2, W)).toEqual({ send: true, count: 3 });
        // Replays, later and with any severity: the first answer each time.
        expect(await state.dedup.decide('k', 'a1', 1, T + 10, W)).toEqual({ send: true, count: 1 });
        expect(await state.dedup.decide('k', 'a2', 1, T + 11, W)).toEqual({ send: false, count: 2 });
        expect(await state.dedup.decide('k', 'a3', 3, T + 12, W)).toEqual({ send: true, count: 3 });
        expect(await state.dedup.decide('k', 'a2', 3, T + 13, W)).toEqual({ send: false, count: 2 });
        expect(await state.dedup.decide('k', 'a4', 1, T + 14, W)).toEqual({ send: false, count: 4 });
      });

      it('uses fixed windows anchored at their first alert, ending windowMs later', async () => {
        expect(await state.dedup.decide('k', 'a1', 1, T, W)).toEqual({ send: true, count: 1 });
        expect(await state.dedup.decide('k', 'a2', 1, T + 40_000, W)).toEqual({ send: false, count: 2 });
        expect(await state.dedup.decide('k', 'a3', 1, T + W - 1, W)).toEqual({ send: false, count: 3 });
        // The window does not slide with the stream: a new one starts at T + W.
        expect(await state.dedup.decide('k', 'a4', 1, T + W, W)).toEqual({ send: true, count: 1 });
        expect(await state.dedup.decide('k', 'a5', 0, T + W + 1, W)).toEqual({ send: false, count: 2 });
        // The new window's severity is its own: the old window's highest does not carry over.
        expect(await state.dedup.decide('k', 'a6', 1, T + 2 * W + 5, W)).toEqual({ send: true, count: 1 });
        expect(await state.dedup.decide('k', 'a7', 2, T + 2 * W + 6, W)).toEqual({ send: true, count: 2 });
      });

      it('forgets the decisions of a window once it is over', async () => {
        expect(await state.dedup.decide('k', 'a1', 1, T, W)).toEqual({ send: true, count: 1 });
        expect(await state.dedup.decide('k', 'a2', 1, T + 1, W)).toEqual({ send: false, count: 2 });
        expect(await state.dedup.decide('k', 'a2', 1, T + W + 10, W)).toEqual({ send: true, count: 1 });
        expect(await state.dedup.decide('k', 'a1', 1, T + W + 11, W)).toEqual({ send: false, count: 2 });
      });

      it('keeps a window per key', async () => {
        expect(await state.dedup.decide('svc|m1|latency', 'a1', 1, T, W)).toEqual({ send: true, count: 1 });
        expect(await state.dedup.decide('svc|m2|latency', 'a2', 1, T + 1, W)).toEqual({ send: true, count: 1 });
        expect(await state.dedup.decide('svc|m1|latency', 'a3', 1, T + 2, W)).toEqual({ send: false, count: 2 });
        expect(await state.dedup.decide('svc|m2|latency', 'a4', 1, T + 3, W)).toEqual({ send: false, count: 2 });
      });
    });

    describe('groups', () => {
      const WAIT = 30_000;
      const INTERVAL = 300_000;
      const add = (key: string, a: GroupedAlert, now: number) => state.groups.add(key, a, now, WAIT, INTERVAL);
      const dueKeys = async (now: number, limit = 100) => (await state.groups.due(now, limit)).map((g) => g.key);

      it('holds a new group for the wait, then returns its alerts in insertion order until acked', async () => {
        await add('g', alert('a1'), T);
        await add('g', alert('a2'), T + 10_000);
        await add('g', alert('a0'), T + 20_000);
        expect(await state.groups.due(T + WAIT - 1, 10)).toEqual([]);
        const due = await state.groups.due(T + WAIT, 10);
        expect(due).toEqual([{ key: 'g', alerts: [alert('a1'), alert('a2'), alert('a0')] }]);
        // Not removed by `due`: a crash before the hand-off loses nothing.
        expect(await state.groups.due(T + WAIT + 5_000, 10)).toEqual(due);
      });

      it('holds an alert id once', async () => {
        await add('g', alert('a1'), T);
        await add('g', alert('a1', 'replayed'), T + 1);
        await add('g', alert('a2'), T + 2);
        expect(await state.groups.due(T + WAIT, 10)).toEqual([{ key: 'g', alerts: [alert('a1'), alert('a2')] }]);
      });

      it('acks exactly the flushed alert ids: one added between due and ack stays, for the interval', async () => {
        await add('g', alert('a1'), T);
        await add('g', alert('a2'), T + 1);
        const [due] = await state.groups.due(T + WAIT, 10);
        await add('g', alert('a3'), T + WAIT + 1);
        const flushedAt = T + WAIT + 2;
        await state.groups.ack('g', due!.alerts.map((a) => a.alertId), flushedAt, INTERVAL);
        expect(await state.groups.due(flushedAt + INTERVAL - 1, 10)).toEqual([]);
        expect(await state.groups.due(flushedAt + INTERVAL, 10)).toEqual([{ key: 'g', alerts: [alert('a3')] }]);
      });

      it('ignores acked ids the group does not hold, and an ack of an unknown group', async () => {
        await add('g', alert('a1'), T);
        await add('g', alert('a2'), T + 1);
        await state.groups.ack('g', ['a2', 'not-in-group'], T + WAIT, INTERVAL);
        await state.groups.ack('unknown', ['a1'], T + WAIT, INTERVAL);
        expect(await state.groups.due(T + WAIT + INTERVAL, 10)).toEqual([{ key: 'g', alerts: [alert('a1')] }]);
        // The unknown group's ack left nothing behind: its first alert waits the wait.
        await add('unknown', alert('u1'), T + WAIT + 10);
        expect(await dueKeys(T + WAIT + 10 + WAIT - 1)).not.toContain('unknown');
        expect(await dueKeys(T + WAIT + 10 + WAIT)).toContain('unknown');
      });

      it('sends the next alert of a flushed group intervalMs after the flush, not after the wait', async () => {
        await add('g', alert('a1'), T);
        const flushedAt = T + WAIT;
        await state.groups.ack('g', ['a1'], flushedAt, INTERVAL);
        expect(await state.groups.due(flushedAt + INTERVAL + 1, 10)).toEqual([]);

        await add('g', alert('a2'), flushedAt + 100_000);
        expect(await state.groups.due(flushedAt + 100_000 + WAIT, 10)).toEqual([]);
        expect(await state.groups.due(flushedAt + INTERVAL - 1, 10)).toEqual([]);
        expect(await state.groups.due(flushedAt + INTERVAL, 10)).toEqual([{ key: 'g', alerts: [alert('a2')] }]);

        // And again after the second flush.
        const second = flushedAt + INTERVAL + 7;
        await state.groups.ack('g', ['a2'], second, INTERVAL);
        await add('g', alert('a3'), second + 1);
        expect(await state.groups.due(second + INTERVAL - 1, 10)).toEqual([]);
        expect(await state.groups.due(second + INTERVAL, 10)).toEqual([{ key: 'g', alerts: [alert('a3')] }]);
      });

      it('forgets a group left empty for longer than the interval: its next alert waits the wait again', async () => {
        await add('g', alert('a1'), T);
        const flushedAt = T + WAIT;
        await state.groups.ack('g', ['a1'], flushedAt, INTERVAL);
        const later = flushedAt + INTERVAL + 1;
        await add('g', alert('a2'), later);
        expect(await state.groups.due(later + WAIT - 1, 10)).toEqual([]);
        expect(await state.groups.due(later + WAIT, 10)).toEqual([{ key: 'g', alerts: [alert('a2')] }]);
      });

      it('returns due groups earliest flush first, up to the limit, and keeps groups apart', async () => {
        await add('late', alert('l1'), T + 2_000);
        await add('early', alert('e1'), T);
        await add('middle', alert('m1'), T + 1_000);
        await add('not-yet', alert('n1'), T + 50_000);
        await add('early', alert('e2'), T + 3_000);
        expect(await dueKeys(T + WAIT + 2_000)).toEqual(['early', 'middle', 'late']);
        expect(await dueKeys(T + WAIT + 2_000, 2)).toEqual(['early', 'middle']);
        expect(await dueKeys(T + WAIT + 1_000)).toEqual(['early', 'middle']);
        const groups = await state.groups.due(T + WAIT + 2_000, 1);
        expect(groups).toEqual([{ key: 'early', alerts: [alert('e1'), alert('e2')] }]);
        await state.groups.ack('early', ['e1', 'e2'], T + WAIT + 2_000, INTERVAL);
        expect(await dueKeys(T + WAIT + 2_000)).toEqual(['middle', 'late']);
        expect(await state.groups.due(T + WAIT + 2_000, 0)).toEqual([]);
      });
    });

    describe('deliveries', () => {
      it('gets what was enqueued, and null for an unknown id', async () => {
        const d = delivery('webhook:sub-a:m1', { createdAt: T });
        const amqp = delivery('amqp:alerts:m1', { channel: 'amqp', target: 'alerts', routingKey: 'anomaly.high', createdAt: T });
        await state.deliveries.enqueue([d, amqp]);
        expect(await state.deliveries.get(d.id)).toEqual(d);
        expect(await state.deliveries.get(amqp.id)).toEqual(amqp);
        expect(await state.deliveries.get('webhook:sub-a:nope')).toBeNull();
        await state.deliveries.enqueue([]);
      });

      it('enqueues idempotently: an existing id is left alone, whatever its status', async () => {
        const d = delivery('webhook:sub-a:m1');
        await state.deliveries.enqueue([d, { ...d, body: 'second in the same batch' }]);
        await state.deliveries.enqueue([{ ...d, body: 'replayed' }]);
        expect(await state.deliveries.get(d.id)).toEqual(d);

        const [claimed] = await state.deliveries.claim('webhook', T, 10, 30_000);
        const delivered = attempted(claimed!, 'delivered', T + 100);
        await state.deliveries.update(delivered);
        await state.deliveries.enqueue([{ ...d, body: 'replayed after delivery' }]);
        expect(await state.deliveries.get(d.id)).toEqual(delivered);
        expect(await state.deliveries.claim('webhook', T + 10_000_000, 10, 30_000)).toEqual([]);
        expect(await state.deliveries.list({ limit: 10 })).toEqual([delivered]);
      });

      it('claims pending deliveries of the channel due by now, oldest due first, up to the limit', async () => {
        await state.deliveries.enqueue([
          delivery('webhook:s:late', { nextAttemptAt: T + 300 }),
          delivery('webhook:s:first', { nextAttemptAt: T + 100 }),
          delivery('webhook:s:future', { nextAttemptAt: T + 5_000 }),
          delivery('amqp:x:due', { channel: 'amqp', target: 'x', nextAttemptAt: T }),
          delivery('webhook:s:second', { nextAttemptAt: T + 200 }),
          delivery('webhook:s:done', { status: 'delivered', nextAttemptAt: null }),
        ]);
        const ids = (ds: Delivery[]) => ds.map((d) => d.id);
        expect(await state.deliveries.claim('webhook', T + 99, 10, 1_000)).toEqual([]);
        expect(ids(await state.deliveries.claim('webhook', T + 1_000, 2, 60_000))).toEqual(['webhook:s:first', 'webhook:s:second']);
        expect(ids(await state.deliveries.claim('webhook', T + 1_000, 10, 60_000))).toEqual(['webhook:s:late']);
        expect(await state.deliveries.claim('webhook', T + 1_000, 10, 60_000)).toEqual([]);
        expect(ids(await state.deliveries.claim('amqp', T + 1_000, 10, 60_000))).toEqual(['amqp:x:due']);
        expect(await state.deliveries.claim('webhook', T + 1_000, 0, 60_000)).toEqual([]);
      });

      it('leases a claimed delivery until now + leaseMs: not claimed again before, claimed again after', async () => {
        const d = delivery('webhook:s:m1', { nextAttemptAt: T });
        await state.deliveries.enqueue([d]);
        const [claimed] = await state.deliveries.claim('webhook', T + 10, 10, 30_000);
        expect(claimed).toEqual({ ...d, nextAttemptAt: T + 30_010 });
        expect((await state.deliveries.get(d.id))?.nextAttemptAt).toBe(T + 30_010);
        expect(await state.deliveries.claim('webhook', T + 30_009, 10, 30_000)).toEqual([]);
        // The dispatcher crashed: once the lease ends another one takes it.
        const [again] = await state.deliveries.claim('webhook', T + 30_010, 10, 30_000);
        expect(again?.id).toBe(d.id);
        expect(again?.nextAttemptAt).toBe(T + 60_010);
        expect(await state.deliveries.claim('webhook', T + 60_009, 10, 30_000)).toEqual([]);
      });

      it('stores each attempt: pending is retried at its next attempt, delivered and dead are never claimed again', async () => {
        await state.deliveries.enqueue([delivery('webhook:s:retry'), delivery('webhook:s:ok'), delivery('webhook:s:dead')]);
        const claimed = await state.deliveries.claim('webhook', T, 10, 30_000);
        expect(claimed).toHaveLength(3);
        const byId = new Map(claimed.map((d) => [d.id, d]));

        const retry = attempted(byId.get('webhook:s:retry')!, 'pending', T + 50, { nextAttemptAt: T + 5_000, status: 503, ok: false });
        const ok = attempted(byId.get('webhook:s:ok')!, 'delivered', T + 60);
        const dead = attempted(byId.get('webhook:s:dead')!, 'dead', T + 70, { status: 410, ok: false, error: 'gone' });
        await state.deliveries.update(retry);
        await state.deliveries.update(ok);
        await state.deliveries.update(dead);
        expect(await state.deliveries.get(retry.id)).toEqual(retry);
        expect(await state.deliveries.get(ok.id)).toEqual(ok);
        expect(await state.deliveries.get(dead.id)).toEqual(dead);

        // The retry's next attempt replaces the lease, even though it is earlier than the lease's end.
        expect(await state.deliveries.claim('webhook', T + 4_999, 10, 30_000)).toEqual([]);
        const [second] = await state.deliveries.claim('webhook', T + 5_000, 10, 30_000);
        expect(second).toEqual({ ...retry, nextAttemptAt: T + 35_000 });
        expect(await state.deliveries.claim('webhook', T + 100_000_000, 10, 30_000)).toEqual([{ ...retry, nextAttemptAt: T + 100_030_000 }]);
      });

      it('puts a dead delivery retried by hand back in the queue', async () => {
        await state.deliveries.enqueue([delivery('webhook:s:m1')]);
        const [claimed] = await state.deliveries.claim('webhook', T, 10, 30_000);
        const dead = attempted(claimed!, 'dead', T + 10, { ok: false, status: 500 });
        await state.deliveries.update(dead);
        expect((await state.deliveries.list({ status: 'dead', limit: 10 })).map((d) => d.id)).toEqual(['webhook:s:m1']);
        expect(await state.deliveries.claim('webhook', T + 1_000_000, 10, 30_000)).toEqual([]);

        const retried: Delivery = { ...dead, status: 'pending', nextAttemptAt: T + 20, deadlineAt: T + 20 + 86_400_000 };
        await state.deliveries.update(retried);
        expect(await state.deliveries.list({ status: 'dead', limit: 10 })).toEqual([]);
        expect(await state.deliveries.list({ status: 'pending', limit: 10 })).toEqual([retried]);
        expect(await state.deliveries.claim('webhook', T + 20, 10, 30_000)).toEqual([{ ...retried, nextAttemptAt: T + 30_020 }]);
      });

      it('stores a delivery first seen in an update', async () => {
        const d = attempted(delivery('webhook:s:m1'), 'delivered', T + 5);
        await state.deliveries.update(d);
        expect(await state.deliveries.get(d.id)).toEqual(d);
        expect(await state.deliveries.list({ limit: 10 })).toEqual([d]);
      });

      it('lists the most recent first, filtered by target and status, up to the limit', async () => {
        const all = [
          delivery('webhook:a:1', { target: 'a', createdAt: T + 1 }),
          delivery('webhook:b:2', { target: 'b', createdAt: T + 2 }),
          delivery('webhook:a:3', { target: 'a', createdAt: T + 3 }),
          delivery('amqp:x:4', { channel: 'amqp', target: 'x', createdAt: T + 4 }),
          delivery('webhook:a:5', { target: 'a', createdAt: T + 5 }),
        ];
        await state.deliveries.enqueue([all[2]!, all[0]!, all[4]!]);
        await state.deliveries.enqueue([all[1]!, all[3]!]);
        const claimed = new Map((await state.deliveries.claim('webhook', T + 10, 10, 1_000)).map((d) => [d.id, d]));
        await state.deliveries.update(attempted(claimed.get('webhook:a:3')!, 'delivered', T + 20));
        await state.deliveries.update(attempted(claimed.get('webhook:b:2')!, 'dead', T + 21));
        await state.deliveries.update(attempted(claimed.get('webhook:a:1')!, 'dead', T + 22));

        const ids = async (q: { target?: string; status?: DeliveryStatus; limit: number }) => (await state.deliveries.list(q)).map((d) => d.id);
        expect(await ids({ limit: 100 })).toEqual(['webhook:a:5', 'amqp:x:4', 'webhook:a:3', 'webhook:b:2', 'webhook:a:1']);
        expect(await ids({ limit: 2 })).toEqual(['webhook:a:5', 'amqp:x:4']);
        expect(await ids({ limit: 0 })).toEqual([]);
        expect(await ids({ target: 'a', limit: 100 })).toEqual(['webhook:a:5', 'webhook:a:3', 'webhook:a:1']);
        expect(await ids({ target: 'a', limit: 1 })).toEqual(['webhook:a:5']);
        expect(await ids({ target: 'x', limit: 100 })).toEqual(['amqp:x:4']);
        expect(await ids({ target: 'nobody', limit: 100 })).toEqual([]);
        expect(await ids({ status: 'dead', limit: 100 })).toEqual(['webhook:b:2', 'webhook:a:1']);
        expect(await ids({ status: 'dead', limit: 1 })).toEqual(['webhook:b:2']);
        expect(await ids({ status: 'delivered', limit: 100 })).toEqual(['webhook:a:3']);
        expect(await ids({ status: 'pending', limit: 100 })).toEqual(['webhook:a:5', 'amqp:x:4']);
        expect(await ids({ target: 'a', status: 'dead', limit: 100 })).toEqual(['webhook:a:1']);
        expect(await ids({ target: 'a', status: 'pending', limit: 100 })).toEqual(['webhook:a:5']);
        expect(await ids({ target: 'b', status: 'delivered', limit: 100 })).toEqual([]);
        const [listed] = await state.deliveries.list({ target: 'a', status: 'delivered', limit: 1 });
        expect(listed).toEqual(await state.deliveries.get('webhook:a:3'));
      });
    });

    describe('audit', () => {
      it('lists the most recent first, filtered by actor, action and an inclusive time range, up to the limit', async () => {
        const entries: AuditEntry[] = [
          { at: T + 1, actor: 'key-1', action: 'subscription.create', target: 'sub-a', details: { url: 'https://a.example', events: ['x'] } },
          { at: T + 2, actor: 'config', action: 'subscription.update', target: 'sub-b' },
          { at: T + 3, actor: 'key-1', action: 'silence.create', target: 'sil-1', details: { matchers: 2 } },
          { at: T + 4, actor: 'key-2', action: 'subscription.create', target: 'sub-c' },
          { at: T + 5, actor: 'system', action: 'silence.expire', target: 'sil-1' },
        ];
        expect(await state.audit.list({ limit: 10 })).toEqual([]);
        for (const e of entries) await state.audit.append(e);
        const targets = async (q: Partial<AuditQuery>) => (await state.audit.list({ limit: 100, ...q })).map((e) => e.target);
        expect(await state.audit.list({ limit: 100 })).toEqual([...entries].reverse());
        expect(await targets({ limit: 2 })).toEqual(['sil-1', 'sub-c']);
        expect(await targets({ limit: 0 })).toEqual([]);
        expect(await targets({ actor: 'key-1' })).toEqual(['sil-1', 'sub-a']);
        expect(await targets({ action: 'subscription.create' })).toEqual(['sub-c', 'sub-a']);
        expect(await targets({ actor: 'key-1', action: 'subscription.create' })).toEqual(['sub-a']);
        expect(await targets({ actor: 'nobody' })).toEqual([]);
        expect(await targets({ from: T + 2, to: T + 4 })).toEqual(['sub-c', 'sil-1', 'sub-b']);
        expect(await targets({ from: T + 4 })).toEqual(['sil-1', 'sub-c']);
        expect(await targets({ to: T + 1 })).toEqual(['sub-a']);
        expect(await targets({ from: T + 2, to: T + 4, actor: 'key-1', limit: 1 })).toEqual(['sil-1']);
        expect((await state.audit.list({ actor: 'key-1', limit: 10 })).at(-1)).toEqual(entries[0]);
      });
    });

    describe('health', () => {
      it('checks the backing store, and closes', async () => {
        await expect(state.check()).resolves.toBeUndefined();
        await state.close();
      });
    });
  });
}

function byId<T extends { id: string }>(values: T[]): T[] {
  return [...values].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

function subscription(id: string, over: Partial<Subscription> = {}): Subscription {
  return {
    id,
    name: id,
    url: `https://${id}.example/hook`,
    secrets: [{ secret: `whsec_${id}`, expiresAt: null }],
    minSeverity: 'medium',
    services: [],
    models: ['gpt-x'],
    anomalyTypes: [],
    enabled: true,
    managedBy: 'api',
    createdAt: 1_000_000,
    updatedAt: 1_000_000,
    ...over,
  };
}

function silence(id: string): Silence {
  return {
    id,
    matchers: [
      { name: 'service', value: 'chat', isRegex: false, isEqual: true },
      { name: 'model', value: 'gpt-.*', isRegex: true, isEqual: false },
    ],
    startsAt: 1_000_000,
    endsAt: 1_000_000 + 3_600_000,
    createdBy: 'key-1',
    comment: 'maintenance',
    createdAt: 1_000_000,
    updatedAt: 1_000_000,
  };
}

function alert(alertId: string, note = 'first'): GroupedAlert {
  return { alertId, payload: JSON.stringify({ alert_id: alertId, note, text: 'naïve "quoted" \\ / ✓' }) };
}

function delivery(id: string, over: Partial<Delivery> = {}): Delivery {
  const at = over.createdAt ?? 1_000_000;
  const status = over.status ?? 'pending';
  return {
    id,
    channel: 'webhook',
    target: id.split(':')[1] ?? 'target',
    messageId: `msg_${id.split(':').at(-1)}`,
    eventType: 'anomaly.detected',
    body: JSON.stringify({ id, data: { severity: 'high' } }),
    status,
    createdAt: at,
    deadlineAt: at + 86_400_000,
    attempts: [],
    nextAttemptAt: status === 'pending' ? at : null,
    ...over,
  };
}

/** The delivery after one more attempt at `at`, now in `status`. */
function attempted(d: Delivery, status: DeliveryStatus, at: number, o: { nextAttemptAt?: number; status?: number; ok?: boolean; error?: string } = {}): Delivery {
  const ok = o.ok ?? status === 'delivered';
  return {
    ...d,
    status,
    attempts: [...d.attempts, { at, status: o.status ?? (ok ? 200 : 500), ok, durationMs: 12.5, ...(o.error ? { error: o.error } : {}) }],
    nextAttemptAt: status === 'pending' ? (o.nextAttemptAt ?? at + 1_000) : null,
  };
}
