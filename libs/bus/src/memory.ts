import { onScrape } from '@sentinel/observability';
import type { Bus, ConsumeOptions, ConsumedRecord, Consumer, OutgoingRecord, Topic } from './topic.js';
import { partitionFor } from './topic.js';
import { ConsumerLagGauge } from './lag.js';
import { withTraceContext } from './tracing.js';

const MAX_BATCH = 500;
const RETRY_DELAY_MS = 100;

interface GroupState {
  committed: number[];
  member: MemoryConsumer | null;
  lag: ConsumerLagGauge;
}

/**
 * An in-process topic with Kafka's semantics where they matter: keyed partitions with per-partition order,
 * consumer groups with committed offsets, redelivery of a batch whose handler failed. Records are kept
 * until every group has committed past them.
 */
class MemoryTopic implements Topic {
  readonly logs: ConsumedRecord[][];
  /** Offset of logs[p][0]: records below it were trimmed after every group committed them. */
  readonly base: number[];
  readonly groups = new Map<string, GroupState>();

  constructor(
    readonly name: string,
    readonly partitions: number,
  ) {
    this.logs = Array.from({ length: partitions }, () => []);
    this.base = new Array<number>(partitions).fill(0);
  }

  async publish(records: OutgoingRecord[]): Promise<void> {
    for (const r of withTraceContext(records)) {
      const partition = partitionFor(r.key, this.partitions);
      const log = this.logs[partition]!;
      const offset = this.base[partition]! + log.length;
      log.push({ key: r.key, value: r.value, headers: r.headers ?? {}, partition, offset: String(offset) });
    }
    for (const g of this.groups.values()) g.member?.wake();
  }

  async consume(options: ConsumeOptions): Promise<Consumer> {
    let group = this.groups.get(options.group);
    if (!group) {
      const start = options.fromBeginning === false ? this.logs.map((l, p) => this.base[p]! + l.length) : [...this.base];
      group = { committed: start, member: null, lag: new ConsumerLagGauge(options.lagLabel ?? options.group, this.name) };
      this.groups.set(options.group, group);
    }
    if (group.member) throw new Error(`group ${options.group} already has a consumer on ${this.name} (the in-memory bus has one member per group)`);
    const consumer = new MemoryConsumer(this, group, options);
    group.member = consumer;
    await consumer.start();
    return consumer;
  }

  /** Sets each group's lag per partition: what was published and not yet committed. */
  reportLag(): void {
    for (const g of this.groups.values()) for (let p = 0; p < this.partitions; p++) g.lag.set(p, this.base[p]! + this.logs[p]!.length - g.committed[p]!);
  }

  trim(): void {
    for (let p = 0; p < this.partitions; p++) {
      let low = Infinity;
      for (const g of this.groups.values()) low = Math.min(low, g.committed[p]!);
      const drop = low - this.base[p]!;
      if (drop > 0 && Number.isFinite(drop)) {
        this.logs[p]!.splice(0, drop);
        this.base[p] = low;
      }
    }
  }
}

class MemoryConsumer implements Consumer {
  private position: number[] = [];
  private running = true;
  private loop: Promise<void> = Promise.resolve();
  private waiter: (() => void) | null = null;

  constructor(
    private readonly topic: MemoryTopic,
    private readonly group: GroupState,
    private readonly options: ConsumeOptions,
  ) {}

  async start(): Promise<void> {
    const all = Array.from({ length: this.topic.partitions }, (_, p) => p);
    const resume = (await this.options.onAssign?.(all)) ?? new Map<number, string>();
    this.position = all.map((p) => {
      const from = resume.get(p);
      // Like Kafka's auto.offset.reset=earliest: an offset already trimmed resumes at the oldest record kept.
      return Math.max(this.topic.base[p]!, from === undefined ? this.group.committed[p]! : Number(from));
    });
    this.loop = this.run();
  }

  wake(): void {
    const w = this.waiter;
    this.waiter = null;
    w?.();
  }

  private async run(): Promise<void> {
    while (this.running) {
      let delivered = false;
      let failed = false;
      for (let p = 0; p < this.topic.partitions && this.running; p++) {
        const log = this.topic.logs[p]!;
        const from = this.position[p]! - this.topic.base[p]!;
        if (from >= log.length) continue;
        const records = log.slice(from, from + MAX_BATCH);
        const next = this.position[p]! + records.length;
        try {
          await this.options.handler({ topic: this.topic.name, partition: p, records, nextOffset: String(next) });
          this.position[p] = next;
          this.group.committed[p] = Math.max(this.group.committed[p]!, next);
          delivered = true;
        } catch {
          failed = true;
          // Redelivered on the next pass; the pause keeps a failing handler from spinning the CPU.
          await new Promise((r) => setTimeout(r, RETRY_DELAY_MS));
        }
      }
      if (delivered) this.topic.trim();
      else if (this.running && !failed) await new Promise<void>((resolve) => (this.waiter = resolve));
    }
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.wake();
    await this.loop;
    await this.options.onRevoke?.(Array.from({ length: this.topic.partitions }, (_, p) => p));
    this.group.member = null;
  }
}

export class MemoryBus implements Bus {
  private readonly topics = new Map<string, MemoryTopic>();
  /** Consumer lag is computed when /metrics is scraped: it costs nothing per record. */
  private readonly unregisterLag = onScrape.consumerLag(() => {
    for (const t of this.topics.values()) t.reportLag();
  });

  constructor(private readonly partitions = 12) {}

  topic(name: string): Topic {
    let t = this.topics.get(name);
    if (!t) {
      t = new MemoryTopic(name, this.partitions);
      this.topics.set(name, t);
    }
    return t;
  }

  /** Records published but not yet committed by every group: the in-memory equivalent of consumer lag. */
  lag(name: string): number {
    const t = this.topics.get(name);
    if (!t) return 0;
    let lag = 0;
    for (const g of t.groups.values()) for (let p = 0; p < t.partitions; p++) lag += t.base[p]! + t.logs[p]!.length - g.committed[p]!;
    return lag;
  }

  async check(): Promise<void> {}

  async close(): Promise<void> {
    const stops: Promise<void>[] = [];
    for (const t of this.topics.values()) for (const g of t.groups.values()) if (g.member) stops.push(g.member.stop());
    await Promise.all(stops);
    this.unregisterLag();
    for (const t of this.topics.values()) for (const g of t.groups.values()) g.lag.forget();
  }
}
