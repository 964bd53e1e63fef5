/**
 * Consumer lag of every consumer group of a namespace, from the broker: per (group, topic), the sum over
 * partitions of the log end offset (fetchTopicOffsets) minus the group's committed offset (fetchOffsets).
 * Sentinel's consumers commit after every batch, so this is what each stage still has to do.
 */
import type { Admin } from 'kafkajs';

export interface LagSample {
  /** performance.now() of the sample. */
  at: number;
  /** "group topic" → records not yet committed. */
  lag: Map<string, number>;
  /** topic → sum of the partitions' end offsets (records written so far). */
  written: Map<string, number>;
}

export class LagMonitor {
  private groups: string[] = [];

  constructor(
    private readonly admin: Admin,
    private readonly namespace: string,
    private readonly topics: readonly string[],
    /** Groups of the bench itself, left out. */
    private readonly ignore: readonly string[] = [],
  ) {}

  /** Finds the namespace's groups (call once the apps are up). */
  async discover(): Promise<string[]> {
    const { groups } = await this.admin.listGroups();
    this.groups = groups.map((g) => g.groupId).filter((g) => g.startsWith(this.namespace) && !this.ignore.includes(g));
    return this.groups;
  }

  async sample(): Promise<LagSample> {
    const at = performance.now();
    const ends = new Map<string, Map<number, { high: number; low: number }>>();
    const written = new Map<string, number>();
    await Promise.all(
      this.topics.map(async (t) => {
        const offsets = await this.admin.fetchTopicOffsets(t);
        const byPartition = new Map(offsets.map((o) => [o.partition, { high: Number(o.high), low: Number(o.low) }]));
        ends.set(t, byPartition);
        written.set(t, [...byPartition.values()].reduce((s, o) => s + o.high, 0));
      }),
    );
    const lag = new Map<string, number>();
    await Promise.all(
      this.groups.map(async (groupId) => {
        const committed = await this.admin.fetchOffsets({ groupId, topics: [...this.topics] });
        // The API's live feed starts at the end of the topic (fromBeginning: false): before its first
        // commit it is not behind at all. Every other group starts at the beginning.
        const fromEnd = groupId.includes('sentinel-api-feed');
        for (const { topic, partitions } of committed) {
          if (partitions.every((p) => Number(p.offset) < 0)) {
            // No commit on this topic at all: the group does not consume it, unless it is a pipeline group that has not started yet.
            if (fromEnd || !consumes(groupId, this.namespace, topic)) continue;
          }
          let sum = 0;
          for (const p of partitions) {
            const end = ends.get(topic)?.get(p.partition);
            if (!end) continue;
            const at = Number(p.offset);
            sum += at < 0 ? (fromEnd ? 0 : end.high - end.low) : Math.max(0, end.high - at);
          }
          lag.set(`${groupId.slice(this.namespace.length)} ${topic.slice(this.namespace.length)}`, sum);
        }
      }),
    );
    return { at, lag, written };
  }
}

/** Which topic each of Sentinel's pipeline groups reads (a group with no commit yet still counts as behind on it). */
function consumes(group: string, namespace: string, topic: string): boolean {
  const g = group.slice(namespace.length);
  const t = topic.slice(namespace.length);
  const reads: Record<string, string> = {
    'sentinel-ingestion-raw': 'sentinel.raw.v1',
    'sentinel-detection': 'sentinel.telemetry.v1',
    'sentinel-storage-telemetry': 'sentinel.telemetry.v1',
    'sentinel-storage-anomalies': 'sentinel.anomalies.v1',
    'sentinel-storage-baselines': 'sentinel.baselines.v1',
    'sentinel-alerting': 'sentinel.anomalies.v1',
  };
  return reads[g] === t;
}

export interface LagVerdict {
  /** "group topic" → growth of the lag's floor over the window: min over its last third − min over its first third, records. */
  growth: Record<string, number>;
  /** "group topic" → the largest lag seen in the window, records. */
  max: Record<string, number>;
  /** "group topic" → the growth allowed: half a second of the topic's input, at least `floor` records. */
  allowed: Record<string, number>;
  bounded: boolean;
  /** The groups whose lag grew beyond what is allowed. */
  behind: string[];
}

/**
 * Whether every group kept up over the samples. A lag moves with fetches, batches and bursts (baselines
 * are published every 5 s), so what is judged is its floor: the smallest lag of the window's last third
 * against the smallest of its first third (stretches of at least 6 samples; halves of a short window). A group that keeps up keeps coming back down; one that falls
 * behind by d records/s raises its floor by about d × 2/3 of the window. Allowed: half a second of the
 * topic's input (or `floor` records).
 */
export function judgeLag(samples: readonly LagSample[], floor = 200): LagVerdict {
  const first = samples[0]!;
  const last = samples[samples.length - 1]!;
  const seconds = (last.at - first.at) / 1000;
  const keys = new Set(samples.flatMap((s) => [...s.lag.keys()]));
  const verdict: LagVerdict = { growth: {}, max: {}, allowed: {}, bounded: true, behind: [] };
  // A third of the window, but at least ~6 samples (6 s): baselines arrive in bursts every 5 s, and a
  // stretch shorter than that may hold no trough. Short windows compare halves.
  const third = Math.min(Math.max(1, Math.floor(samples.length / 2)), Math.max(Math.floor(samples.length / 3), 6));
  for (const key of keys) {
    const topic = key.slice(key.indexOf(' ') + 1);
    const written = (s: LagSample) => [...s.written].find(([t]) => t.endsWith(topic))?.[1] ?? 0;
    const inRate = seconds > 0 ? (written(last) - written(first)) / seconds : 0;
    const ys = samples.map((s) => s.lag.get(key) ?? 0);
    const growth = Math.min(...ys.slice(-third)) - Math.min(...ys.slice(0, third));
    const allowed = Math.max(floor, 0.5 * inRate);
    verdict.growth[key] = Math.round(growth);
    verdict.max[key] = Math.max(...ys);
    verdict.allowed[key] = Math.round(allowed);
    if (growth > allowed) {
      verdict.bounded = false;
      verdict.behind.push(key);
    }
  }
  return verdict;
}

/** The total lag of every group, in records. */
export function totalLag(s: LagSample): number {
  let t = 0;
  for (const v of s.lag.values()) t += v;
  return t;
}

/**
 * Whether every group has caught up: the raw-topic ingestion group has nothing left at all (one of its
 * records holds up to a hundred events), and the others hold at most `slack` records between them
 * (baselines are published in bursts every 5 s; a few hundred in flight is no backlog).
 */
export function caughtUp(s: LagSample, slack = 1_000): boolean {
  let rest = 0;
  for (const [key, v] of s.lag) {
    if (key.startsWith('sentinel-ingestion-raw ')) {
      if (v > 0) return false;
    } else rest += v;
  }
  return rest <= slack;
}
