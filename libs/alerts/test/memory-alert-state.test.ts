import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Delivery } from '../src/state/alert-state.js';
import { MemoryAlertState } from '../src/state/memory-alert-state.js';
import { alertStateContract } from './alert-state.contract.js';

alertStateContract('MemoryAlertState', async () => {
  const state = new MemoryAlertState();
  return { state, cleanup: () => state.close() };
});

describe('MemoryAlertState delivery log', () => {
  it('forgets the least recently finished deliveries beyond maxLogEntries, never a pending one', async () => {
    const state = new MemoryAlertState({ maxLogEntries: 2 });
    const pending = (i: number): Delivery => ({ id: `webhook:t:${i}`, channel: 'webhook', target: 't', messageId: `msg_${i}`, eventType: 'anomaly.detected', body: '{}', status: 'pending', createdAt: i, deadlineAt: 1e12, nextAttemptAt: i, attempts: [] });
    await state.deliveries.enqueue([1, 2, 3, 4, 5].map(pending));
    for (const i of [3, 1, 2]) await state.deliveries.update({ ...pending(i), status: 'delivered', nextAttemptAt: null });
    const ids = async () => (await state.deliveries.list({ limit: 100 })).map((d) => [d.id.split(':')[2], d.status]);
    expect(await ids()).toEqual([
      ['5', 'pending'],
      ['4', 'pending'],
      ['2', 'delivered'],
      ['1', 'delivered'],
    ]);
    // Finishing again makes it the most recent: 1 goes, 2 stays.
    await state.deliveries.update({ ...pending(2), status: 'dead', nextAttemptAt: null });
    await state.deliveries.update({ ...pending(4), status: 'delivered', nextAttemptAt: null });
    expect(await ids()).toEqual([
      ['5', 'pending'],
      ['4', 'delivered'],
      ['2', 'dead'],
    ]);
    await state.close();
  });
});

describe('MemoryAlertState claims', () => {
  it('claims a backlog larger than the limit earliest first, ties in the order they were enqueued', async () => {
    const state = new MemoryAlertState();
    // 60 due deliveries, next attempts 0..9 shuffled with 6 of each; a claim takes 8 and leases them.
    const at = Array.from({ length: 60 }, (_, i) => (i * 7) % 10);
    await state.deliveries.enqueue(at.map((next, i) => ({ id: `webhook:t:${i}`, channel: 'webhook', target: 't', messageId: `msg_${i}`, eventType: 'anomaly.detected', body: '{}', status: 'pending', createdAt: i, deadlineAt: 1e12, nextAttemptAt: next, attempts: [] })));
    const expected = at.map((next, i) => ({ next, i })).sort((a, b) => a.next - b.next || a.i - b.i).map(({ i }) => `webhook:t:${i}`);
    const claimed: string[] = [];
    for (let c = 0; c < 8; c++) claimed.push(...(await state.deliveries.claim('webhook', 100, 8, 1_000)).map((d) => d.id));
    expect(claimed).toEqual(expected);
    await state.close();
  });
});

describe('MemoryAlertState file', () => {
  const silence = { id: 'sil_1', matchers: [{ name: 'service' as const, value: 'checkout', isRegex: false, isEqual: true }], startsAt: 1, endsAt: 2, createdBy: 'a', comment: '', createdAt: 1, updatedAt: 1 };

  it('saves on close and loads on open', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'alert-state-'));
    try {
      const a = await MemoryAlertState.open({ path: join(dir, 'state.json') });
      await a.silences.put(silence);
      await a.close();
      const b = await MemoryAlertState.open({ path: join(dir, 'state.json') });
      expect(await b.silences.list()).toEqual([silence]);
      await b.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('reports a failed save in check() and recovers with the next save that succeeds', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'alert-state-'));
    try {
      const path = join(dir, 'state.json');
      const state = await MemoryAlertState.open({ path });
      // A directory where the temporary file goes makes the write fail, even for root.
      await mkdir(`${path}.tmp`);
      await state.silences.put(silence);
      await new Promise((r) => setTimeout(r, 250));
      await expect(state.check()).rejects.toThrow(/cannot save the alert state/);
      await rm(`${path}.tmp`, { recursive: true });
      await state.silences.put({ ...silence, id: 'sil_2' });
      await new Promise((r) => setTimeout(r, 250));
      await expect(state.check()).resolves.toBeUndefined();
      await state.close();
      expect((await (await MemoryAlertState.open({ path: join(dir, 'state.json') })).silences.list()).map((s) => s.id).sort()).toEqual(['sil_1', 'sil_2']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
