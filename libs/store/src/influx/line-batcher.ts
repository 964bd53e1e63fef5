export interface LineBatcherOptions {
  /** Most lines one write carries; reaching it starts a write at once. */
  batchSize: number;
  /** Longest a line waits for its batch to fill before it is written anyway. */
  flushIntervalMs: number;
}

interface Waiter {
  /** Lines of this caller not yet written. */
  remaining: number;
  settled: boolean;
  resolve(): void;
  reject(e: unknown): void;
}

interface Pending {
  lines: readonly string[];
  waiter: Waiter;
}

/**
 * Gathers line-protocol lines from many callers into writes of up to batchSize lines, sent when a batch is
 * full or its oldest line has waited flushIntervalMs. One write runs at a time. A caller's promise resolves
 * only when every one of its lines is written (a large call may span several writes) and rejects with the
 * first failed write that carried any of them, so a consumer that commits offsets after it never commits
 * an unwritten record.
 */
export class LineBatcher {
  private readonly queue: Pending[] = [];
  private queued = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private draining: Promise<void> | null = null;
  /** Set when the oldest line has waited long enough (or on flush): write even a partial batch. */
  private due = false;

  constructor(
    private readonly write: (lines: string[]) => Promise<void>,
    private readonly options: LineBatcherOptions,
  ) {
    if (!Number.isSafeInteger(options.batchSize) || options.batchSize < 1) throw new RangeError('batchSize must be a whole number >= 1');
    if (!(options.flushIntervalMs >= 0)) throw new RangeError('flushIntervalMs must be >= 0');
  }

  add(lines: readonly string[]): Promise<void> {
    if (lines.length === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ lines, waiter: { remaining: lines.length, settled: false, resolve, reject } });
      this.queued += lines.length;
      this.schedule();
    });
  }

  /** Writes everything queued now; resolves when the queue is empty and no write runs (failures included). */
  async flush(): Promise<void> {
    if (this.queue.length > 0) {
      this.due = true;
      this.kick();
    }
    while (this.draining) await this.draining;
  }

  /** Lines waiting for a write. */
  size(): number {
    return this.queued;
  }

  private schedule(): void {
    if (this.queued >= this.options.batchSize) this.kick();
    else this.timer ??= setTimeout(() => {
      this.timer = null;
      this.due = true;
      this.kick();
    }, this.options.flushIntervalMs);
  }

  private kick(): void {
    this.draining ??= this.drain().finally(() => {
      this.draining = null;
      if (this.queue.length > 0) this.schedule();
    });
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0 && (this.due || this.queued >= this.options.batchSize)) {
      const { lines, shares } = this.take();
      if (this.queue.length === 0) this.idle();
      try {
        await this.write(lines);
        for (const [w, n] of shares) {
          w.remaining -= n;
          if (w.remaining === 0) settle(w, () => w.resolve());
        }
      } catch (e) {
        for (const w of shares.keys()) settle(w, () => w.reject(e));
      }
    }
  }

  /** Takes up to batchSize lines from the head of the queue, splitting a large caller's lines if needed. */
  private take(): { lines: string[]; shares: Map<Waiter, number> } {
    const lines: string[] = [];
    const shares = new Map<Waiter, number>();
    while (this.queue.length > 0 && lines.length < this.options.batchSize) {
      const head = this.queue[0]!;
      const room = this.options.batchSize - lines.length;
      const part = head.lines.length <= room ? head.lines : head.lines.slice(0, room);
      if (part === head.lines) this.queue.shift();
      else head.lines = head.lines.slice(room);
      for (const line of part) lines.push(line);
      shares.set(head.waiter, (shares.get(head.waiter) ?? 0) + part.length);
    }
    this.queued -= lines.length;
    return { lines, shares };
  }

  private idle(): void {
    this.due = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}

function settle(w: Waiter, fn: () => void): void {
  if (w.settled) return;
  w.settled = true;
  fn();
}
