/**
 * Resident memory of each app at BENCH_MEMORY_SERIES active series (default 100,000).
 *
 * Detection: the series are built offline, windows full (W = 1000: 1,100 events per (service, model) pair,
 * ~9 series a pair: latency, time to first token, prompt/completion/total tokens, cost, error rate, and
 * the rates of finish reasons `length` and `error`), one BaselineShard per partition holding the pairs
 * whose shard key lands there, and saved as the checkpoints the detection process restores on assignment
 * (libs/state RedisCheckpointStore under the key apps/sentinel/src/compose.ts gives it). `sentinel
 * detection` starts, restores them (its `sentinel_active_series` says how many), and its RSS is read from
 * /proc/<pid>/status. The same process's RSS before any checkpoint existed gives the marginal cost.
 * Ingestion, storage and alerting: RSS after traffic that spans every series (BENCH_MEMORY_EVENTS_PER_PAIR
 * events per pair, through the raw topic, waiting up to BENCH_MEMORY_DRAIN_S for every group to catch up),
 * next to detection's after the same traffic.
 *
 *   node --import tsx bench/memory.ts
 */
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import pino from 'pino';
import { TOPICS, shardKey } from '@sentinel/contracts';
import { partitionFor } from '@sentinel/bus';
import { BaselineShard, DetectionConfigSchema } from '@sentinel/detection';
import { RedisCheckpointStore, connectRedis } from '@sentinel/state';
import type { Redis } from 'ioredis';
import { RawTopicLoad } from './lib/load.js';
import { summarise, type CpuProfile } from './profile.js';
import { LagMonitor, caughtUp } from './lib/lag.js';
import { benchOptions, envNumber, sleep, type BenchOptions } from './lib/options.js';
import { Samples, sectionMarkdown, target, type Section } from './lib/report.js';
import { PARTITIONS, REDIS_URL, SentinelServices, cleanupNamespace, ensureBrokers, freshNamespace, kafkaAdmin, metricValue, pipelineTopics, rssBytes } from './lib/services.js';
import { EventSource, makePairs, type Pair } from './lib/traffic.js';
import { SentinelProcess } from '../apps/sentinel/test/process.js';

export const TARGET_BYTES_PER_SERIES = 20 * 1024;
/** Series a pair ends up with here (see above); the shards' own count is what is reported. */
const SERIES_PER_PAIR = 9;
const DETECTION_GROUP = 'sentinel-detection';

/** The checkpoint scope of a namespace, as apps/sentinel/src/compose.ts builds it. */
const checkpointScope = (namespace: string) => `${namespace}${DETECTION_GROUP}:${TOPICS.telemetry}`;

/** Builds the shards (one partition at a time, to keep this process small) and saves them under `namespace`'s checkpoint keys. */
async function buildCheckpoints(redis: Redis, namespace: string, pairs: readonly Pair[], log: (s: string) => void): Promise<{ series: number; bytes: number }> {
  const config = DetectionConfigSchema.parse({});
  const fill = config.window + config.rateWindow;
  const store = new RedisCheckpointStore(redis, checkpointScope(namespace));
  const source = new EventSource(pairs, 5);
  const byPartition = new Map<number, number[]>();
  pairs.forEach((p, i) => {
    const part = partitionFor(shardKey({ service_name: p.service, model: p.model }), PARTITIONS);
    byPartition.set(part, [...(byPartition.get(part) ?? []), i]);
  });
  let series = 0;
  let bytes = 0;
  const batch = new Array(fill);
  const t0 = performance.now();
  const start = Date.now() - 3_600_000;
  for (let part = 0; part < PARTITIONS; part++) {
    const shard = new BaselineShard(config);
    for (const pair of byPartition.get(part) ?? []) {
      for (let i = 0; i < fill; i++) batch[i] = source.nextEvent(start + i * 1000, false, pair);
      shard.observeBatch(batch);
    }
    const snapshot = shard.snapshot();
    await store.save(part, { snapshot, nextOffset: '0' });
    series += shard.seriesCount();
    bytes += snapshot.length;
  }
  log(`  built ${series.toLocaleString('en-US')} full series in ${((performance.now() - t0) / 1000).toFixed(1)} s; checkpoints ${(bytes / 2 ** 20).toFixed(0)} MiB`);
  return { series, bytes };
}

