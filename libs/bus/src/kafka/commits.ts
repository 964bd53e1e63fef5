/** Sends one OffsetCommit request for the given partitions' next offsets. */
export type CommitRequest = (partitions: Array<{ partition: number; offset: string }>) => Promise<void>;

/**
 * Gathers the commits of the batches a member handles at the same time into one request: when no
 * commit is in flight, the offsets given in this tick go at once; those given while one is in flight go
 * together in the next. Each caller's promise settles with the request that carried its offset, so a
 * batch is resolved only once its offset is on the broker.
 */
export class OffsetCommits {
  private pending = new Map<number, { offset: string; waiters: Array<{ resolve: () => void; reject: (e: unknown) => void }> }>();
  private running: Promise<void> | null = null;

  constructor(private readonly request: CommitRequest) {}

  commit(partition: number, offset: string): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const entry = this.pending.get(partition);
      // A later batch of the same partition supersedes the earlier offset; both wait for the same request.
      if (entry) {
        entry.offset = offset;
        entry.waiters.push({ resolve, reject });
      } else this.pending.set(partition, { offset, waiters: [{ resolve, reject }] });
      this.running ??= this.run();
    });
  }

  private async run(): Promise<void> {
    await Promise.resolve();
    while (this.pending.size > 0) {
      const sending = this.pending;
      this.pending = new Map();
      try {
        await this.request([...sending].map(([partition, { offset }]) => ({ partition, offset })));
        for (const { waiters } of sending.values()) for (const w of waiters) w.resolve();
      } catch (e) {
        for (const { waiters } of sending.values()) for (const w of waiters) w.reject(e);
      }
    }
    this.running = null;
  }
}
