/**
 * End to end over the real local Kafka, the apps as separate processes (`sentinel storage`, `alerting`,
 * `detection`, `ingestion`), a fresh namespace per run:
 *
 * - the highest sustained events/s through ingestion → detection → anomalies with storage keeping up: an
 *   open-loop generator feeds the raw topic (`ingestion.rawTopic`, JSON arrays of up to
 *   BENCH_RAW_EVENTS_PER_RECORD events, sent when full or after BENCH_RAW_LINGER_MS) at a fixed rate,
 *   stepped up ×1.5 from BENCH_E2E_START; a rate is sustained when, over the
 *   measurement window, the generator delivered it and the consumer lag of every group of the namespace
 *   (ingestion, detection, storage ×3, alerting, the API's live feed) stayed bounded (its floor, the
 *   minimum over the window's last third against its first third, rose by less than half a second of its
 *   topic's input: lib/lag.ts), and the backlog drained after the step. One bisection step refines the last
 *   sustained rate. The same search over POST /v1/telemetry (JSON batches of 500) gives the HTTP figure.
 * - event → anomaly latency at 1,000 and 10,000 events/s: after a warm-up (BENCH_E2E_WARMUP events per
 *   pair), anomalous events (latency ×30) are injected into the warmed-up series at known send times, and
 *   the bench consumes `sentinel.anomalies.v1` of the namespace and matches each injected event_id: the
 *   latency runs from the moment the generator hands the record to kafkajs to the moment the bench has
 *   the anomaly.
 *
 *   node --import tsx bench/e2e.ts        (BENCH_QUICK=1 for a short smoke run)
 *
 * The searches run first, the latency phases last (10,000/s may overload a small machine).
 *
 * Env: BENCH_RUNS, BENCH_QUICK, BENCH_E2E_PAIRS ((service, model) pairs, ~9 series each), BENCH_E2E_START,
 * BENCH_E2E_MAX, BENCH_E2E_SETTLE_S, BENCH_E2E_WINDOW_S, BENCH_E2E_DETECTION (processes),
 * BENCH_E2E_LATENCY_WINDOW_S, BENCH_E2E_DRAIN_S, BENCH_E2E_WARMUP (events per pair), BENCH_E2E_PHASES
 * (default raw,http,latency), BENCH_RAW_EVENTS_PER_RECORD, BENCH_RAW_LINGER_MS, BENCH_COMPRESSION (none|gzip).
 */
import { pathToFileURL } from 'node:url';
import { Kafka, logLevel, type Admin, type Consumer } from 'kafkajs';
import { TOPICS } from '@sentinel/contracts';
import { caughtUp, judgeLag, LagMonitor, type LagSample, type LagVerdict } from './lib/lag.js';
import { HttpLoad, RawTopicLoad, type LoadResult } from './lib/load.js';
import { benchOptions, envNumber, sleep, type BenchOptions } from './lib/options.js';
import { quantile, Samples, sectionMarkdown, target, type Section } from './lib/report.js';
import { BROKERS, COMPRESSION, PARTITIONS, SentinelServices, ensureBrokers, freshNamespace, kafkaAdmin, pipelineTopics } from './lib/services.js';
import { EventSource, makePairs } from './lib/traffic.js';

export const TARGET_E2E_EVENTS_PER_SECOND = 50_000;
export const TARGET_P99_MS = 50;
const LATENCY_RATES = [1_000, 10_000];
/** Anomalous events per second in the latency phases: ~2 % of the events at 1,000/s, 0.2 % at 10,000/s. */
const INJECT_PER_SECOND = 20;

export interface RigOptions {
  pairs: number;
  detection: number;
  eventsPerRecord: number;
  /** How long the raw-topic generator lets a record fill (default 100 ms). */
  lingerMs?: number;
  nodeFlags?: readonly string[];
  namespaceTag?: string;
}

export interface StepResult {
  path: 'raw' | 'http';
  rate: number;
  load: LoadResult;
  verdict: LagVerdict;
  drained: boolean;
  drainSeconds: number;
  sustained: boolean;
  why: string;
}

