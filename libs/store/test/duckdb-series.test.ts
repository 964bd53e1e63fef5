/** Series baselines in the DuckDB store: latest wins, series_key order, keyset paging. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SeriesBaseline } from '@sentinel/contracts';
import { DuckDbStore, StoreQueryError } from '@sentinel/store';

const T0 = Date.parse('2026-03-01T00:00:00Z');
const METRICS = ['latency_ms', 'cost_usd', 'total_tokens'] as const;

function baseline(service: string, model: string, metric: (typeof METRICS)[number], tsOffset: number, mean = 100): SeriesBaseline {
  return {
    series_key: `${service}\u001f${model}\u001f${metric}`,
    service_name: service,
    model,
    metric,
    stats: { count: 500, mean, std_dev: 10, median: mean, mad: 7, q1: mean - 8, q3: mean + 8 },
    last_timestamp: new Date(T0 + tsOffset).toISOString(),
  };
}

let dir: string;
let path: string;
let store: DuckDbStore;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sentinel-duckdb-series-'));
  path = join(dir, 's.duckdb');
  store = await DuckDbStore.open({ path, batchSize: 100 });
});

afterEach(async () => {
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

describe('DuckDbStore series baselines', () => {
  it('keeps the latest baseline of each series: an older one is ignored, an equally recent one replaces', async () => {
    const b = baseline('checkout', 'gpt-4o', 'latency_ms', 1000, 100);
    await store.upsertBaselines([b]);
    expect(await store.getSeries(b.series_key)).toEqual(b);
    await store.upsertBaselines([baseline('checkout', 'gpt-4o', 'latency_ms', 999, 1)]);
    expect(await store.getSeries(b.series_key)).toEqual(b);
    const same = baseline('checkout', 'gpt-4o', 'latency_ms', 1000, 2);
    await store.upsertBaselines([same]);
    expect(await store.getSeries(b.series_key)).toEqual(same);
    const newer = baseline('checkout', 'gpt-4o', 'latency_ms', 5000, 3);
    // In one batch and in concurrent calls joined into one write, the latest still wins whatever the order.
    await store.upsertBaselines([newer, baseline('checkout', 'gpt-4o', 'latency_ms', 2000, 4)]);
    await Promise.all([store.upsertBaselines([baseline('checkout', 'gpt-4o', 'latency_ms', 3000, 5)]), store.upsertBaselines([baseline('checkout', 'gpt-4o', 'latency_ms', 4000, 6)])]);
    expect(await store.getSeries(b.series_key)).toEqual(newer);
    expect(await store.getSeries('nope')).toBeNull();
  });

  it('lists series in series_key order, filtered, page by page with a cursor, each once', async () => {
    const all: SeriesBaseline[] = [];
    for (const service of ['search', 'checkout', 'billing', 'ängel']) for (const model of ['gpt-4o', 'claude']) for (const metric of METRICS) all.push(baseline(service, model, metric, all.length));
    await store.upsertBaselines([...all].reverse());
    const byKey = (a: SeriesBaseline, b: SeriesBaseline) => Buffer.compare(Buffer.from(a.series_key), Buffer.from(b.series_key));
    const cases: Array<[Parameters<DuckDbStore['listSeries']>[0], (b: SeriesBaseline) => boolean]> = [
      [{ limit: 5 }, () => true],
      [{ limit: 4, service: 'checkout' }, (b) => b.service_name === 'checkout'],
      [{ limit: 2, model: 'claude', metric: 'cost_usd' }, (b) => b.model === 'claude' && b.metric === 'cost_usd'],
      [{ limit: 100, service: 'search', model: 'gpt-4o', metric: 'latency_ms' }, (b) => b.service_name === 'search' && b.model === 'gpt-4o' && b.metric === 'latency_ms'],
      [{ limit: 3, service: 'nobody' }, () => false],
    ];
    for (const [query, pick] of cases) {
      const seen: SeriesBaseline[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await store.listSeries({ ...query, cursor });
        expect(page.items.length).toBeLessThanOrEqual(query.limit);
        seen.push(...page.items);
        cursor = page.nextCursor ?? undefined;
        pages++;
      } while (cursor && pages < 100);
      const want = all.filter(pick).sort(byKey);
      expect(seen).toEqual(want);
      expect(pages).toBe(Math.max(1, Math.ceil(want.length / query.limit)));
    }
  });

  it('keeps baselines across a restart', async () => {
    const b = baseline('checkout', 'claude', 'cost_usd', 10);
    await store.upsertBaselines([b]);
    await store.close();
    store = await DuckDbStore.open({ path, batchSize: 100 });
    expect((await store.listSeries({ limit: 10 })).items).toEqual([b]);
  });

  it('rejects a cursor it did not issue, naming the cursor', async () => {
    for (const cursor of ['%%%', Buffer.from('["series",""]').toString('base64url'), Buffer.from('[1,"x"]').toString('base64url')]) {
      const err = await store.listSeries({ limit: 10, cursor }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StoreQueryError);
      expect((err as StoreQueryError).field).toBe('cursor');
    }
  });
});
