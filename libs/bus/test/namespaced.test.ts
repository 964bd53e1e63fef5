import { describe, expect, it } from 'vitest';
import { MemoryBus, NamespacedBus } from '../src/index.js';

describe('NamespacedBus', () => {
  it('keeps two namespaces on one bus apart, topics and groups alike', async () => {
    const shared = new MemoryBus(2);
    const staging = new NamespacedBus(shared, 'staging.');
    const prod = new NamespacedBus(shared, 'prod.');
    const seen: string[] = [];
    await staging.topic('t').consume({ group: 'g', handler: async (b) => void seen.push(...b.records.map((r) => `staging:${r.value}`)) });
    await prod.topic('t').consume({ group: 'g', handler: async (b) => void seen.push(...b.records.map((r) => `prod:${r.value}`)) });
    await staging.topic('t').publish([{ key: 'k', value: Buffer.from('a') }]);
    await prod.topic('t').publish([{ key: 'k', value: Buffer.from('b') }]);
    while (shared.lag('staging.t') + shared.lag('prod.t') > 0) await new Promise((r) => setTimeout(r, 5));
    expect(seen.sort()).toEqual(['prod:b', 'staging:a']);
    expect(shared.lag('t')).toBe(0);
    await shared.close();
  });
});
