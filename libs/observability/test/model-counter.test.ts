import { Counter, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { ModelCounter, OTHER_MODEL, modelLabel } from '../src/index.js';

function counter(): Counter<'model'> {
  return new Counter({ name: 'test_events_total', help: 'test', labelNames: ['model'] as const, registers: [new Registry()] });
}

async function byModel(c: Counter<'model'>): Promise<Record<string, number>> {
  return Object.fromEntries((await c.get()).values.map((v) => [String(v.labels.model), v.value]));
}

describe('modelLabel', () => {
  it('keeps an allow-listed model and maps every other one to "other"', () => {
    const allowed = new Set(['gpt-4o', 'claude-3-5-sonnet']);
    expect(modelLabel('gpt-4o', allowed)).toBe('gpt-4o');
    expect(modelLabel('claude-3-5-sonnet', allowed)).toBe('claude-3-5-sonnet');
    expect(modelLabel('gpt-4o-mini', allowed)).toBe(OTHER_MODEL);
    expect(modelLabel('GPT-4O', allowed)).toBe(OTHER_MODEL);
    expect(modelLabel('', allowed)).toBe(OTHER_MODEL);
    expect(modelLabel('gpt-4o', new Set())).toBe(OTHER_MODEL);
  });
});

describe('ModelCounter', () => {
  it('counts allow-listed models by name and the rest as "other", over runs and interleavings', async () => {
    const c = counter();
    const models = new ModelCounter(c, ['gpt-4o', 'claude']);
    const items = ['gpt-4o', 'gpt-4o', 'x', 'claude', 'gpt-4o', 'y', 'y', 'claude', 'claude', 'z'].map((model) => ({ model }));
    models.count(items, (i) => i.model);
    expect(await byModel(c)).toEqual({ 'gpt-4o': 3, claude: 3, other: 4 });
    models.count(items.slice(0, 2), (i) => i.model);
    models.count([], (i: { model: string }) => i.model);
    expect(await byModel(c)).toEqual({ 'gpt-4o': 5, claude: 3, other: 4 });
  });

  it('labels nothing but the allow-list and "other", however many models arrive', async () => {
    const c = counter();
    const models = new ModelCounter(c, ['gpt-4o']);
    models.count(Array.from({ length: 5000 }, (_, i) => `tenant-model-${i}`), (m) => m);
    expect(await byModel(c)).toEqual({ other: 5000 });
  });

  it('with an empty allow-list counts everything as "other"; duplicates and a listed "other" are harmless', async () => {
    const empty = counter();
    new ModelCounter(empty, []).count(['gpt-4o', 'claude'], (m) => m);
    expect(await byModel(empty)).toEqual({ other: 2 });
    const odd = counter();
    new ModelCounter(odd, ['a', 'a', 'other']).count(['a', 'other', 'b'], (m) => m);
    expect(await byModel(odd)).toEqual({ a: 1, other: 2 });
  });
});
