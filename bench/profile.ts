/**
 * CPU profile of every app process on the end-to-end path at a rate near saturation: the apps run with
 * `--cpu-prof`, the raw-topic generator feeds them at BENCH_PROFILE_RATE events/s for BENCH_PROFILE_S
 * seconds after the warm-up, then they stop gracefully (which writes the profiles). Only the samples taken
 * inside the measured window count: start-up, warm-up and shutdown are left out. Prints, per app, the CPU it
 * used and the top functions by self time, and the same grouped by package or library.
 *
 *   node --import tsx bench/profile.ts          (profiles kept in .cache/bench-profiles/<time>/)
 *
 * Env: BENCH_PROFILE_RATE (default: the last results.json's highest sustained raw rate, else 5,000),
 * BENCH_PROFILE_S (30), BENCH_PROFILE_TOP (15), BENCH_E2E_PAIRS (1,000), BENCH_E2E_WARMUP (120).
 */
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { PipelineRig } from './e2e.js';
import { sleep } from './lib/options.js';
import { rssBytes } from './lib/services.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));

interface CpuProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  children?: number[];
}

export interface CpuProfile {
  nodes: CpuProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface HotSpot {
  name: string;
  where: string;
  /** For native and node-internal frames: the nearest caller in Sentinel's code or a package. */
  via?: string;
  selfMs: number;
  /** Share of the process's busy (non-idle) time in the window. */
  percent: number;
}

export interface AppProfile {
  app: string;
  pid: number;
  windowSeconds: number;
  /** CPU time of the whole process (/proc/<pid>/stat utime + stime) over the window: 1.0 = one core all the time. */
  cores: number;
  /** The same CPU by thread name, busiest first. */
  threads: Array<{ name: string; cores: number }>;
  rssBytes: number;
  top: HotSpot[];
  groups: HotSpot[];
}

/** Where a frame's code lives: a package, a Sentinel library or app, node's internals, or V8's pseudo-frames. */
function groupOf(url: string, name: string): string {
  if (!url) return name.startsWith('(') ? name : '(native)';
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm) return nm[1]!;
  const own = /\/(libs|apps)\/([^/]+)\//.exec(url);
  if (own) return `${own[1]}/${own[2]}`;
  if (url.startsWith('node:')) return 'node: internals';
  return url;
}

function shortUrl(url: string, line: number): string {
  if (!url) return '';
  const rel = url.replace(pathToFileURL(ROOT).href, '').replace(/^.*node_modules\//, '');
  // tsx compiles each TypeScript module onto few lines: a line number there says nothing.
  return rel.endsWith('.ts') ? rel : `${rel}:${line + 1}`;
}

/** Code of Sentinel or of a package, as opposed to node's internals, natives and V8's pseudo-frames. */
const isUserCode = (url: string) => url.startsWith('file:');

/**
 * Self time per function and per group, of the samples between `fromUs` and `toUs` (V8's monotonic clock,
 * µs). Percentages are of the samples that were not idle; under contention a sample may stand for time the
 * thread waited for a core, so the shares, not the absolute times, are what to read.
 */
export function summarise(profile: CpuProfile, fromUs: number, toUs: number, top: number): { busyMs: number; top: HotSpot[]; groups: HotSpot[] } {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  /** The nearest ancestor frame in user code, as "name file:line". */
  const via = (id: number): string | undefined => {
    for (let at = parent.get(id); at !== undefined; at = parent.get(at)) {
      const f = byId.get(at)!.callFrame;
      if (isUserCode(f.url)) return `${f.functionName || '(anonymous)'} ${shortUrl(f.url, f.lineNumber)}`;
    }
    return undefined;
  };
  const fn = new Map<string, { name: string; where: string; via?: string; us: number }>();
  const groups = new Map<string, number>();
  let t = profile.startTime;
  let busy = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i] ?? 0;
    if (t < fromUs || t > toUs) continue;
    // A sample stands for the time until the next one.
    const dt = profile.timeDeltas[i + 1] ?? 0;
    const node = byId.get(profile.samples[i]!);
    if (!node) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    if (functionName === '(idle)') continue;
    busy += dt;
    const name = functionName || '(anonymous)';
    // Natives and node internals are split by the user code that called them (writeBuffer from a Kafka socket or a Redis one).
    const caller = isUserCode(url) || name.startsWith('(') ? undefined : via(node.id);
    const key = `${name} ${url}:${lineNumber} ${caller ?? ''}`;
    const f = fn.get(key) ?? { name, where: shortUrl(url, lineNumber), via: caller, us: 0 };
    f.us += dt;
    fn.set(key, f);
    const g = groupOf(url, name);
    groups.set(g, (groups.get(g) ?? 0) + dt);
  }
  const pct = (us: number) => Math.round((1000 * us) / Math.max(1, busy)) / 10;
  return {
    busyMs: busy / 1000,
    top: [...fn.values()]
      .sort((a, b) => b.us - a.us)
      .slice(0, top)
      .map((f) => ({ name: f.name, where: f.where, via: f.via, selfMs: Math.round(f.us / 1000), percent: pct(f.us) })),
    groups: [...groups]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([g, us]) => ({ name: g, where: '', selfMs: Math.round(us / 1000), percent: pct(us) })),
  };
}

