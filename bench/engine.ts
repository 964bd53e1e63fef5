/**
 * Detection engine benchmark, one core: BaselineShard.observe with the full four-detector ensemble at
 * W = 1000 on ~10,000 series (1,430 (service, model) pairs × 7 series) of lognormal LLM telemetry.
 *
 *   node --import tsx bench/engine.ts        (or `npm run bench`, which runs every bench)
 *
 * Two units, not to be confused:
 * - a telemetry event is one LLM call; it updates 7 series here (latency, prompt, completion and total
 *   tokens, cost, error_rate, finish_reason_rate:length);
 * - a series update is one value judged by the four detectors and added to one rolling window.
 * Events go round-robin over the pairs, so every update finds its series out of cache: the worst case for
 * 10,000 series of 16 KB. That is the figure of `observe`, one event at a time. The detection service
 * hands the engine whole Kafka batches (`observeBatch`), which judges the events of each (service, model)
 * together and so loads each series once per batch: measured at several batch sizes. The "hot" figures
 * repeat the run on 10 pairs (70 series) that stay in cache.
 * Each case is timed in slices and the median slice reported, so that a neighbour briefly taking the core
 * (the machine is shared) does not decide the figure.
 */
import { pathToFileURL } from 'node:url';
import v8 from 'node:v8';
import vm from 'node:vm';
import { seededRandom, type TelemetryEvent } from '@sentinel/contracts';
import { BaselineShard, DetectionConfigSchema, RollingWindow, SeriesState, resolveSeriesParams } from '@sentinel/detection';

const WINDOW = 1000;
const MODELS = 10;
const SERVICES = 143; // × 10 models = 1,430 pairs × 7 series = 10,010 series (one pair never sees `length`)
const HOT_SERVICES = 1;
const DISTINCT_EVENTS = 1 << 18;
const MEASURED_EVENTS = Number(process.env.BENCH_EVENTS ?? 1_000_000);
/**
 * Events per observeBatch call. The headline, 5,000, is below what one Kafka fetch hands a detection
 * consumer that is behind: 1 MB per partition (kafkajs' default) of gzip-compressed telemetry, at about
 * 54 bytes an event (the demo's traffic, 426 bytes of JSON an event), holds 10,000 to 19,000 events.
 */
const BATCH_SIZES = [1_000, 5_000, 10_000];
const HEADLINE_BATCH = 5_000;
const SLICES = 5;
const TARGET_SERIES_UPDATES_PER_SECOND = 1_000_000;

// Exact bytes per series need a full GC before and after; enable it even when node runs without --expose-gc.
v8.setFlagsFromString('--expose-gc');
const collect = vm.runInNewContext('gc') as () => void;

