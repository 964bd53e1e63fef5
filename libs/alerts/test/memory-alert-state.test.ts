import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MemoryAlertState } from '../src/state/memory-alert-state.js';
import { alertStateContract } from './alert-state.contract.js';

alertStateContract('MemoryAlertState', async () => {
  const state = new MemoryAlertState();
  return { state, cleanup: () => state.close() };
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
