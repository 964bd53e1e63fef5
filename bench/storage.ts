/**
 * DuckDB storage benchmark: write throughput through `DuckDbStore.appendTelemetry` and the latency of the
 * queries the console runs, on a real file.
 *
 *   node --import tsx bench/storage.ts [rows]          (default 1,000,000 rows, BENCH_STORAGE_ROWS; 10,000,000 for the long variant)
 *
 * Telemetry is generated deterministically: 50 series (10 services × 5 models) round-robin over 30 days,
 * lognormal latency and tokens, 1 % errors, time to first token on 70 % of calls, random v4 event ids. It is written in
 * production-sized calls (BENCH_BATCH rows, default the config's `storage.duckdb.batchSize`, 20,000), each
 * awaited, so the figure is what one storage consumer sustains. Then the file is closed and reopened (the
 * reopen time is printed), and each query runs N = 30 times over different windows:
 * - the 24 h p95 of latency by 5 min for one (service, model): percentiles always read raw rows;
 * - the 30-day average latency by 1 h for one (service, model): answered from the 1 h rollup, and for
 *   comparison the same query forced onto raw rows.
 * BENCH_DIR picks the directory of the file (default the OS temp dir); BENCH_KEEP=1 keeps the file;
 * BENCH_CHECKPOINT sets the store's `checkpointThreshold` (default DuckDB's 16MB).
 */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { seededRandom, type TelemetryEvent } from '@sentinel/contracts';
import { SentinelConfigSchema } from '@sentinel/config';
import { DuckDbStore, type SeriesQuery } from '@sentinel/store';
import { benchOptions, envNumber, type BenchOptions } from './lib/options.js';
import { Samples, sectionMarkdown, type Section } from './lib/report.js';

const SERVICES = 10;
const MODELS = 5;
const SERIES = SERVICES * MODELS;
const DAYS = 30;
const DAY_MS = 86_400_000;
const START = Date.UTC(2026, 0, 1);
const QUERY_RUNS = 30;

/**
 * Event ids are random version-4 UUIDs (from the seeded generator), as producers send them: an index on
 * them (schema 2 had a primary key) costs more on random keys than on sequential ones; the anti-join of
 * schema 3 should not care. BENCH_IDS=sequential for the latter.
 */
function eventId(i: number, r: () => number): string {
  if (process.env.BENCH_IDS === 'sequential') return `00000000-0000-4000-8000-${i.toString(16).padStart(12, '0')}`;
  const hex = (bits: number) => Math.floor(r() * 2 ** bits).toString(16).padStart(bits / 4, '0');
  return `${hex(32)}-${hex(16)}-4${hex(12)}-${(8 + Math.floor(r() * 4)).toString(16)}${hex(12)}-${hex(24)}${hex(24)}`;
}

/** Rows [from, from + count) of the data set; row i is at START + i·(30 d / rows), series i mod 50. */
function makeBatch(from: number, count: number, rows: number, r: () => number): TelemetryEvent[] {
  const gauss = () => Math.sqrt(-2 * Math.log(r() + 1e-12)) * Math.cos(2 * Math.PI * r());
  const spacing = (DAYS * DAY_MS) / rows;
  const events: TelemetryEvent[] = new Array(count);
  for (let k = 0; k < count; k++) {
    const i = from + k;
    const c = i % SERIES;
    const promptTokens = Math.max(1, Math.round(300 * Math.exp(0.5 * gauss())));
    const completionTokens = Math.max(1, Math.round(120 * Math.exp(0.6 * gauss())));
    const latency = (200 + 40 * c) * Math.exp(0.4 * gauss());
    events[k] = {
      event_id: eventId(i, r),
      timestamp: new Date(START + Math.floor(i * spacing)).toISOString(),
      service_name: `service-${Math.floor(c / MODELS)}`,
      model: `model-${c % MODELS}`,
      trace_id: null,
      span_id: null,
      prompt: { text: '', tokens: promptTokens, embedding: null },
      response: { text: '', tokens: completionTokens, finish_reason: r() < 0.03 ? 'length' : 'stop', embedding: null },
      latency_ms: latency,
      time_to_first_token_ms: r() < 0.7 ? latency * 0.3 : null,
      cost_usd: (promptTokens * 2.5 + completionTokens * 10) / 1e6,
      metadata: {},
      errors: r() < 0.01 ? ['upstream timeout'] : [],
    };
  }
  return events;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]!;
}

