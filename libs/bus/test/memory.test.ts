import { describe, expect, it } from 'vitest';
import { MemoryBus, partitionFor, type RecordBatch } from '../src/index.js';
import { until } from '../../../testing/until.js';

const rec = (key: string, n: number) => ({ key, value: Buffer.from(String(n)) });

const delivered = (cond: () => boolean) => until(cond, 'the records to be delivered', 2000, 5);

describe('MemoryBus', () => {
  it('keeps per-key order within a partition and delivers every record once per group', async () => {
    const bus = new MemoryBus(4);
    const t = bus.topic('t');
    const seen = new Map<string, number[]>();
    const other: number[] = [];
    await t.consume({
      group: 'a',
      handler: async (b) => {
        for (const r of b.records) seen.set(r.key, [...(seen.get(r.key) ?? []), Number(r.value)]);
      },
    });
    await t.consume({ group: 'b', handler: async (b) => void other.push(...b.records.map((r) => Number(r.value))) });
    const keys = ['x', 'y', 'z', 'w', 'v'];
    await t.publish(Array.from({ length: 1000 }, (_, i) => rec(keys[i % 5]!, i)));
    await delivered(() => other.length === 1000 && [...seen.values()].reduce((s, v) => s + v.length, 0) === 1000);
    for (const [k, values] of seen) {
      expect(values).toEqual([...values].sort((a, b) => a - b));
      expect(values.every((v) => keys[v % 5] === k)).toBe(true);
    }
    expect(bus.lag('t')).toBe(0);
    await bus.close();
  });

  it('redelivers a batch whose handler failed, without skipping records', async () => {
    const bus = new MemoryBus(1);
    const t = bus.topic('t');
    let failures = 2;
    const got: number[] = [];
    await t.consume({
      group: 'g',
      handler: async (b) => {
        if (failures-- > 0) throw new Error('store down');
        got.push(...b.records.map((r) => Number(r.value)));
      },
    });
    await t.publish([rec('k', 1), rec('k', 2)]);
    await delivered(() => got.length === 2);
    expect(got).toEqual([1, 2]);
    await bus.close();
  });

  it('resumes a group from its committed offset, or from the offset onAssign returns', async () => {
    const bus = new MemoryBus(1);
    const t = bus.topic('t');
    const first: RecordBatch[] = [];
    const c1 = await t.consume({ group: 'g', handler: async (b) => void first.push(b) });
    await t.publish([rec('k', 1), rec('k', 2), rec('k', 3)]);
    await delivered(() => first.flatMap((b) => b.records).length === 3);
    expect(first.at(-1)!.nextOffset).toBe('3');
    await c1.stop();
    await t.publish([rec('k', 4)]);
    const second: number[] = [];
    const revoked: number[][] = [];
    const c2 = await t.consume({ group: 'g', handler: async (b) => void second.push(...b.records.map((r) => Number(r.value))), onRevoke: async (p) => void revoked.push(p) });
    await delivered(() => second.length === 1);
    expect(second).toEqual([4]);
    await c2.stop();
    expect(revoked).toEqual([[0]]);
    await bus.close();
  });

  it('starts a group at the offset onAssign returns, or at the oldest record kept if that was trimmed', async () => {
    const bus = new MemoryBus(1);
    const t = bus.topic('t');
    await t.publish([rec('k', 1), rec('k', 2), rec('k', 3), rec('k', 4)]);
    const replay: number[] = [];
    const c = await t.consume({ group: 'g', handler: async (b) => void replay.push(...b.records.map((r) => Number(r.value))), onAssign: async () => new Map([[0, '2']]) });
    await delivered(() => replay.length === 2);
    expect(replay).toEqual([3, 4]);
    await c.stop();
    await t.publish([rec('k', 5)]);
    const late: number[] = [];
    await t.consume({ group: 'g', handler: async (b) => void late.push(...b.records.map((r) => Number(r.value))), onAssign: async () => new Map([[0, '0']]) });
    await delivered(() => late.length === 1);
    expect(late).toEqual([5]);
    await bus.close();
  });

  it('refuses a second member in one group', async () => {
    const bus = new MemoryBus(1);
    await bus.topic('t').consume({ group: 'g', handler: async () => {} });
    await expect(bus.topic('t').consume({ group: 'g', handler: async () => {} })).rejects.toThrow(/already has a consumer/);
    await bus.close();
  });

  it('spreads keys over partitions stably', () => {
    const counts = new Array(12).fill(0);
    for (let i = 0; i < 12_000; i++) counts[partitionFor(`svc-${i}\u001fmodel`, 12)]++;
    expect(Math.min(...counts)).toBeGreaterThan(800);
    expect(partitionFor('checkout\u001fgpt-4o', 12)).toBe(partitionFor('checkout\u001fgpt-4o', 12));
  });
});
