import { readFile, rename, writeFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type {
  AlertState,
  AuditEntry,
  AuditLog,
  AuditQuery,
  Delivery,
  DeliveryChannel,
  DeliveryQuery,
  DeliveryState,
  DueGroup,
  GroupState,
  GroupedAlert,
  KeyedCollection,
  Silence,
  Subscription,
} from './alert-state.js';
import { MemoryDedupState } from './memory-dedup.js';

export interface MemoryAlertStateOptions {
  /** A JSON file the state is saved to after changes and loaded from at start; none keeps it in memory only. */
  path?: string;
  /** Finished (delivered or dead) deliveries kept in the log. */
  maxLogEntries?: number;
  maxAuditEntries?: number;
}

interface Saved {
  subscriptions: Subscription[];
  silences: Silence[];
  deliveries: Delivery[];
  groups: Array<[string, Group]>;
  audit: AuditEntry[];
}

/** Saving waits this long after a change, so a burst of changes is one write. */
const SAVE_DELAY_MS = 100;

/**
 * Alert state of one-process mode: in memory, saved to a JSON file (written to a temporary file and
 * renamed, so a crash leaves the previous version) shortly after every change and on close.
 */
export class MemoryAlertState implements AlertState {
  readonly subscriptions: MapCollection<Subscription>;
  readonly silences: MapCollection<Silence>;
  readonly dedup = new MemoryDedupState();
  readonly groups: MemoryGroupState;
  readonly deliveries: MemoryDeliveryState;
  readonly audit: MemoryAuditLog;
  private saveTimer: NodeJS.Timeout | null = null;
  private saving: Promise<void> = Promise.resolve();
  /** Why the last save failed; the next change tries again, and until one succeeds check() reports it. */
  private saveError: Error | null = null;

  constructor(private readonly options: MemoryAlertStateOptions = {}, saved?: Saved) {
    const changed = () => this.scheduleSave();
    this.subscriptions = new MapCollection(changed, saved?.subscriptions);
    this.silences = new MapCollection(changed, saved?.silences);
    this.groups = new MemoryGroupState(changed, saved?.groups);
    this.deliveries = new MemoryDeliveryState(changed, options.maxLogEntries ?? 10_000, saved?.deliveries);
    this.audit = new MemoryAuditLog(changed, options.maxAuditEntries ?? 100_000, saved?.audit);
  }

  /** Loads the saved state at `options.path`, if there is one. */
  static async open(options: MemoryAlertStateOptions = {}): Promise<MemoryAlertState> {
    if (!options.path) return new MemoryAlertState(options);
    let saved: Saved | undefined;
    try {
      saved = JSON.parse(await readFile(options.path, 'utf8')) as Saved;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw new Error(`cannot read the alert state in ${options.path}: ${(e as Error).message}`);
    }
    return new MemoryAlertState(options, saved);
  }

  async check(): Promise<void> {
    await this.saving;
    if (this.saveError) throw new Error(`cannot save the alert state to ${this.options.path}: ${this.saveError.message}`);
  }

  async close(): Promise<void> {
    if (this.saveTimer) {
      clearTimeout(this.saveTimer);
      this.saveTimer = null;
      this.save();
    }
    await this.saving;
  }

  private scheduleSave(): void {
    if (!this.options.path || this.saveTimer) return;
    this.saveTimer = setTimeout(() => {
      this.saveTimer = null;
      this.save();
    }, SAVE_DELAY_MS);
  }

  private save(): void {
    const path = this.options.path;
    if (!path) return;
    const saved: Saved = {
      subscriptions: this.subscriptions.values(),
      silences: this.silences.values(),
      deliveries: this.deliveries.values(),
      groups: this.groups.entries(),
      audit: this.audit.values(),
    };
    const body = JSON.stringify(saved);
    this.saving = this.saving.then(async () => {
      try {
        await mkdir(dirname(path), { recursive: true });
        await writeFile(`${path}.tmp`, body);
        await rename(`${path}.tmp`, path);
        this.saveError = null;
      } catch (e) {
        this.saveError = e as Error;
      }
    });
  }
}

const copy = <T>(v: T): T => structuredClone(v);

class MapCollection<T extends { id: string }> implements KeyedCollection<T> {
  private readonly map = new Map<string, T>();

  constructor(
    private readonly changed: () => void,
    saved: T[] = [],
  ) {
    for (const v of saved) this.map.set(v.id, v);
  }

  values(): T[] {
    return [...this.map.values()];
  }

  async list(): Promise<T[]> {
    return this.values().map(copy);
  }

  async get(id: string): Promise<T | null> {
    const v = this.map.get(id);
    return v ? copy(v) : null;
  }

  async put(value: T): Promise<void> {
    this.map.set(value.id, copy(value));
    this.changed();
  }

  async delete(id: string): Promise<boolean> {
    const deleted = this.map.delete(id);
    if (deleted) this.changed();
    return deleted;
  }
}

interface Group {
  alerts: GroupedAlert[];
  flushAt: number;
  lastFlushAt: number | null;
}

class MemoryGroupState implements GroupState {
  private readonly groups: Map<string, Group>;

  constructor(
    private readonly changed: () => void,
    saved: Array<[string, Group]> = [],
  ) {
    this.groups = new Map(saved);
  }

  entries(): Array<[string, Group]> {
    return [...this.groups.entries()];
  }

  async add(key: string, alert: GroupedAlert, nowMs: number, waitMs: number, intervalMs: number): Promise<void> {
    let group = this.groups.get(key);
    if (group && group.alerts.length === 0 && group.lastFlushAt !== null && nowMs - group.lastFlushAt > intervalMs) group = undefined;
    if (!group) {
      group = { alerts: [], flushAt: nowMs + waitMs, lastFlushAt: null };
      this.groups.set(key, group);
    }
    if (group.alerts.some((a) => a.alertId === alert.alertId)) return;
    group.alerts.push(copy(alert));
    this.changed();
  }

  async due(nowMs: number, limit: number): Promise<DueGroup[]> {
    return [...this.groups.entries()]
      .filter(([, g]) => g.alerts.length > 0 && g.flushAt <= nowMs)
      .sort((a, b) => a[1].flushAt - b[1].flushAt)
      .slice(0, limit)
      .map(([key, g]) => ({ key, alerts: copy(g.alerts) }));
  }

  async ack(key: string, alertIds: readonly string[], nowMs: number, intervalMs: number): Promise<void> {
    const group = this.groups.get(key);
    if (!group) return;
    const acked = new Set(alertIds);
    group.alerts = group.alerts.filter((a) => !acked.has(a.alertId));
    group.lastFlushAt = nowMs;
    group.flushAt = nowMs + intervalMs;
    this.changed();
  }
}

class MemoryDeliveryState implements DeliveryState {
  private readonly all = new Map<string, Delivery>();
  /** Ids of the delivered and dead ones, oldest first: the log forgets from the front in O(1). */
  private readonly finished = new Set<string>();

  constructor(
    private readonly changed: () => void,
    private readonly maxLogEntries: number,
    saved: Delivery[] = [],
  ) {
    for (const d of saved) this.keep(d);
  }

  values(): Delivery[] {
    return [...this.all.values()];
  }

  async enqueue(deliveries: readonly Delivery[]): Promise<void> {
    let added = false;
    for (const d of deliveries) {
      if (this.all.has(d.id)) continue;
      this.keep(copy(d));
      added = true;
    }
    if (added) this.changed();
  }

  async claim(channel: DeliveryChannel, nowMs: number, limit: number, leaseMs: number): Promise<Delivery[]> {
    const due: Delivery[] = [];
    for (const d of this.all.values()) {
      if (d.status === 'pending' && d.channel === channel && d.nextAttemptAt !== null && d.nextAttemptAt <= nowMs) due.push(d);
    }
    const claimed = earliest(due, limit);
    for (const d of claimed) d.nextAttemptAt = nowMs + leaseMs;
    return claimed.map(copy);
  }

  async update(delivery: Delivery): Promise<void> {
    this.all.delete(delivery.id);
    this.finished.delete(delivery.id);
    this.keep(copy(delivery));
    this.changed();
  }

  async get(id: string): Promise<Delivery | null> {
    const d = this.all.get(id);
    return d ? copy(d) : null;
  }

  async list(query: DeliveryQuery): Promise<Delivery[]> {
    const out: Delivery[] = [];
    const values = [...this.all.values()].sort((a, b) => b.createdAt - a.createdAt);
    for (const d of values) {
      if (out.length >= query.limit) break;
      if ((query.target === undefined || d.target === query.target) && (query.status === undefined || d.status === query.status)) out.push(copy(d));
    }
    return out;
  }

  /**
   * Adds a delivery and forgets the oldest finished ones beyond the log's size, from `finished`: a search
   * of `all` would pass every pending delivery on each update, quadratic in a backlog.
   */
  private keep(d: Delivery): void {
    this.all.set(d.id, d);
    if (d.status === 'pending') return;
    this.finished.add(d.id);
    for (const id of this.finished) {
      if (this.finished.size <= this.maxLogEntries) break;
      this.finished.delete(id);
      this.all.delete(id);
    }
  }
}

/**
 * The `limit` deliveries of `due` with the earliest next attempt, in that order (ties in the order of
 * `due`), in O(n log limit): a bounded max-heap of the best so far, instead of sorting a whole backlog
 * on every claim (a claim takes `limit` of them, so a backlog of n cost n/limit sorts of n).
 */
function earliest(due: Delivery[], limit: number): Delivery[] {
  const heap: Array<readonly [Delivery, number]> = [];
  const later = (i: number, j: number) => byAttempt(heap[i]!, heap[j]!) > 0;
  const swap = (i: number, j: number) => ([heap[i], heap[j]] = [heap[j]!, heap[i]!]);
  for (let k = 0; k < due.length; k++) {
    const item = [due[k]!, k] as const;
    if (heap.length < limit) {
      heap.push(item);
      for (let i = heap.length - 1; i > 0 && later(i, (i - 1) >> 1); i = (i - 1) >> 1) swap(i, (i - 1) >> 1);
    } else if (byAttempt(item, heap[0]!) < 0) {
      heap[0] = item;
      for (let i = 0; ; ) {
        const l = 2 * i + 1;
        const r = l + 1;
        let top = i;
        if (l < heap.length && later(l, top)) top = l;
        if (r < heap.length && later(r, top)) top = r;
        if (top === i) break;
        swap(i, top);
        i = top;
      }
    }
  }
  return heap.sort(byAttempt).map(([d]) => d);
}

function byAttempt(a: readonly [Delivery, number], b: readonly [Delivery, number]): number {
  return a[0].nextAttemptAt! - b[0].nextAttemptAt! || a[1] - b[1];
}

class MemoryAuditLog implements AuditLog {
  private readonly entries: AuditEntry[];

  constructor(
    private readonly changed: () => void,
    private readonly max: number,
    saved: AuditEntry[] = [],
  ) {
    this.entries = saved;
  }

  values(): AuditEntry[] {
    return this.entries;
  }

  async append(entry: AuditEntry): Promise<void> {
    this.entries.push(copy(entry));
    if (this.entries.length > this.max) this.entries.splice(0, this.entries.length - this.max);
    this.changed();
  }

  async list(q: AuditQuery): Promise<AuditEntry[]> {
    const out: AuditEntry[] = [];
    for (let i = this.entries.length - 1; i >= 0 && out.length < q.limit; i--) {
      const e = this.entries[i]!;
      if (q.actor !== undefined && e.actor !== q.actor) continue;
      if (q.action !== undefined && e.action !== q.action) continue;
      if ((q.from !== undefined && e.at < q.from) || (q.to !== undefined && e.at > q.to)) continue;
      out.push(copy(e));
    }
    return out;
  }
}
