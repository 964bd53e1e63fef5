/**
 * `npm run bench` (`make bench`): every benchmark in turn; prints one markdown report (stdout; progress on
 * stderr) and writes it as bench/results.json. Each figure is the median of BENCH_RUNS runs (default 3)
 * with its spread (min–max), next to its target where the issue sets one.
 *
 *   BENCH_QUICK=1     a short smoke run (small sizes, short windows): its figures are not the real ones
 *   BENCH_RUNS=5      runs per figure
 *   BENCH_ONLY=engine,storage    only these sections (engine, storage, alerting, kafka_raw, e2e, memory)
 *   BENCH_OUT=path    where results.json goes (default bench/results.json)
 *
 * Each section is a module with a run…() function that returns its Section; `node --import tsx
 * bench/<name>.ts` runs one alone. docs/benchmarks.md says what each figure means. Not in the suite, run
 * alone: bench/profile.ts (CPU profiles of the apps), bench/pipeline.ts (`sentinel all` in one process,
 * over HTTP), bench/injection-eval.ts (the prompt-injection rules against their corpus).
 */
import { writeFile } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { runAlerting } from './alerting.js';
import { runE2e } from './e2e.js';
import { runKafkaRaw } from './kafka-raw.js';
import { machine, versions, type Machine, type Versions } from './lib/machine.js';
import { benchOptions, type BenchOptions } from './lib/options.js';
import { figure, sectionMarkdown, target, targetsMarkdown, type Section } from './lib/report.js';
import { runMemory } from './memory.js';
import { runStorage } from './storage.js';

export const SECTIONS = ['engine', 'storage', 'alerting', 'kafka_raw', 'e2e', 'memory'] as const;
export type SectionId = (typeof SECTIONS)[number];
const TARGET_SERIES_UPDATES_PER_CORE = 1_000_000;
const TARGET_RATIO = 0.6;

export interface Results {
  generatedAt: string;
  quick: boolean;
  runs: number;
  durationSeconds: number;
  machine: Machine;
  versions: Versions;
  sections: Section[];
}

/** The detection engine: bench/engine.ts's benchEngine(), as it is, once per run. */
async function runEngine(options: BenchOptions, log: (s: string) => void): Promise<Section> {
  // engine.ts reads BENCH_EVENTS when it loads: set it before the import.
  if (options.quick) process.env.BENCH_EVENTS ??= '100000';
  const { benchEngine } = await import('./engine.js');
  const byLabel = new Map<string, number[]>();
  let headline = '';
  for (let r = 0; r < options.runs; r++) {
    const e = benchEngine();
    headline = e.headline;
    log(`engine run ${r + 1}/${options.runs}: ${e.headline.split(';')[0]}`);
    for (const [label, value] of e.figures) byLabel.set(label, [...(byLabel.get(label) ?? []), value]);
  }
  const slug = (label: string) => label.toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_|_$/g, '');
  const figures = [...byLabel].map(([label, values]) => {
    const headlineFigure = label.startsWith('series updates/s in batches of 5,000 events');
    // The headline (the target's figure) gets a key that does not depend on the series count.
    return figure(headlineFigure ? 'series_updates_per_s' : slug(label), label, unitOf(label), values, headlineFigure ? target('>=', TARGET_SERIES_UPDATES_PER_CORE) : undefined);
  });
  return {
    id: 'engine',
    title: 'Detection engine, one core',
    figures,
    notes: [`Last run: ${headline}`, `${Number(process.env.BENCH_EVENTS ?? 1_000_000).toLocaleString('en-US')} events measured per case (BENCH_EVENTS), median of 5 slices within a run. A telemetry event updates ~7 series; the target is in series updates.`],
  };
}

function unitOf(label: string): string {
  if (label.includes('updates/s')) return 'updates/s';
  if (label.includes('events/s')) return 'events/s';
  if (label.startsWith('ns ')) return 'ns';
  if (label.includes('bytes')) return 'bytes';
  if (label.includes(' ms')) return 'ms';
  if (label.startsWith('anomalies per 1000')) return 'anomalies';
  return label === 'series' ? 'series' : '';
}

