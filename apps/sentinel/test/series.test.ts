import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TelemetryEventSchema, type SeriesBaseline } from '@sentinel/contracts';
import { BaselineShard, DetectionConfigSchema } from '@sentinel/detection';
import { generateTraffic } from '../src/demo/traffic.js';
import { KEYS, bearer, startTestSentinel, type TestSentinel } from './harness.js';

const traffic = generateTraffic({ events: 4000, spanMs: 3_600_000, endMs: Date.parse('2025-06-02T00:00:00Z'), seed: 3 });
let s: TestSentinel;

beforeAll(async () => {
  s = await startTestSentinel({ baselines: { publishIntervalMs: 0 } });
  const res = await s.http.inject({ method: 'POST', url: '/v1/telemetry', headers: bearer(KEYS.ingest), payload: traffic.events });
  expect(res.statusCode).toBe(202);
  await s.settle();
});
afterAll(() => s.dispose());

const get = (url: string) => s.http.inject({ url, headers: bearer(KEYS.read) });

async function allSeries(query = ''): Promise<SeriesBaseline[]> {
  const out: SeriesBaseline[] = [];
  let cursor = '';
  do {
    const page = (await get(`/v1/series?limit=7${query}${cursor ? `&cursor=${cursor}` : ''}`)).json() as { data: SeriesBaseline[]; next_cursor: string | null };
    out.push(...page.data);
    cursor = page.next_cursor ?? '';
  } while (cursor);
  return out;
}

describe('GET /v1/series', () => {
  it('lists every series with the baseline an independent engine run computes', async () => {
    const shard = new BaselineShard(DetectionConfigSchema.parse({}));
    for (const e of traffic.events) shard.observe(TelemetryEventSchema.parse(e));
    // Plain code-unit order, as the store pages by it (localeCompare would ignore the key's separators).
    const expected = [...shard.series()].sort((a, b) => (a.series_key < b.series_key ? -1 : 1));
    const listed = await allSeries();
    expect(listed.map((x) => x.series_key)).toEqual(expected.map((x) => x.series_key));
    expect(listed).toEqual(expected);
  });

  it('filters by service, model and metric', async () => {
    const latency = await allSeries('&service=checkout&metric=latency_ms');
    expect(latency.length).toBeGreaterThan(0);
    expect(latency.every((x) => x.service_name === 'checkout' && x.metric === 'latency_ms')).toBe(true);
  });

  it('answers one series baseline by key, 404 for an unknown one, and needs the read scope', async () => {
    const [first] = await allSeries();
    const one = await get(`/v1/series/${encodeURIComponent(first!.series_key)}/baseline`);
    expect(one.json()).toEqual(first);
    expect((await get(`/v1/series/${encodeURIComponent('nope|nope|latency_ms')}/baseline`)).statusCode).toBe(404);
    expect((await s.http.inject({ url: '/v1/series', headers: bearer(KEYS.ingest) })).statusCode).toBe(403);
    expect((await get('/v1/series?cursor=garbage')).statusCode).toBe(400);
  });
});