/** A running pipeline with its load generators, lag monitor and anomaly listener. */
export class PipelineRig {
  readonly namespace: string;
  private services: SentinelServices | null = null;
  private admin: Admin | null = null;
  private lag: LagMonitor | null = null;
  private anomalies: Consumer | null = null;
  private raw: RawTopicLoad | null = null;
  private http: HttpLoad | null = null;
  readonly source: EventSource;
  /** Injected event id → performance.now() when its send started. */
  private readonly injected = new Map<string, number>();
  /** Injected event id → ms from send to the bench having its first anomaly. */
  private readonly latencies = new Map<string, number>();
  /** Injected event id → ms from send to the anomaly's record timestamp (when detection produced it). */
  private readonly toPublish = new Map<string, number>();

  constructor(private readonly o: RigOptions) {
    this.namespace = freshNamespace(o.namespaceTag ?? 'e2e');
    this.source = new EventSource(makePairs(o.pairs));
  }

  get processes(): SentinelServices {
    return this.services!;
  }

  async start(): Promise<void> {
    this.services = await SentinelServices.start({ namespace: this.namespace, detection: this.o.detection, nodeFlags: this.o.nodeFlags });
    this.admin = kafkaAdmin();
    await this.admin.connect();
    const group = `${this.namespace}bench-anomalies`;
    this.anomalies = new Kafka({ brokers: BROKERS, clientId: 'sentinel-bench-anomalies', logLevel: logLevel.NOTHING }).consumer({ groupId: group, maxWaitTimeInMs: 100 });
    await this.anomalies.connect();
    await this.anomalies.subscribe({ topic: this.namespace + TOPICS.anomalies, fromBeginning: false });
    await this.anomalies.run({
      partitionsConsumedConcurrently: PARTITIONS,
      eachBatch: async ({ batch }) => {
        const at = performance.now();
        for (const m of batch.messages) {
          const v = m.value?.toString('latin1') ?? '';
          const i = v.indexOf('"event_id":"');
          if (i < 0) continue;
          const id = v.slice(i + 12, i + 48);
          const sent = this.injected.get(id);
          if (sent !== undefined && !this.latencies.has(id)) {
            this.latencies.set(id, at - sent);
            this.toPublish.set(id, Number(m.timestamp) - (performance.timeOrigin + sent));
          }
        }
      },
    });
    this.raw = new RawTopicLoad(this.namespace + TOPICS.raw, this.source, PARTITIONS, this.o.eventsPerRecord, this.o.lingerMs ?? 100);
    await this.raw.connect();
    this.http = new HttpLoad(this.services.app('ingestion').url, this.source);
    this.lag = new LagMonitor(this.admin, this.namespace, pipelineTopics(this.namespace), [group]);
    await this.lag.discover();
  }

  /** `perPair` events for every pair as fast as the broker takes them, then until every group has caught up. */
  async warmUp(perPair: number, timeoutMs = 300_000): Promise<number> {
    const t0 = performance.now();
    await this.raw!.burst(perPair * this.source.pairs.length);
    await this.lag!.discover();
    if (!(await this.drain(timeoutMs))) throw new Error(`the warm-up did not drain within ${timeoutMs / 1000} s`);
    await this.lag!.discover();
    return (performance.now() - t0) / 1000;
  }

  /** Waits until no group is behind (two samples in a row); false on timeout. */
  async drain(timeoutMs: number): Promise<boolean> {
    const deadline = performance.now() + timeoutMs;
    let quiet = 0;
    while (performance.now() < deadline) {
      quiet = caughtUp(await this.lag!.sample()) ? quiet + 1 : 0;
      if (quiet >= 2) return true;
      await sleep(250);
    }
    return false;
  }

  /** Lag samples every second from `fromMs` after now until `promise` settles. */
  private async sampleWhile(promise: Promise<unknown>, fromMs: number): Promise<LagSample[]> {
    let done = false;
    void promise.finally(() => (done = true)).catch(() => undefined);
    const samples: LagSample[] = [];
    const start = performance.now() + fromMs;
    await sleep(fromMs);
    while (!done) {
      samples.push(await this.lag!.sample());
      const next = start + samples.length * 1000;
      while (!done && performance.now() < next) await sleep(Math.min(50, next - performance.now()));
    }
    return samples;
  }

