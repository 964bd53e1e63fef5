import type { Counter } from 'prom-client';

/** The label of every model not on the allow-list: a label's values must stay a small, known set. */
export const OTHER_MODEL = 'other';

/** The metric label of `model`: itself when the operator listed it (`observability.metrics.models`), else "other". */
export function modelLabel(model: string, allowed: ReadonlySet<string>): string {
  return allowed.has(model) ? model : OTHER_MODEL;
}

/**
 * A counter with a `model` label whose values are the allow-list and "other", counted a batch at a
 * time. Per item it costs a string comparison with the previous item's model and an array increment;
 * the allow-list Map is consulted only where the model changes (a partition's records share their
 * shard key's model, so mostly once per run), and prom-client is called once per label per batch.
 */
export class ModelCounter {
  /** Allow-listed model → its slot; the last slot is "other". */
  private readonly slots = new Map<string, number>();
  private readonly children: Counter.Internal[] = [];
  private readonly pending: Float64Array;

  constructor(counter: Counter<'model'>, allowList: readonly string[]) {
    for (const model of new Set(allowList)) {
      if (model === OTHER_MODEL) continue;
      this.slots.set(model, this.children.length);
      this.children.push(counter.labels({ model }));
    }
    this.children.push(counter.labels({ model: OTHER_MODEL }));
    this.pending = new Float64Array(this.children.length);
  }

  /** Adds one per item, under the label of `modelOf(item)`. */
  count<T>(items: readonly T[], modelOf: (item: T) => string): void {
    const other = this.children.length - 1;
    let last: string | undefined;
    let slot = other;
    for (let i = 0; i < items.length; i++) {
      const model = modelOf(items[i]!);
      if (model !== last) {
        last = model;
        slot = this.slots.get(model) ?? other;
      }
      this.pending[slot]!++;
    }
    for (let s = 0; s < this.pending.length; s++) {
      if (this.pending[s]! > 0) {
        this.children[s]!.inc(this.pending[s]);
        this.pending[s] = 0;
      }
    }
  }
}
