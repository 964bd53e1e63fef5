import { TOPICS, encodeJson, type SeriesBaseline } from '@sentinel/contracts';
import { pipelineMetrics } from '@sentinel/observability';
import type { Topic } from '@sentinel/bus';
import type { BaselineShard } from '@sentinel/detection';

/**
 * Publishes each series' baseline to the baselines topic when it has learned something since it was
 * last published, at most every `intervalMs`, so the series API sees baselines that live in detection
 * processes. Keyed by series key: a compacted topic keeps exactly the latest of each.
 */
export class BaselinePublisher {
  /** The last `last_timestamp` published per series. */
  private readonly published = new Map<string, string>();
  private lastRun = -Infinity;

  constructor(
    private readonly topic: Topic,
    private readonly intervalMs: number,
    private readonly now: () => number,
  ) {}

  /** Publishes what changed, if the interval has passed (or `force`); resolves once the bus has it. */
  async publishChanged(shards: Iterable<BaselineShard>, force = false): Promise<number> {
    if (!force && this.now() - this.lastRun < this.intervalMs) return 0;
    this.lastRun = this.now();
    const changed: SeriesBaseline[] = [];
    for (const shard of shards) {
      for (const view of shard.series()) {
        if (view.last_timestamp === '' || this.published.get(view.series_key) === view.last_timestamp) continue;
        changed.push(view);
      }
    }
    if (changed.length === 0) return 0;
    await this.topic.publish(changed.map((b) => ({ key: b.series_key, value: encodeJson(b) })));
    pipelineMetrics.recordsOut.inc({ stage: 'detection', topic: TOPICS.baselines }, changed.length);
    for (const b of changed) this.published.set(b.series_key, b.last_timestamp);
    return changed.length;
  }

  /** Forgets series of partitions this process no longer holds; their new owner publishes them. */
  forget(shard: BaselineShard): void {
    for (const view of shard.series()) this.published.delete(view.series_key);
  }
}