  /** One step of the search: the rate for settle + window seconds, lag judged over the window, then drained. */
  async step(path: 'raw' | 'http', rate: number, settleS: number, windowS: number, drainS: number): Promise<StepResult> {
    const run = path === 'raw' ? this.raw!.run(rate, (settleS + windowS) * 1000) : this.http!.run(rate, (settleS + windowS) * 1000);
    const [load, samples] = await Promise.all([run, this.sampleWhile(run, settleS * 1000)]);
    const verdict = samples.length >= 2 ? judgeLag(samples) : { growth: {}, max: {}, allowed: {}, bounded: false, behind: ['(too few lag samples)'] };
    const t0 = performance.now();
    const drained = await this.drain(drainS * 1000);
    const drainSeconds = (performance.now() - t0) / 1000;
    const delivered = load.achievedRate >= 0.98 * rate;
    const why = !delivered
      ? `generator delivered ${Math.round(load.achievedRate)}/s of ${rate}/s`
      : load.failures > 0
        ? `${load.failures} sends failed: ${load.firstError}`
        : !verdict.bounded
          ? `lag grew: ${verdict.behind.map((k) => `${k} +${verdict.growth[k]}`).join(', ')}`
          : !drained
            ? `backlog not drained within ${drainS} s`
            : 'sustained';
    return { path, rate, load, verdict, drained, drainSeconds, sustained: why === 'sustained', why };
  }

  /** Raw-topic load at `rate` with injected anomalies; latencies of the injections sent in the window. */
  async latency(rate: number, settleS: number, windowS: number): Promise<{ sorted: number[]; published: number[]; injected: number; step: Omit<StepResult, 'drained' | 'drainSeconds'> }> {
    const windowStart = performance.now() + settleS * 1000;
    const counted: string[] = [];
    const run = this.raw!.run(rate, (settleS + windowS) * 1000, {
      perSecond: Math.min(INJECT_PER_SECOND, rate / 50),
      onSent: (id, at) => {
        this.injected.set(id, at);
        if (at >= windowStart) counted.push(id);
      },
    });
    const [load, samples] = await Promise.all([run, this.sampleWhile(run, settleS * 1000)]);
    const verdict = samples.length >= 2 ? judgeLag(samples) : { growth: {}, max: {}, allowed: {}, bounded: false, behind: ['(too few lag samples)'] };
    // Stragglers: an anomaly of the window's last events may still be on its way.
    const deadline = performance.now() + 30_000;
    while (performance.now() < deadline && counted.some((id) => !this.latencies.has(id))) await sleep(50);
    const found = counted.filter((id) => this.latencies.has(id));
    const sorted = found.map((id) => this.latencies.get(id)!).sort((a, b) => a - b);
    const published = found.map((id) => this.toPublish.get(id)!).sort((a, b) => a - b);
    const sustained = verdict.bounded && load.achievedRate >= 0.98 * rate && load.failures === 0;
    return { sorted, published, injected: counted.length, step: { path: 'raw', rate, load, verdict, sustained, why: sustained ? 'sustained' : verdict.bounded ? 'generator behind' : `lag grew: ${verdict.behind.join(', ')}` } };
  }

  async close(): Promise<void> {
    await this.anomalies?.disconnect().catch(() => undefined);
    await this.raw?.close().catch(() => undefined);
    await this.admin?.disconnect().catch(() => undefined);
    await this.services?.close();
  }
}

interface SearchResult {
  best: number;
  steps: StepResult[];
}

/** The lowest rate a search steps down to when even its start is not sustained. */
const FLOOR_RATE = 500;

/**
 * ×1.5 steps from `start` until one is not sustained (or `max`), then one bisection step. When `start`
 * itself is not sustained, ÷1.5 steps down until one is (or FLOOR_RATE: then the figure is 0).
 */