/** Copies the template's checkpoints under another namespace (server-side COPY). */
async function copyCheckpoints(redis: Redis, from: string, to: string): Promise<void> {
  for (let p = 0; p < PARTITIONS; p++) {
    await redis.copy(`sentinel:checkpoint:v1:${checkpointScope(from)}:${p}`, `sentinel:checkpoint:v1:${checkpointScope(to)}:${p}`, 'REPLACE');
  }
}

async function waitFor<T>(probe: () => Promise<T | false>, what: string, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await sleep(250);
  }
}

const nowUs = () => Number(process.hrtime.bigint() / 1000n);

async function printProfile(dir: string, pid: number, window: [number, number]): Promise<void> {
  const file = (await readdir(dir)).find((f) => f.includes(`.${pid}.0.`) && f.endsWith('.cpuprofile'));
  if (!file) return console.error(`no CPU profile of pid ${pid} in ${dir}`);
  const profile = JSON.parse(await readFile(join(dir, file), 'utf8')) as CpuProfile;
  const s = summarise(profile, window[0], window[1], 20);
  console.error(`\ndetection with restored series, while working through the traffic (${((window[1] - window[0]) / 1e6).toFixed(1)} s, ${(s.busyMs / 1000).toFixed(1)} s of samples):`);
  for (const h of s.top) console.error(`  ${h.percent.toFixed(1).padStart(5)} %  ${h.name}  ${h.via ? `<- ${h.via}` : h.where}`);
  for (const g of s.groups) console.error(`  ${g.percent.toFixed(1).padStart(5)} %  [${g.name}]`);
}

