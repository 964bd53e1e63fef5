import { LRUCache } from 'lru-cache';
import type { AnomalyEvent, SeriesBaseline, TelemetryEvent } from '@sentinel/contracts';
import type { AnomalyPage, AnomalyQuery, SeriesBucket, SeriesListQuery, SeriesPage, SeriesQuery, Store, TelemetryPoint, TelemetryQuery } from './store.js';

interface Entry {
  query: SeriesQuery;
  buckets: Promise<SeriesBucket[]>;
}

/**
 * A Store whose aggregate queries (`querySeries`) are answered from an LRU while no write could have
 * changed them: every telemetry write drops the cached queries of its (service, model) whose time range
 * holds one of the written rows. Writes through another Store instance are not seen, so this wraps the
 * one store a process writes with (the storage process serves the query API for that reason).
 */
export class CachingStore implements Store {
  private readonly cache: LRUCache<string, Entry>;

  constructor(
    private readonly inner: Store,
    maxEntries = 1_000,
  ) {
    this.cache = new LRUCache({ max: maxEntries });
  }

  async appendTelemetry(events: readonly TelemetryEvent[]): Promise<void> {
    try {
      await this.inner.appendTelemetry(events);
    } finally {
      this.invalidate(events);
    }
  }

  querySeries(query: SeriesQuery): Promise<SeriesBucket[]> {
    const key = JSON.stringify([query.service, query.model, query.metric, query.agg, query.stepMs, query.from, query.to]);
    const hit = this.cache.get(key);
    if (hit) return hit.buckets;
    const buckets = this.inner.querySeries(query);
    this.cache.set(key, { query, buckets });
    // A failed query is not an answer worth keeping.
    buckets.catch(() => this.cache.delete(key));
    return buckets;
  }

  /** Cached entries are few (bounded) and writes are batched, so a scan per batch is cheap. */
  private invalidate(events: readonly TelemetryEvent[]): void {
    if (this.cache.size === 0) return;
    const spans = new Map<string, { min: number; max: number }>();
    for (const e of events) {
      const k = `${e.service_name}\u001f${e.model}`;
      const t = Date.parse(e.timestamp);
      const s = spans.get(k);
      if (!s) spans.set(k, { min: t, max: t });
      else if (t < s.min) s.min = t;
      else if (t > s.max) s.max = t;
    }
    for (const [key, { query }] of this.cache.entries()) {
      const s = spans.get(`${query.service}\u001f${query.model}`);
      if (s && s.min < query.to && s.max >= query.from) this.cache.delete(key);
    }
  }

  appendAnomalies(anomalies: readonly AnomalyEvent[]): Promise<void> {
    return this.inner.appendAnomalies(anomalies);
  }
  queryTelemetry(query: TelemetryQuery): Promise<TelemetryPoint[]> {
    return this.inner.queryTelemetry(query);
  }
  queryAnomalies(query: AnomalyQuery): Promise<AnomalyPage> {
    return this.inner.queryAnomalies(query);
  }
  getAnomaly(alertId: string): Promise<AnomalyEvent | null> {
    return this.inner.getAnomaly(alertId);
  }
  upsertBaselines(baselines: readonly SeriesBaseline[]): Promise<void> {
    return this.inner.upsertBaselines(baselines);
  }
  listSeries(query: SeriesListQuery): Promise<SeriesPage> {
    return this.inner.listSeries(query);
  }
  getSeries(seriesKey: string): Promise<SeriesBaseline | null> {
    return this.inner.getSeries(seriesKey);
  }
  check(): Promise<void> {
    return this.inner.check();
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}
