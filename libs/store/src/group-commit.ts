export interface GroupCommitOptions {
  /** Flush as soon as this many rows wait. */
  batchSize: number;
  /** Flush rows that have waited this long even if the batch is not full. */
  flushIntervalMs: number;
}

interface Waiter {
  resolve: () => void;
  reject: (e: unknown) => void;
}

/**
 * Gathers rows from many callers into few large writes. Each caller's promise settles when the write that
 * carried its rows does, so a caller that commits a Kafka offset after `add` resolves never commits an
 * unwritten row. Writes never overlap: the next one starts when the previous has settled.
 */
export class GroupCommit<T> {
  private rows: T[] = [];
  private waiters: Waiter[] = [];
  private timer: NodeJS.Timeout | null = null;
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly write: (rows: T[]) => Promise<void>,
    private readonly options: GroupCommitOptions,
  ) {}

  add(rows: readonly T[]): Promise<void> {
    if (rows.length === 0) return Promise.resolve();
    for (const row of rows) this.rows.push(row);
    const done = new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject }));
    if (this.rows.length >= this.options.batchSize) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), this.options.flushIntervalMs);
    return done;
  }

  /** Writes whatever waits now; resolves when everything added before the call is written (or failed). */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const rows = this.rows;
    const waiters = this.waiters;
    this.rows = [];
    this.waiters = [];
    if (rows.length === 0) return this.writing;
    this.writing = this.writing.then(async () => {
      try {
        await this.write(rows);
        for (const w of waiters) w.resolve();
      } catch (e) {
        for (const w of waiters) w.reject(e);
      }
    });
    return this.writing;
  }
}
