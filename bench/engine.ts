/**
 * Detection engine benchmark: events/s through BaselineShard.observe with the full four-detector ensemble
 * at W = 1000, on ~10,000 series (service × model combos × 7 metrics) of lognormal values.
 *
 *   node --expose-gc --import tsx bench/engine.ts
 *
 * Prints a markdown table; `benchEngine()` returns the same figures for bench/run.ts.
 */
import { pathToFileURL } from 'node:url';
import type { TelemetryEvent } from '@sentinel/contracts';
import { BaselineShard, DetectionConfigSchema, RollingWindow, SeriesState, resolveSeriesParams } from '@sentinel/detection';

const WINDOW = 1000;
const SERVICES = 143;
const MODELS = 10; // 1,430 (service, model) combos × 7 series (6 per-call metrics + error_rate) ≈ 10,010 series
const DISTINCT_EVENTS = 1 << 18;
const MEASURED_EVENTS = Number(process.env.BENCH_EVENTS ?? 3_000_000);

/** Deterministic PRNG (mulberry32) so runs are comparable. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function makeEvents(count: number, seed: number): TelemetryEvent[] {
  const r = rng(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(r() + 1e-12)) * Math.cos(2 * Math.PI * r());
  const combos = SERVICES * MODELS;
  const medianLatency = Array.from({ length: combos }, () => 200 + 1500 * r());
  const events: TelemetryEvent[] = new Array(count);
  const start = Date.UTC(2025, 5, 1);
  for (let i = 0; i < count; i++) {
    const c = i % combos;
    const service = `service-${Math.floor(c / MODELS)}`;
    const model = `model-${c % MODELS}`;
    const promptTokens = Math.max(1, Math.round(300 * Math.exp(0.5 * gauss())));
    const completionTokens = Math.max(1, Math.round(120 * Math.exp(0.6 * gauss())));
    const hex = i.toString(16).padStart(12, '0');
    events[i] = {
      event_id: `00000000-0000-4000-8000-${hex}`,
      timestamp: new Date(start + i * 10).toISOString(),
      service_name: service,
      model,
      trace_id: null,
      span_id: null,
      prompt: { text: '', tokens: promptTokens, embedding: null },
      response: { text: '', tokens: completionTokens, finish_reason: r() < 0.03 ? 'length' : 'stop', embedding: null },
      latency_ms: medianLatency[c]! * Math.exp(0.4 * gauss()),
      time_to_first_token_ms: null,
      cost_usd: (promptTokens * 2.5 + completionTokens * 10) / 1e6,
      metadata: {},
      errors: r() < 0.01 ? ['upstream timeout'] : [],
    };
  }
  return events;
}

function gc(): void {
  const g = (globalThis as { gc?: () => void }).gc;
  if (g) {
    g();
    g();
  }
}

function heapBytes(): number {
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

/** Per-series update cost in isolation: judge + learn on one full series. */
function perSeriesUpdate(): number {
  const config = DetectionConfigSchema.parse({ window: WINDOW });
  const state = new SeriesState(resolveSeriesParams(config, 'latency_ms'), new RollingWindow(WINDOW));
  const r = rng(3);
  const values = new Float64Array(1 << 16);
  for (let i = 0; i < values.length; i++) values[i] = 500 * Math.exp(0.4 * Math.sqrt(-2 * Math.log(r() + 1e-12)) * Math.cos(2 * Math.PI * r()));
  for (let i = 0; i < 5 * WINDOW; i++) {
    state.judge(values[i & 0xffff]!);
    state.learn(values[i & 0xffff]!, '');
  }
  const n = 4_000_000;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const x = values[i & 0xffff]!;
    state.judge(x);
    state.learn(x, '');
  }
  return ((performance.now() - t0) * 1e6) / n;
}

export async function benchEngine(): Promise<Record<string, number>> {
  const config = DetectionConfigSchema.parse({ window: WINDOW });
  const events = makeEvents(DISTINCT_EVENTS, 1);
  gc();
  const heapBefore = heapBytes();
  const shard = new BaselineShard(config);
  // Fill every window so that the measured phase runs at W = 1000 (the expensive steady state).
  const fill = SERVICES * MODELS * (WINDOW + 200);
  for (let i = 0; i < fill; i++) shard.observe(events[i % DISTINCT_EVENTS]!);
  gc();
  const heapAfter = heapBytes();
  const series = shard.seriesCount();

  let anomalies = 0;
  const t0 = performance.now();
  for (let i = 0; i < MEASURED_EVENTS; i++) {
    const e = events[i % DISTINCT_EVENTS]!;
    anomalies += shard.observe(e).length;
  }
  const seconds = (performance.now() - t0) / 1000;
  // Series updated per event: latency, prompt, completion, total tokens, cost (no TTFT sent here),
  // error_rate and finish_reason_rate:length = 7.
  const perEvent = series / (SERVICES * MODELS);
  const eventsPerSecond = MEASURED_EVENTS / seconds;
  const nsPerSeriesUpdate = perSeriesUpdate();
  const snapshotT0 = performance.now();
  const snap = shard.snapshot();
  const snapshotMs = performance.now() - snapshotT0;
  return {
    window: WINDOW,
    series,
    series_per_event: perEvent,
    events_per_second: Math.round(eventsPerSecond),
    ns_per_event: Math.round((seconds * 1e9) / MEASURED_EVENTS),
    series_updates_per_second: Math.round(eventsPerSecond * perEvent),
    ns_per_series_update_in_shard: Math.round((seconds * 1e9) / MEASURED_EVENTS / perEvent),
    ns_per_series_update_isolated: Math.round(nsPerSeriesUpdate),
    bytes_per_series: Math.round((heapAfter - heapBefore) / series),
    anomalies_per_1000_events: Math.round((anomalies / MEASURED_EVENTS) * 1e4) / 10,
    snapshot_bytes_per_series: Math.round(snap.length / series),
    snapshot_ms: Math.round(snapshotMs),
  };
}

function table(r: Record<string, number>): string {
  const rows = Object.entries(r).map(([k, v]) => `| ${k} | ${v.toLocaleString('en-US')} |`);
  return ['| measure | value |', '| --- | ---: |', ...rows].join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  if (!(globalThis as { gc?: unknown }).gc) console.error('note: run node with --expose-gc for exact bytes per series');
  const r = await benchEngine();
  console.log(`\nDetection engine, one core, node ${process.version}, W = ${r.window}, ${r.series} series\n`);
  console.log(table(r));
}
