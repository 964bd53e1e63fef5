import type { Logger } from 'pino';

/**
 * Runs `tick` every `intervalMs`, or sooner after `wake()`, one tick at a time. A tick that reports
 * more work (returns true) is followed by another at once. A failing tick is logged and retried on the
 * next interval; `stop()` waits for the running tick.
 */
export class PollingLoop {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = true;
  private woken = false;
  private lastError = '';

  constructor(
    private readonly name: string,
    private readonly tick: () => Promise<boolean>,
    private readonly intervalMs: number,
    private readonly logger: Logger,
  ) {}

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  wake(): void {
    if (this.stopped) return;
    if (this.running) this.woken = true;
    else this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
  }

  private schedule(delayMs: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.running = this.run().finally(() => (this.running = null));
    }, delayMs);
  }

  private async run(): Promise<void> {
    let more = false;
    this.woken = false;
    try {
      more = await this.tick();
      this.lastError = '';
    } catch (e) {
      const reason = (e as Error).message;
      // One line per distinct failure: an outage would otherwise log every interval.
      if (reason !== this.lastError) this.logger.warn({ loop: this.name, reason }, 'alerting loop failed; retrying');
      this.lastError = reason;
    }
    if (!this.stopped) this.schedule(more || this.woken ? 0 : this.intervalMs);
  }
}