async function timeQueries(run: (i: number) => Promise<unknown>): Promise<{ p50: number; p95: number }> {
  await run(QUERY_RUNS); // warm-up, not counted
  const ms: number[] = [];
  for (let i = 0; i < QUERY_RUNS; i++) {
    const t0 = performance.now();
    await run(i);
    ms.push(performance.now() - t0);
  }
  ms.sort((a, b) => a - b);
  return { p50: percentile(ms, 0.5), p95: percentile(ms, 0.95) };
}

async function fileBytes(path: string): Promise<number> {
  let total = 0;
  for (const p of [path, `${path}.wal`]) total += await stat(p).then((s) => s.size, () => 0);
  return total;
}

export interface StorageResult {
  rows: number;
  batch: number;
  checkpoint: string;
  writeRowsPerSecond: number;
  wallRowsPerSecond: number;
  closeMs: number;
  reopenMs: number;
  fileMB: number;
  bytesPerRow: number;
  p95ByFiveMin: { p50: number; p95: number };
  avgByHour: { p50: number; p95: number; source: string };
  avgByHourRaw: { p50: number; p95: number };
}

/** One run: writes `rows` rows, closes, reopens and times the queries. */
export async function benchStorage(rows = 1_000_000): Promise<StorageResult> {
  const batch = Number(process.env.BENCH_BATCH ?? SentinelConfigSchema.parse({}).storage.duckdb.batchSize);
  const dir = await mkdtemp(join(process.env.BENCH_DIR ?? tmpdir(), 'sentinel-storage-bench-'));
  const path = join(dir, 'bench.duckdb');
  // Retention off: the data set is in the past and must all stay for the queries.
  const options = { path, batchSize: batch, retentionDays: 0, checkpointThreshold: process.env.BENCH_CHECKPOINT };
  try {
    let store = await DuckDbStore.open(options);
    const r = seededRandom(42);
    let writeMs = 0;
    const wall0 = performance.now();
    for (let from = 0; from < rows; from += batch) {
      const events = makeBatch(from, Math.min(batch, rows - from), rows, r);
      const t0 = performance.now();
      await store.appendTelemetry(events);
      writeMs += performance.now() - t0;
      if (process.stderr.isTTY && (from / batch) % 200 === 0) process.stderr.write(`\r${from.toLocaleString('en-US')} rows written`);
    }
    const wallMs = performance.now() - wall0;
    if (process.stderr.isTTY) process.stderr.write('\r\x1b[K');
    const closeT0 = performance.now();
    await store.close();
    const closeMs = performance.now() - closeT0;

    const reopenT0 = performance.now();
    store = await DuckDbStore.open(options);
    const reopenMs = performance.now() - reopenT0;
    const end = START + DAYS * DAY_MS;
    const stored = await store.querySeries({ service: 'service-3', model: 'model-2', metric: 'latency_ms', agg: 'count', from: START, to: end, stepMs: DAY_MS });
    const storedRows = stored.reduce((n, b) => n + b.count, 0);
    if (rows % SERIES === 0 && storedRows !== rows / SERIES) throw new Error(`expected ${rows / SERIES} rows of service-3/model-2 after reopen, found ${storedRows}`);

    // Windows end at a different, unaligned time each run (as "the last 24 h" does), inside the data set.
    const windowEnd = (i: number) => end - DAY_MS / 2 - ((i * 7919 * 60_000) % ((DAYS - 2) * DAY_MS)) - 12_345;
    const p95Query = (i: number): SeriesQuery => ({ service: 'service-3', model: 'model-2', metric: 'latency_ms', agg: 'p95', stepMs: 300_000, from: windowEnd(i) - DAY_MS, to: windowEnd(i) });
    const avgQuery = (i: number): SeriesQuery => ({ service: 'service-3', model: 'model-2', metric: 'latency_ms', agg: 'avg', stepMs: 3_600_000, from: START + (i % 3) * 60_000, to: end - (i % 5) * 60_000 });
    const p95 = await timeQueries((i) => store.querySeries(p95Query(i)));
    const avgRollup = await timeQueries((i) => store.querySeries(avgQuery(i)));
    const avgRaw = await timeQueries((i) => store.querySeriesUsing(avgQuery(i), 'raw'));
    const source = store.seriesSource(avgQuery(0));
    await store.close();

    const bytes = await fileBytes(path);
    return {
      rows,
      batch,
      checkpoint: process.env.BENCH_CHECKPOINT ?? '16MB (DuckDB default)',
      writeRowsPerSecond: (1000 * rows) / writeMs,
      wallRowsPerSecond: (1000 * rows) / wallMs,
      closeMs,
      reopenMs,
      fileMB: bytes / 1e6,
      bytesPerRow: bytes / rows,
      p95ByFiveMin: p95,
      avgByHour: { ...avgRollup, source },
      avgByHourRaw: avgRaw,
    };
  } finally {
    if (process.env.BENCH_KEEP !== '1') await rm(dir, { recursive: true, force: true });
    else console.log(`kept ${path}`);
  }
}