async function search(rig: PipelineRig, path: 'raw' | 'http', start: number, max: number, settleS: number, windowS: number, drainS: number, refine: boolean, log: (s: string) => void): Promise<SearchResult> {
  const steps: StepResult[] = [];
  let best = 0;
  let failed = Number.POSITIVE_INFINITY;
  const attempt = async (rate: number) => {
    const s = await rig.step(path, rate, settleS, windowS, drainS);
    steps.push(s);
    log(`  ${path} ${rate.toLocaleString('en-US')}/s: ${s.why} (achieved ${Math.round(s.load.achievedRate).toLocaleString('en-US')}/s, drained in ${s.drainSeconds.toFixed(1)} s)`);
    return s;
  };
  for (let rate = start; rate <= max; rate = Math.round(rate * 1.5)) {
    const s = await attempt(rate);
    if (!s.sustained) {
      failed = rate;
      if (!s.drained) return { best, steps };
      break;
    }
    best = rate;
  }
  if (best === 0) {
    for (let rate = Math.round(start / 1.5); rate >= FLOOR_RATE; rate = Math.round(rate / 1.5)) {
      const s = await attempt(rate);
      if (s.sustained) {
        best = rate;
        break;
      }
      failed = rate;
      if (!s.drained) return { best, steps };
    }
  }
  if (refine && best > 0 && Number.isFinite(failed) && failed / best > 1.15) {
    const rate = Math.round(Math.sqrt(best * failed));
    const s = await attempt(rate);
    if (s.sustained) best = rate;
  }
  return { best, steps };
}