/** Sentinel's highest sustained end-to-end rate over the raw kafkajs limit, run by run. */
function ratioFigure(e2e: Section, raw: Section) {
  const best = e2e.figures.find((f) => f.key === 'max_sustained_raw')?.samples ?? [];
  const limit = raw.figures.find((f) => f.key === 'limit')?.samples ?? [];
  const n = Math.min(best.length, limit.length);
  const ratios = Array.from({ length: n }, (_, i) => best[i]! / limit[i]!);
  return figure('ratio_to_raw_kafkajs', 'highest sustained end-to-end events/s ÷ raw kafkajs limit (records/s), run by run', 'ratio', ratios, target('>=', TARGET_RATIO));
}

export function reportMarkdown(r: Results): string {
  const m = r.machine;
  const v = r.versions;
  const head = [
    `## Sentinel benchmarks${r.quick ? ' (BENCH_QUICK smoke run: not the real figures)' : ''}`,
    '',
    `${r.generatedAt}; ${r.runs} run${r.runs > 1 ? 's' : ''} per figure, median and min–max; ${Math.round(r.durationSeconds / 60)} min in all.`,
    '',
    `Machine: ${m.cores} cores, ${m.cpuModel}, ${m.memoryGiB} GiB, Linux ${m.kernel}; load average at the start ${m.loadAverage.join(', ')}.`,
    `Versions: node ${v.node}, kafkajs ${v.kafkajs}, Kafka ${v.kafkaBroker}, DuckDB ${v.duckdb}, RabbitMQ ${v.rabbitmq}, Redis ${v.redis}.`,
  ];
  return [...head, '', ...r.sections.map(sectionMarkdown).flatMap((s) => [s, '']), targetsMarkdown(r.sections)].join('\n');
}

export async function runSuite(options: BenchOptions = benchOptions(), only: readonly SectionId[] = selected(), out = process.env.BENCH_OUT ?? fileURLToPath(new URL('./results.json', import.meta.url))): Promise<Results> {
  const log = (s: string) => console.error(s);
  const t0 = performance.now();
  const results: Results = { generatedAt: new Date().toISOString(), quick: options.quick, runs: options.runs, durationSeconds: 0, machine: await machine(), versions: await versions(), sections: [] };
  const runners: Record<SectionId, () => Promise<Section>> = {
    engine: () => runEngine(options, log),
    storage: () => runStorage(options, log),
    alerting: () => runAlerting(options, log),
    kafka_raw: () => runKafkaRaw(options, log),
    e2e: () => runE2e(options, log),
    memory: () => runMemory(options, log),
  };
  for (const id of SECTIONS) {
    if (!only.includes(id)) continue;
    log(`\n== ${id}`);
    results.sections.push(await runners[id]());
    const e2e = results.sections.find((s) => s.id === 'e2e');
    const raw = results.sections.find((s) => s.id === 'kafka_raw');
    if (e2e && raw && (id === 'e2e' || id === 'kafka_raw') && !e2e.figures.some((f) => f.key === 'ratio_to_raw_kafkajs')) e2e.figures.push(ratioFigure(e2e, raw));
    results.durationSeconds = (performance.now() - t0) / 1000;
    // Written after every section, so a failure late in a long run keeps what was measured.
    await writeFile(out, `${JSON.stringify(results, null, 2)}\n`);
  }
  return results;
}

function selected(): SectionId[] {
  const raw = process.env.BENCH_ONLY;
  if (!raw) return [...SECTIONS];
  const ids = raw.split(',').map((s) => s.trim());
  const unknown = ids.filter((id) => !(SECTIONS as readonly string[]).includes(id));
  if (unknown.length) throw new Error(`BENCH_ONLY: unknown section(s) ${unknown.join(', ')}; known: ${SECTIONS.join(', ')}`);
  return ids as SectionId[];
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const results = await runSuite();
  console.log(reportMarkdown(results));
}