async function defaultRate(): Promise<number> {
  try {
    const results = JSON.parse(await readFile(join(ROOT, 'bench/results.json'), 'utf8')) as { sections: Array<{ id: string; figures: Array<{ key: string; median: number }> }> };
    const best = results.sections.find((s) => s.id === 'e2e')?.figures.find((f) => f.key === 'max_sustained_raw')?.median;
    if (best && best > 0) return best;
  } catch {
    // no results yet
  }
  return 5_000;
}

const nowUs = () => Number(process.hrtime.bigint() / 1000n);

/** Busy and total jiffies of the whole machine (/proc/stat), to see how close to saturation it ran. */
async function machineJiffies(): Promise<{ busy: number; total: number }> {
  const line = (await readFile('/proc/stat', 'utf8')).split('\n')[0]!.split(/\s+/).slice(1).map(Number);
  const total = line.reduce((a, b) => a + b, 0);
  const idle = (line[3] ?? 0) + (line[4] ?? 0);
  return { busy: total - idle, total };
}

/** The first process whose command line holds `needle`: the brokers, to count their CPU next to the apps'. */
async function pidOf(needle: string): Promise<number | undefined> {
  for (const entry of await readdir('/proc').catch(() => [] as string[])) {
    if (!/^\d+$/.test(entry)) continue;
    const cmd = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    if (cmd.includes(needle)) return Number(entry);
  }
  return undefined;
}

/** utime + stime of a process or thread from its stat file, in seconds. */
async function statCpuSeconds(path: string): Promise<{ name: string; seconds: number }> {
  const stat = await readFile(path, 'utf8').catch(() => '');
  const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields 14 and 15 of the stat file (1-based), counted here from field 3: clock ticks, 100 a second on Linux.
  return { name, seconds: (Number(fields[11]) + Number(fields[12])) / 100 };
}

/**
 * CPU seconds of a process by thread name (/proc/<pid>/task/<tid>/stat): the JavaScript thread is the
 * one named after the process, the others are V8's (GC, compiler), libuv's pool (which runs DuckDB's
 * queries) and native libraries' own threads; only the JavaScript thread shows in a --cpu-prof profile.
 */
async function threadCpu(pid: number): Promise<Map<string, number>> {
  const byName = new Map<string, number>();
  const tids = await readdir(`/proc/${pid}/task`).catch(() => [] as string[]);
  for (const tid of tids) {
    const { name, seconds } = await statCpuSeconds(`/proc/${pid}/task/${tid}/stat`);
    const key = tid === String(pid) ? `${name} (main)` : name.replace(/[\d_-]+$/, '');
    byName.set(key, (byName.get(key) ?? 0) + seconds);
  }
  return byName;
}

/** Thread CPU over the window: `after` minus `before`, per thread name (a thread gone meanwhile is not counted). */
function threadDelta(before: Map<string, number>, after: Map<string, number>): Map<string, number> {
  return new Map([...after].map(([name, s]) => [name, s - (before.get(name) ?? 0)]));
}

async function cpuSeconds(pid: number): Promise<number> {
  return (await statCpuSeconds(`/proc/${pid}/stat`)).seconds;
}