export async function runE2e(options: BenchOptions = benchOptions(), log: (s: string) => void = (s) => console.error(s)): Promise<Section> {
  const pairs = envNumber('BENCH_E2E_PAIRS', 1_000, 200, options);
  const start = envNumber('BENCH_E2E_START', 5_000, 4_000, options);
  const max = envNumber('BENCH_E2E_MAX', 400_000, 6_000, options);
  const settleS = envNumber('BENCH_E2E_SETTLE_S', 5, 2, options);
  const windowS = envNumber('BENCH_E2E_WINDOW_S', 20, 4, options);
  const latencyWindowS = envNumber('BENCH_E2E_LATENCY_WINDOW_S', 30, 5, options);
  const drainS = envNumber('BENCH_E2E_DRAIN_S', 60, 30, options);
  const warmup = envNumber('BENCH_E2E_WARMUP', 120, 60, options);
  const detection = envNumber('BENCH_E2E_DETECTION', 1, 1, options);
  const eventsPerRecord = envNumber('BENCH_RAW_EVENTS_PER_RECORD', 500, 500, options);
  const lingerMs = envNumber('BENCH_RAW_LINGER_MS', 100, 100, options);
  const phases = new Set((process.env.BENCH_E2E_PHASES ?? 'raw,http,latency').split(',').map((x) => x.trim()));
  await ensureBrokers(['kafka', 'redis']);

  const s = new Samples();
  const runs: unknown[] = [];
  for (let r = 0; r < options.runs; r++) {
    log(`e2e run ${r + 1}/${options.runs}: starting storage, alerting, ${detection} detection, ingestion`);
    const rig = new PipelineRig({ pairs, detection, eventsPerRecord, lingerMs });
    try {
      await rig.start();
      const warmS = await rig.warmUp(warmup);
      log(`  warm-up: ${(warmup * pairs).toLocaleString('en-US')} events over ${pairs} pairs in ${warmS.toFixed(1)} s`);
      let rawSearch: SearchResult | null = null;
      if (phases.has('raw')) {
        rawSearch = await search(rig, 'raw', start, max, settleS, windowS, drainS, !options.quick, log);
        s.add('max_sustained_raw', 'highest sustained events/s, raw Kafka topic ingest', 'events/s', rawSearch.best, target('>=', TARGET_E2E_EVENTS_PER_SECOND));
      }
      let httpSearch: SearchResult | null = null;
      if (phases.has('http')) {
        await rig.drain(drainS * 1000);
        httpSearch = await search(rig, 'http', Math.min(start, 5_000), max, settleS, windowS, drainS, !options.quick, log);
        s.add('max_sustained_http', 'highest sustained events/s, HTTP JSON ingest (POST /v1/telemetry, 500 a batch)', 'events/s', httpSearch.best);
      }
      const latency: Record<string, unknown> = {};
      // Last: 10,000/s may be beyond what this machine sustains, and its backlog would weigh on what follows.
      for (const rate of phases.has('latency') ? LATENCY_RATES : []) {
        await rig.drain(drainS * 1000);
        const l = await rig.latency(rate, settleS, latencyWindowS);
        const q = (p: number) => quantile(l.sorted, p);
        const k = `${rate / 1000}k`;
        s.add(`latency_p50_${k}`, `event → anomaly p50 at ${rate.toLocaleString('en-US')} events/s`, 'ms', q(0.5));
        s.add(`latency_p95_${k}`, `event → anomaly p95 at ${rate.toLocaleString('en-US')} events/s`, 'ms', q(0.95));
        s.add(`latency_p99_${k}`, `event → anomaly p99 at ${rate.toLocaleString('en-US')} events/s`, 'ms', q(0.99), rate === 10_000 ? target('<', TARGET_P99_MS) : undefined);
        s.add(`latency_detected_${k}`, `injected anomalies found at ${rate.toLocaleString('en-US')} events/s`, '%', l.injected ? (100 * l.sorted.length) / l.injected : Number.NaN);
        s.add(`latency_sustained_${k}`, `${rate.toLocaleString('en-US')} events/s sustained during the latency window (1 = yes)`, 'bool', l.step.sustained ? 1 : 0);
        const pub = (p: number) => quantile(l.published, p);
        latency[k] = { injected: l.injected, found: l.sorted.length, p50: q(0.5), p95: q(0.95), p99: q(0.99), max: l.sorted[l.sorted.length - 1], toPublishP50: pub(0.5), toPublishP99: pub(0.99), step: l.step };
        log(`  latency at ${rate}/s: ${l.sorted.length}/${l.injected} found, p50 ${q(0.5).toFixed(1)} p95 ${q(0.95).toFixed(1)} p99 ${q(0.99).toFixed(1)} ms; send → anomaly produced p50 ${pub(0.5).toFixed(1)} p99 ${pub(0.99).toFixed(1)} ms (${l.step.why})`);
        if (!(await rig.drain(drainS * 1000))) log(`  (backlog of the ${rate}/s latency phase not drained within ${drainS} s)`);
      }
      runs.push({ namespace: rig.namespace, warmupSeconds: warmS, latency, raw: rawSearch, http: httpSearch });
    } finally {
      await rig.close();
    }
  }
  return {
    id: 'e2e',
    title: 'End to end over Kafka (apps as separate processes)',
    figures: s.figures(),
    notes: [
      `${detection} detection process${detection > 1 ? 'es' : ''}, ${PARTITIONS} partitions, kafka.compression ${COMPRESSION}, ${pairs.toLocaleString('en-US')} (service, model) pairs (~${(pairs * 9).toLocaleString('en-US')} series: latency, time to first token, 3 token counts, cost, error rate, 2 finish-reason rates), warmed up with ${warmup} events each. Phases in this order: raw search, HTTP search, latency at 1,000 then 10,000 events/s, each after the backlog drained.`,
      `Raw-topic load: JSON arrays of up to ${eventsPerRecord} events a record, sent when full or after ${lingerMs} ms, open loop, rates stepped ×1.5 from ${start.toLocaleString('en-US')}/s (÷1.5 down when that is not sustained), one bisection step after the first failure in full runs; settle ${settleS} s, measured ${windowS} s. Sustained = the generator delivered ≥ 98 % of the rate with no failed send, the floor of every group's lag (its minimum over the window's last third against its first third) rose by less than 0.5 s of its topic's input, and the backlog drained within ${drainS} s after.`,
      `Latency: ${INJECT_PER_SECOND} anomalous events/s (latency ×30) for ${latencyWindowS} s after ${settleS} s of settling; from the generator's send to the bench consuming the anomaly.`,
      'The load generator, the lag monitor and the anomaly consumer run in the bench process, on the same cores as the apps and the broker.',
    ],
    details: runs,
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  console.log(sectionMarkdown(await runE2e()));
}