export async function runMemory(options: BenchOptions = benchOptions(), log: (s: string) => void = (s) => console.error(s)): Promise<Section> {
  const targetSeries = envNumber('BENCH_MEMORY_SERIES', 100_000, 10_000, options);
  const perPair = envNumber('BENCH_MEMORY_EVENTS_PER_PAIR', 3, 2, options);
  const drainS = envNumber('BENCH_MEMORY_DRAIN_S', 120, 60, options);
  const details: Array<{ namespace: string; drained: boolean; drainSeconds: number; behind: string[] }> = [];
  // BENCH_MEMORY_PROFILE=<dir>: the restored detection process runs with --cpu-prof; its hot spots while it works through the traffic are printed.
  const profileDir = process.env.BENCH_MEMORY_PROFILE;
  let profileWindow: [number, number] = [0, 0];
  let profiledPid: number | undefined;
  await ensureBrokers(['kafka', 'redis']);
  const pairs = makePairs(Math.ceil(targetSeries / SERIES_PER_PAIR), 3, 'mem');
  const redis = await connectRedis({ url: REDIS_URL, logger: pino({ level: 'warn' }) });
  const template = freshNamespace('memtpl');
  const s = new Samples();
  let built = { series: 0, bytes: 0 };
  try {
    built = await buildCheckpoints(redis, template, pairs, log);
    for (let r = 0; r < options.runs; r++) {
      const namespace = freshNamespace('mem');
      const services = await SentinelServices.start({ namespace });
      const admin = kafkaAdmin();
      const load = new RawTopicLoad(namespace + TOPICS.raw, new EventSource(pairs, 9), PARTITIONS, 500);
      let detection: SentinelProcess & { url: string } = services.app('detection');
      try {
        // The detection process as started: no checkpoint in this namespace yet, so it holds nothing.
        await waitFor(async () => (await metricValue(detection.url, 'sentinel_active_series')) === 0 || false, 'an empty detection process', 60_000);
        await sleep(2_000);
        const emptyRss = await rssBytes(detection.pid);
        await detection.stop();
        services.procs.splice(services.procs.indexOf(detection), 1);

        await copyCheckpoints(redis, template, namespace);
        const t0 = performance.now();
        detection = await SentinelProcess.start('detection', services.env, 120_000, profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []);
        services.procs.push(detection);
        const restored = await waitFor(
          async () => {
            const n = await metricValue(detection.url, 'sentinel_active_series');
            return n >= built.series ? n : false;
          },
          `detection to restore ${built.series} series`,
          600_000,
        );
        const restoreS = (performance.now() - t0) / 1000;
        await sleep(3_000);
        const restoredRss = await rssBytes(detection.pid);
        log(`  run ${r + 1}: detection restored ${restored.toLocaleString('en-US')} series in ${restoreS.toFixed(1)} s; RSS ${(restoredRss / 2 ** 20).toFixed(0)} MiB (empty ${(emptyRss / 2 ** 20).toFixed(0)} MiB)`);

        // Traffic over every pair (and so every series), through the raw topic; then until every group has caught up.
        await admin.connect();
        const lag = new LagMonitor(admin, namespace, pipelineTopics(namespace));
        await load.connect();
        await load.burst(perPair * pairs.length);
        await lag.discover();
        const drainT0 = performance.now();
        profileWindow = [nowUs(), 0];
        let sample = await lag.sample();
        while (!caughtUp(sample) && performance.now() - drainT0 < drainS * 1000) {
          await sleep(1_000);
          sample = await lag.sample();
        }
        const drained = caughtUp(sample);
        profileWindow[1] = nowUs();
        profiledPid = detection.pid;
        const behind = [...sample.lag].filter(([, v]) => v > 0).map(([k, v]) => `${k} ${v}`);
        log(`  run ${r + 1}: traffic ${drained ? `drained in ${((performance.now() - drainT0) / 1000).toFixed(1)} s` : `NOT drained after ${drainS} s; behind: ${behind.join(', ')}`}`);
        details.push({ namespace, drained, drainSeconds: (performance.now() - drainT0) / 1000, behind });
        await sleep(3_000);
        const after = await metricValue(detection.url, 'sentinel_active_series');
        const rss = Object.fromEntries(await Promise.all((['ingestion', 'storage', 'alerting'] as const).map(async (a) => [a, await rssBytes(services.app(a).pid)] as const)));
        const detectionAfter = await rssBytes(detection.pid);
        log(`  run ${r + 1}: after ${(perPair * pairs.length).toLocaleString('en-US')} events: ${after.toLocaleString('en-US')} active series; RSS MiB detection ${(detectionAfter / 2 ** 20).toFixed(0)}, ingestion ${(rss.ingestion! / 2 ** 20).toFixed(0)}, storage ${(rss.storage! / 2 ** 20).toFixed(0)}, alerting ${(rss.alerting! / 2 ** 20).toFixed(0)}`);

        const MiB = 2 ** 20;
        s.add('series', 'active series (detection, sentinel_active_series after restore)', 'series', restored);
        s.add('detection_bytes_per_series', 'detection RSS per active series (whole process RSS / series)', 'bytes', restoredRss / restored, target('<=', TARGET_BYTES_PER_SERIES));
        s.add('detection_marginal_bytes_per_series', 'detection RSS per active series above the empty process', 'bytes', (restoredRss - emptyRss) / restored);
        s.add('detection_rss', 'detection RSS, checkpoints restored', 'MiB', restoredRss / MiB);
        s.add('detection_rss_empty', 'detection RSS, no series', 'MiB', emptyRss / MiB);
        s.add('detection_restore_s', 'detection start-up to every series restored', 's', restoreS);
        s.add('detection_rss_after', 'detection RSS after the traffic', 'MiB', detectionAfter / MiB);
        s.add('ingestion_rss', 'ingestion RSS after traffic over every series', 'MiB', rss.ingestion! / MiB);
        s.add('storage_rss', 'storage RSS after traffic over every series (DuckDB in process)', 'MiB', rss.storage! / MiB);
        s.add('alerting_rss', 'alerting RSS after traffic over every series', 'MiB', rss.alerting! / MiB);
      } finally {
        await load.close().catch(() => undefined);
        await admin.disconnect().catch(() => undefined);
        await services.close();
      }
      if (profileDir && profiledPid) await printProfile(profileDir, profiledPid, profileWindow);
    }
  } finally {
    await redis.quit();
    await cleanupNamespace(template);
  }
  return {
    id: 'memory',
    title: `Memory at ${targetSeries.toLocaleString('en-US')} active series`,
    figures: s.figures(),
    notes: [
      `${pairs.length.toLocaleString('en-US')} (service, model) pairs, ${built.series.toLocaleString('en-US')} series with full windows (W = 1000) restored from checkpoints of ${(built.bytes / 2 ** 20).toFixed(0)} MiB; RSS from /proc/<pid>/status (VmRSS), read 3 s after the restore or the traffic settled; ${perPair} events per pair of traffic.`,
      ...details.filter((d) => !d.drained).map((d) => `Traffic NOT drained within ${drainS} s (${d.namespace}): the RSS after traffic was read with these groups behind: ${d.behind.join(', ')}.`),
    ],
    details,
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  console.log(sectionMarkdown(await runMemory()));
}