export async function runProfile(): Promise<AppProfile[]> {
  const rate = Number(process.env.BENCH_PROFILE_RATE ?? (await defaultRate()));
  const seconds = Number(process.env.BENCH_PROFILE_S ?? 30);
  const topN = Number(process.env.BENCH_PROFILE_TOP ?? 15);
  const pairs = Number(process.env.BENCH_E2E_PAIRS ?? 1_000);
  const warmup = Number(process.env.BENCH_E2E_WARMUP ?? 120);
  const dir = join(ROOT, '.cache/bench-profiles', new Date().toISOString().replace(/[:.]/g, '-'));
  await mkdir(dir, { recursive: true });
  const rig = new PipelineRig({ pairs, detection: 1, eventsPerRecord: Number(process.env.BENCH_RAW_EVENTS_PER_RECORD ?? 500), lingerMs: Number(process.env.BENCH_RAW_LINGER_MS ?? 100), nodeFlags: ['--cpu-prof', `--cpu-prof-dir=${dir}`], namespaceTag: 'prof' });
  let window: [number, number];
  const pids = new Map<number, string>();
  const rss = new Map<number, number>();
  const cpu = new Map<number, number>();
  const threads = new Map<number, Map<string, number>>();
  let machineCores = Number.NaN;
  try {
    await rig.start();
    for (const p of rig.processes.procs) if (p.pid) pids.set(p.pid, p.app);
    console.error(`profile: warm-up (${warmup} events × ${pairs} pairs)`);
    await rig.warmUp(warmup);
    console.error(`profile: ${rate.toLocaleString('en-US')} events/s for ${seconds} s`);
    const step = rig.step('raw', rate, 0, seconds, 60);
    await sleep(1_000);
    const broker = await pidOf('kafka.Kafka');
    if (broker) pids.set(broker, 'kafka broker (JVM)');
    const redis = await pidOf('redis-server');
    if (redis) pids.set(redis, 'redis-server');
    pids.set(process.pid, 'bench (load generator, lag monitor)');
    for (const pid of pids.keys()) cpu.set(pid, await cpuSeconds(pid));
    for (const pid of pids.keys()) threads.set(pid, await threadCpu(pid));
    const m0 = await machineJiffies();
    const from = nowUs();
    await sleep((seconds - 1) * 1_000);
    window = [from, nowUs()];
    const m1 = await machineJiffies();
    machineCores = (cpus().length * (m1.busy - m0.busy)) / Math.max(1, m1.total - m0.total);
    for (const pid of pids.keys()) cpu.set(pid, (await cpuSeconds(pid)) - cpu.get(pid)!);
    for (const pid of pids.keys()) threads.set(pid, threadDelta(threads.get(pid)!, await threadCpu(pid)));
    for (const pid of pids.keys()) rss.set(pid, await rssBytes(pid));
    const s = await step;
    console.error(`profile: ${s.why}; achieved ${Math.round(s.load.achievedRate).toLocaleString('en-US')}/s`);
  } finally {
    await rig.close();
  }
  const out: AppProfile[] = [];
  for (const file of (await readdir(dir)).filter((f) => f.endsWith('.cpuprofile'))) {
    const [, pidText, tid] = /\.(\d+)\.(\d+)\.\d+\.cpuprofile$/.exec(file) ?? [];
    const pid = Number(pidText);
    // Thread 0 is the app; the other thread node profiles is a helper's (a worker) that idles here.
    if (tid !== '0') continue;
    const app = pids.get(pid) ?? `pid ${pid}`;
    const profile = JSON.parse(await readFile(join(dir, file), 'utf8')) as CpuProfile;
    const s = summarise(profile, window[0], window[1], topN);
    const windowSeconds = (window[1] - window[0]) / 1e6;
    const byThread = [...(threads.get(pid) ?? [])].filter(([, sec]) => sec > 0).sort((a, b) => b[1] - a[1]).map(([name, sec]) => ({ name, cores: Math.round((100 * sec) / windowSeconds) / 100 }));
    out.push({ app, pid, windowSeconds, cores: Math.round((100 * (cpu.get(pid) ?? Number.NaN)) / windowSeconds) / 100, threads: byThread, rssBytes: rss.get(pid) ?? Number.NaN, top: s.top, groups: s.groups });
  }
  out.sort((a, b) => a.app.localeCompare(b.app));
  const windowSeconds = (window[1] - window[0]) / 1e6;
  const perProcess = [...pids].map(([pid, app]) => ({ app, pid, cores: Math.round((100 * (cpu.get(pid) ?? Number.NaN)) / windowSeconds) / 100 }));
  await writeFile(join(dir, 'summary.json'), JSON.stringify({ rate, seconds, pairs, machineCores, perProcess, apps: out }, null, 2));
  console.log(`\nProfiles at ${rate.toLocaleString('en-US')} events/s (raw topic), ${pairs.toLocaleString('en-US')} pairs; CPU = utime + stime over the ${windowSeconds.toFixed(1)} s window.\n`);
  console.log('| process | cores of CPU |\n| --- | ---: |');
  for (const p of perProcess) console.log(`| ${p.app} | ${p.cores} |`);
  console.log(`| the whole machine (every process, /proc/stat) | ${machineCores.toFixed(2)} of ${cpus().length} |`);
  for (const p of out) {
    console.log(`\n### ${p.app} (pid ${p.pid}): ${p.cores} cores of CPU over ${p.windowSeconds.toFixed(1)} s, RSS ${Math.round(p.rssBytes / 2 ** 20)} MiB\n`);
    console.log(`By thread: ${p.threads.map((t) => `${t.name} ${t.cores}`).join(', ')}\n`);
    console.log('| function | where (caller in user code, for natives) | self ms | % of samples |\n| --- | --- | ---: | ---: |');
    for (const h of p.top) console.log(`| ${h.name} | ${h.via ? `← ${h.via}` : h.where} | ${h.selfMs} | ${h.percent} |`);
    console.log('\n| package / library | self ms | % of samples |\n| --- | ---: | ---: |');
    for (const g of p.groups) console.log(`| ${g.name} | ${g.selfMs} | ${g.percent} |`);
  }
  console.error(`profiles and summary.json in ${dir}`);
  return out;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await runProfile();