function makeEvents(count: number, services: number, seed: number): TelemetryEvent[] {
  const r = seededRandom(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(r() + 1e-12)) * Math.cos(2 * Math.PI * r());
  const pairs = services * MODELS;
  const medianLatency = Array.from({ length: pairs }, () => 200 + 1500 * r());
  const events: TelemetryEvent[] = new Array(count);
  const start = Date.UTC(2025, 5, 1);
  for (let i = 0; i < count; i++) {
    const c = i % pairs;
    const promptTokens = Math.max(1, Math.round(300 * Math.exp(0.5 * gauss())));
    const completionTokens = Math.max(1, Math.round(120 * Math.exp(0.6 * gauss())));
    events[i] = {
      event_id: `00000000-0000-4000-8000-${i.toString(16).padStart(12, '0')}`,
      timestamp: new Date(start + i * 10).toISOString(),
      service_name: `service-${Math.floor(c / MODELS)}`,
      model: `model-${c % MODELS}`,
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

function heapBytes(): number {
  collect();
  collect();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

interface ShardRun {
  series: number;
  seriesPerEvent: number;
  /** Events/s of observe(), one event at a time. */
  eventsPerSecond: number;
  /** Events/s of observeBatch() by batch size. */
  batchedEventsPerSecond: Map<number, number>;
  bytesPerSeries: number;
  anomaliesPer1000: number;
  snapshotBytesPerSeries: number;
  snapshotMs: number;
}

function runShard(services: number): ShardRun {
  const config = DetectionConfigSchema.parse({ window: WINDOW });
  const events = makeEvents(DISTINCT_EVENTS, services, 1);
  const heapBefore = heapBytes();
  const shard = new BaselineShard(config);
  // Fill every window first: the measured phase runs at W = 1000, the expensive steady state.
  const fill = services * MODELS * (WINDOW + 200);
  for (let i = 0; i < fill; i++) shard.observe(events[i % DISTINCT_EVENTS]!);
  const bytes = heapBytes() - heapBefore;
  const series = shard.seriesCount();

  let anomalies = 0;
  let at = fill;
  /** Median events/s over SLICES slices of `step`, which observes `per` events a call. */
  const measure = (per: number, step: () => void): number => {
    const calls = Math.ceil(MEASURED_EVENTS / SLICES / per);
    const rates: number[] = [];
    for (let s = 0; s < SLICES; s++) {
      const t0 = performance.now();
      for (let i = 0; i < calls; i++) step();
      rates.push((1000 * calls * per) / (performance.now() - t0));
    }
    return rates.sort((a, b) => a - b)[SLICES >> 1]!;
  };
  const eventsPerSecond = measure(1, () => void (anomalies += shard.observe(events[at++ % DISTINCT_EVENTS]!).length));
  const anomaliesPer1000 = (1000 * anomalies) / (SLICES * Math.ceil(MEASURED_EVENTS / SLICES));
  const batchedEventsPerSecond = new Map<number, number>();
  for (const size of BATCH_SIZES) {
    const batch: TelemetryEvent[] = new Array(size);
    batchedEventsPerSecond.set(
      size,
      measure(size, () => {
        for (let j = 0; j < size; j++) batch[j] = events[at++ % DISTINCT_EVENTS]!;
        shard.observeBatch(batch);
      }),
    );
  }
  const snapshotT0 = performance.now();
  const snapshot = shard.snapshot();
  return {
    series,
    seriesPerEvent: series / (services * MODELS),
    eventsPerSecond,
    batchedEventsPerSecond,
    bytesPerSeries: bytes / series,
    anomaliesPer1000,
    snapshotBytesPerSeries: snapshot.length / series,
    snapshotMs: performance.now() - snapshotT0,
  };
}

/** One series, in cache, nothing around it: the CPU cost of judge + learn alone. */
function isolatedSeriesUpdateNs(): number {
  const config = DetectionConfigSchema.parse({ window: WINDOW });
  const state = new SeriesState(resolveSeriesParams(config, 'latency_ms'), new RollingWindow(WINDOW));
  const r = seededRandom(3);
  const values = new Float64Array(1 << 16);
  for (let i = 0; i < values.length; i++) values[i] = 500 * Math.exp(0.4 * Math.sqrt(-2 * Math.log(r() + 1e-12)) * Math.cos(2 * Math.PI * r()));
  for (let i = 0; i < 5 * WINDOW; i++) state.update(values[i & 0xffff]!, '');
  const n = 4_000_000;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) state.update(values[i & 0xffff]!, '');
  return ((performance.now() - t0) * 1e6) / n;
}

export type Figures = Array<[label: string, value: number]>;

export interface EngineBench {
  /** One sentence naming both units, printed before the table. */
  headline: string;
  figures: Figures;
}

export function benchEngine(): EngineBench {
  const cold = runShard(SERVICES);
  const hot = runShard(HOT_SERVICES);
  const isolated = isolatedSeriesUpdateNs();
  const round = (v: number, digits = 0) => Math.round(v * 10 ** digits) / 10 ** digits;
  const fmt = (v: number) => round(v).toLocaleString('en-US');
  const perEvent = round(cold.seriesPerEvent, 2);
  const single = cold.eventsPerSecond * cold.seriesPerEvent;
  const batched = cold.batchedEventsPerSecond.get(HEADLINE_BATCH)! * cold.seriesPerEvent;
  const headline =
    `${fmt(batched)} series updates/s (${fmt(1e9 / batched)} ns each) on one core with ${fmt(cold.series)} series at W = ${WINDOW}, ` +
    `in batches of ${fmt(HEADLINE_BATCH)} events as the detection service judges them (${fmt(single)}/s one event at a time, every series out of cache), ` +
    `i.e. ${fmt(batched / cold.seriesPerEvent)} telemetry events/s of ${perEvent} series each; ` +
    `target ${fmt(TARGET_SERIES_UPDATES_PER_SECOND)} series updates/s ${batched >= TARGET_SERIES_UPDATES_PER_SECOND ? 'reached' : 'not reached'}.`;
  const batchRows: Figures = BATCH_SIZES.map((size) => [
    `series updates/s in batches of ${fmt(size)} events (observeBatch), ${fmt(cold.series)} series`,
    round(cold.batchedEventsPerSecond.get(size)! * cold.seriesPerEvent),
  ]);
  const figures: Figures = [
    ['window W', WINDOW],
    ['series', cold.series],
    [`series updates/s one event at a time (observe), ${fmt(cold.series)} series`, round(single)],
    [`ns per series update one event at a time, ${fmt(cold.series)} series`, round(1e9 / single)],
    ...batchRows,
    [`ns per series update in batches of ${fmt(HEADLINE_BATCH)}, ${fmt(cold.series)} series`, round(1e9 / batched)],
    [`telemetry events/s in batches of ${fmt(HEADLINE_BATCH)} (${perEvent} series updates each), ${fmt(cold.series)} series`, round(batched / cold.seriesPerEvent)],
    [`series updates/s, ${hot.series} series in cache`, round(hot.eventsPerSecond * hot.seriesPerEvent)],
    ['ns per series update, one series alone in cache', round(isolated)],
    ['bytes per series (heap + buffers)', round(cold.bytesPerSeries)],
    ['anomalies per 1000 telemetry events', round(cold.anomaliesPer1000, 2)],
    ['snapshot bytes per series', round(cold.snapshotBytesPerSeries)],
    [`snapshot ms, ${fmt(cold.series)} series`, round(cold.snapshotMs)],
  ];
  return { headline, figures };
}

export function formatFigures(title: string, figures: Figures): string {
  const rows = figures.map(([k, v]) => `| ${k} | ${v.toLocaleString('en-US')} |`);
  return [`\n${title}\n`, '| measure | value |', '| --- | ---: |', ...rows].join('\n');
}

export function runEngineBench(): void {
  const { headline, figures } = benchEngine();
  console.log(`\nDetection engine: ${headline}`);
  const slices = `${MEASURED_EVENTS.toLocaleString('en-US')} events measured per case, median of ${SLICES} slices`;
  console.log(formatFigures(`Detection engine, one core, node ${process.version}, ${slices}`, figures));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) runEngineBench();
