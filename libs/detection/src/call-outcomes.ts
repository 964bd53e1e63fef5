/**
 * The outcomes of the last N calls of one (service, model): whether each errored and how it finished.
 *
 * error_rate and finish_reason_rate:<reason> are shares over these N calls. A single call's 0/1 outcome
 * says nothing on its own; the share over a recent window is the quantity whose baseline is worth
 * learning (and "only upward changes matter" is applied by the metric's direction, see config.ts).
 * Finish reasons other than `stop` get codes 1..maxReasons in order of first sight; later distinct reasons
 * are not tracked, which bounds memory per (service, model) whatever a client sends.
 */
export class CallOutcomes {
  readonly size: number;
  readonly maxReasons: number;
  readonly errors: Uint8Array;
  /** 0 = `stop` or an untracked reason, c ≥ 1 = reasonNames[c − 1]. */
  readonly reasons: Uint8Array;
  readonly reasonCounts: Int32Array;
  /** Tracked reasons, already made safe for a metric name. */
  readonly reasonNames: string[] = [];
  head = 0;
  filled = 0;
  errorCount = 0;

  constructor(size: number, maxReasons: number) {
    this.size = size;
    this.maxReasons = Math.min(maxReasons, 255);
    this.errors = new Uint8Array(size);
    this.reasons = new Uint8Array(size);
    this.reasonCounts = new Int32Array(this.maxReasons + 1);
  }

  get full(): boolean {
    return this.filled === this.size;
  }

  get errorRate(): number {
    return this.filled === 0 ? 0 : this.errorCount / this.filled;
  }

  reasonRate(code: number): number {
    return this.filled === 0 ? 0 : this.reasonCounts[code]! / this.filled;
  }

  /** The code of a finish reason, tracking it if there is room; 0 for `stop` and untracked reasons. */
  codeOf(finishReason: string): number {
    if (finishReason === 'stop') return 0;
    const names = this.reasonNames;
    for (let i = 0; i < names.length; i++) if (names[i] === finishReason) return i + 1;
    const safe = metricSafeReason(finishReason);
    if (safe === 'stop') return 0;
    for (let i = 0; i < names.length; i++) if (names[i] === safe) return i + 1;
    if (names.length >= this.maxReasons) return 0;
    names.push(safe);
    return names.length;
  }

  record(errored: boolean, code: number): void {
    const at = this.head;
    if (this.filled === this.size) {
      this.errorCount -= this.errors[at]!;
      this.reasonCounts[this.reasons[at]!]!--;
    } else this.filled++;
    const e = errored ? 1 : 0;
    this.errors[at] = e;
    this.reasons[at] = code;
    this.errorCount += e;
    this.reasonCounts[code]!++;
    this.head = at + 1 === this.size ? 0 : at + 1;
  }

  /** Rebuilds counts after the arrays were filled from a snapshot. */
  recount(): void {
    this.errorCount = 0;
    this.reasonCounts.fill(0);
    // Slots [0, filled) are in use: all of them once full, the first `filled` before.
    for (let i = 0; i < this.filled; i++) {
      this.errorCount += this.errors[i]!;
      this.reasonCounts[this.reasons[i]!]!++;
    }
  }
}

/** Finish reasons become part of a metric name: `finish_reason_rate:[A-Za-z0-9_.-]{1,64}`. */
export function metricSafeReason(reason: string): string {
  const safe = reason.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 64);
  return safe === '' ? 'unknown' : safe;
}
