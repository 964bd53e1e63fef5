import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The one registry of the process: every app registers its metrics here and /metrics serves it. */
export const registry = new Registry();
collectDefaultMetrics({ register: registry, prefix: 'sentinel_' });
// prom-client names these three gauges like counters, which `promtool check metrics` rejects; the
// per-type gauges of the same name without `_total` stay, and their sum() is the same number.
for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']) registry.removeSingleMetric(`sentinel_${name}`);

/** Callbacks a gauge runs when it is scraped: for values cheaper to compute on demand than to keep current. */
class ScrapeHooks<R> {
  private readonly hooks = new Set<() => R>();

  add(hook: () => R): () => void {
    this.hooks.add(hook);
    return () => void this.hooks.delete(hook);
  }

  run(): R[] {
    const out: R[] = [];
    for (const hook of this.hooks) out.push(hook());
    return out;
  }
}

const lagHooks = new ScrapeHooks<void>();
const checkpointAgeHooks = new ScrapeHooks<number>();

function counter<L extends string>(name: string, help: string, labelNames: readonly L[]): Counter<L> {
  return new Counter({ name, help, labelNames, registers: [registry] });
}

/** Shared instruments. Labels are bounded sets: never an event id or a free-form string. */
export const pipelineMetrics = {
  recordsIn: counter('sentinel_records_in_total', 'Records received by a stage, by source and result', ['stage', 'source', 'result'] as const),
  anomalies: counter('sentinel_anomalies_total', 'Anomalies raised, by severity, type and method', ['severity', 'type', 'method'] as const),
  activeSeries: new Gauge({ name: 'sentinel_active_series', help: 'Series with a baseline in this process', registers: [registry] }),
  storeWriteSeconds: new Histogram({
    name: 'sentinel_store_write_duration_seconds',
    help: 'Duration of one batched store write',
    labelNames: ['kind'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  }),
  piiRedacted: counter('sentinel_pii_redacted_total', 'PII values redacted at ingestion, by entity type', ['entity'] as const),
  webhookDeliveries: counter('sentinel_webhook_deliveries_total', 'Webhook delivery outcomes by result (delivered, retry, dead, circuit_open)', ['result'] as const),
  webhookSeconds: new Histogram({
    name: 'sentinel_webhook_request_duration_seconds',
    help: 'Webhook HTTP attempt duration by result',
    labelNames: ['result'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  }),
  alertsRouted: counter('sentinel_alerts_routed_total', 'Anomalies reaching alerting by outcome (sent, deduplicated, silenced)', ['outcome'] as const),
  amqpPublishes: counter('sentinel_amqp_publishes_total', 'Alerts published to RabbitMQ by result (confirmed, nacked, failed)', ['result'] as const),
  recordsOut: counter('sentinel_records_out_total', 'Records a stage published downstream, by stage and destination topic', ['stage', 'topic'] as const),
  deadLetters: counter('sentinel_dlq_records_total', 'Records sent to a dead-letter topic, by stage and reason code', ['stage', 'reason'] as const),
  consumerLag: new Gauge({
    name: 'sentinel_consumer_lag_records',
    help: 'Records between the committed offset and the end of a partition, per consumer group',
    labelNames: ['group', 'topic', 'partition'] as const,
    registers: [registry],
    collect: () => void lagHooks.run(),
  }),
  detectionEvents: counter('sentinel_detection_events_total', 'Telemetry events scored by detection, by model (allow-listed, else "other")', ['model'] as const),
  checkpointAgeSeconds: new Gauge({
    name: 'sentinel_checkpoint_age_seconds',
    help: 'Seconds since the oldest baseline checkpoint this process owns was written, among shards that learned something since (0: every checkpoint is current)',
    registers: [registry],
    collect() {
      this.set(Math.max(0, ...checkpointAgeHooks.run()));
    },
  }),
  httpRequestSeconds: new Histogram({
    name: 'sentinel_http_request_duration_seconds',
    help: 'HTTP request duration by route and status code',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  }),
};

/**
 * Values computed when /metrics is scraped. Each registration returns its own unregister function;
 * call it when the owner stops.
 */
export const onScrape = {
  /** Runs before `consumerLag` is read; sets the lag of the partitions it knows (the in-memory bus). */
  consumerLag: (update: () => void): (() => void) => lagHooks.add(update),
  /** Returns this owner's checkpoint age in seconds; the gauge reports the largest of them. */
  checkpointAgeSeconds: (age: () => number): (() => void) => checkpointAgeHooks.add(age),
};
