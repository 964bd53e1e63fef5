/**
 * Known telemetry for the DuckDB query tests, and the answers computed here in plain TypeScript,
 * independently of the store's SQL.
 */
import { seededRandom, type TelemetryEvent } from '@sentinel/contracts';
import type { SeriesBucket, SeriesQuery, TelemetryMetric } from '@sentinel/store';

export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;
/** Start of the data set: on purpose not aligned to an hour. */
export const T0 = Date.parse('2026-03-01T00:00:00Z') + 17 * 60_000 + 3_001;

let ids = 0;
export function makeEvent(ts: number, r: () => number, over: Partial<TelemetryEvent> = {}): TelemetryEvent {
  ids++;
  const prompt = 1 + Math.floor(r() * 800);
  const completion = 1 + Math.floor(r() * 300);
  const latency = 50 + r() * 2000;
  return {
    event_id: `00000000-0000-4000-8000-${ids.toString(16).padStart(12, '0')}`,
    timestamp: new Date(ts).toISOString(),
    service_name: r() < 0.5 ? 'checkout' : 'search',
    model: r() < 0.5 ? 'gpt-4o' : 'claude',
    trace_id: null,
    span_id: null,
    prompt: { text: '', tokens: prompt, embedding: null },
    response: { text: '', tokens: completion, finish_reason: 'stop', embedding: null },
    latency_ms: latency,
    time_to_first_token_ms: r() < 0.3 ? null : latency * r(),
    cost_usd: prompt * 2.5e-6 + completion * 1e-5,
    metadata: {},
    errors: r() < 0.05 ? ['upstream 503'] : [],
    ...over,
  };
}

/** `count` events spread at random over [T0, T0 + spanMs), four series. */
export function dataset(count: number, spanMs: number, seed = 1): TelemetryEvent[] {
  const r = seededRandom(seed);
  return Array.from({ length: count }, () => makeEvent(T0 + Math.floor(r() * spanMs), r));
}

export function metricValue(e: TelemetryEvent, m: TelemetryMetric): number | null {
  switch (m) {
    case 'latency_ms':
      return e.latency_ms;
    case 'time_to_first_token_ms':
      return e.time_to_first_token_ms ?? null;
    case 'prompt_tokens':
      return e.prompt.tokens;
    case 'completion_tokens':
      return e.response.tokens;
    case 'total_tokens':
      return e.prompt.tokens + e.response.tokens;
    case 'cost_usd':
      return e.cost_usd;
    case 'error':
      return e.errors.length > 0 ? 1 : 0;
  }
}

/** quantile_cont: linear interpolation between closest ranks, h = (n − 1)·p. */
export function quantileCont(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  const h = (s.length - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.ceil(h);
  return s[lo]! + (h - lo) * (s[hi]! - s[lo]!);
}

/** What `querySeries` must return, computed from the events. */
export function expectedSeries(events: readonly TelemetryEvent[], q: SeriesQuery): SeriesBucket[] {
  const step = q.stepMs;
  const byBucket = new Map<number, TelemetryEvent[]>();
  for (const e of events) {
    const ts = Date.parse(e.timestamp);
    if (e.service_name !== q.service || e.model !== q.model || ts < q.from || ts >= q.to) continue;
    const t = Math.floor(ts / step) * step;
    const list = byBucket.get(t) ?? [];
    list.push(e);
    byBucket.set(t, list);
  }
  const out: SeriesBucket[] = [];
  for (let t = Math.floor(q.from / step) * step; t < q.to; t += step) {
    const rows = byBucket.get(t) ?? [];
    const values = rows.map((e) => metricValue(e, q.metric)).filter((v): v is number => v !== null);
    const sum = values.reduce((a, b) => a + b, 0);
    let value: number | null;
    if (q.agg === 'count') value = rows.length > 0 ? values.length : null;
    else if (values.length === 0) value = null;
    else if (q.agg === 'avg') value = sum / values.length;
    else if (q.agg === 'sum') value = sum;
    else if (q.agg === 'min') value = Math.min(...values);
    else if (q.agg === 'max') value = Math.max(...values);
    else value = quantileCont(values, { p50: 0.5, p95: 0.95, p99: 0.99 }[q.agg]);
    out.push({ t, value, count: values.length });
  }
  return out;
}

/**
 * Bucket lists equal: times and counts exactly; values exactly for count, min and max, and within a
 * relative 1e-12 for sums, averages and interpolated percentiles, whose last bits depend on the order
 * the additions happen in.
 */
export function sameBuckets(actual: SeriesBucket[], expected: SeriesBucket[], exact: boolean): string | null {
  if (actual.length !== expected.length) return `length ${actual.length} != ${expected.length}`;
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    if (a.t !== e.t || a.count !== e.count) return `bucket ${i}: ${JSON.stringify(a)} != ${JSON.stringify(e)}`;
    if (a.value === null || e.value === null) {
      if (a.value !== e.value) return `bucket ${i}: ${JSON.stringify(a)} != ${JSON.stringify(e)}`;
      continue;
    }
    const ok = exact ? a.value === e.value : Math.abs(a.value - e.value) <= 1e-12 * Math.max(1, Math.abs(e.value));
    if (!ok) return `bucket ${i}: ${JSON.stringify(a)} != ${JSON.stringify(e)}`;
  }
  return null;
}