export async function runStorage(options: BenchOptions = benchOptions(), log: (s: string) => void = (s) => console.error(s)): Promise<Section> {
  const rows = envNumber('BENCH_STORAGE_ROWS', 1_000_000, 100_000, options);
  const s = new Samples();
  let last: StorageResult | null = null;
  for (let r = 0; r < options.runs; r++) {
    const x = await benchStorage(rows);
    last = x;
    log(`storage run ${r + 1}/${options.runs}: ${Math.round(x.writeRowsPerSecond).toLocaleString('en-US')} rows/s written, 24 h p95 query p50 ${x.p95ByFiveMin.p50.toFixed(1)} ms`);
    s.add('write_rows', 'DuckDB write rows/s (time inside appendTelemetry)', 'rows/s', x.writeRowsPerSecond);
    s.add('write_rows_wall', 'DuckDB write rows/s (wall, including generating the rows)', 'rows/s', x.wallRowsPerSecond);
    s.add('query_p95_24h_p50', `24 h p95 of latency by 5 min, one series of ${SERIES}: p50 latency (raw rows)`, 'ms', x.p95ByFiveMin.p50);
    s.add('query_p95_24h_p95', '24 h p95 of latency by 5 min: p95 latency', 'ms', x.p95ByFiveMin.p95);
    s.add('query_avg_30d_p50', `30 d avg latency by 1 h, one series: p50 latency (${x.avgByHour.source})`, 'ms', x.avgByHour.p50);
    s.add('query_avg_30d_p95', `30 d avg latency by 1 h: p95 latency (${x.avgByHour.source})`, 'ms', x.avgByHour.p95);
    s.add('query_avg_30d_raw_p50', '30 d avg latency by 1 h: p50 latency, forced onto raw rows', 'ms', x.avgByHourRaw.p50);
    s.add('reopen_ms', 'reopen of the file', 'ms', x.reopenMs);
    s.add('bytes_per_row', 'bytes per row on disk', 'bytes', x.bytesPerRow);
  }
  return {
    id: 'storage',
    title: 'Storage: DuckDB',
    figures: s.figures(),
    notes: [
      `${rows.toLocaleString('en-US')} telemetry rows per run (${SERIES} series over ${DAYS} days; BENCH_STORAGE_ROWS=10000000 for the 10 M variant) in awaited calls of ${(last?.batch ?? 0).toLocaleString('en-US')} rows (storage.duckdb.batchSize), checkpoint threshold ${last?.checkpoint}; each query ${QUERY_RUNS} times over different windows after a close and reopen.`,
    ],
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const arg = process.argv[2];
  if (arg !== undefined) process.env.BENCH_STORAGE_ROWS = arg.replace(/[_,]/g, '');
  console.log(sectionMarkdown(await runStorage()));
}
