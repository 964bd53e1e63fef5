import { z } from 'zod';
import { ANOMALY_LABELS } from '@sentinel/contracts';
import { DetectionConfigSchema } from '@sentinel/detection';
import { PrivacyConfigSchema } from '@sentinel/privacy';

export const SCOPES = ['ingest', 'read', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];

/** 0 lets the OS pick a free port (tests, side-by-side instances). */
const port = z.number().int().min(0).max(65535);

export const ApiKeySchema = z.object({
  id: z.string().min(1).max(64).describe('Names the key in logs and in `ingestion.rateLimit.perKey`.'),
  /** The bearer token itself; at least 24 characters so it cannot be guessed. */
  key: z.string().min(24, { message: 'must be at least 24 characters' }).max(256),
  scopes: z.array(z.enum(SCOPES)).min(1).describe('`ingest` sends telemetry, `read` queries and scrapes /metrics, `admin` manages subscriptions, silences and deliveries.'),
});
export type ApiKey = z.infer<typeof ApiKeySchema>;

export const WebhookSubscriberSchema = z.object({
  id: z.string().min(1).max(64).describe('Names the subscription in deliveries and the audit log.'),
  url: z.url({ protocol: /^https?$/, message: 'must be an http(s) URL' }).describe('Where alerts are POSTed; loopback and private addresses need `alerting.allowPrivateTargets`.'),
  /** Standard Webhooks secret: `whsec_` + base64 of 24–64 random bytes. */
  secret: z.string().regex(/^whsec_[A-Za-z0-9+/]{32,88}={0,2}$/, { message: 'must be whsec_ followed by base64 of 24-64 bytes' }),
  minSeverity: z.enum(['low', 'medium', 'high', 'critical']).default('low').describe('Alerts of a lower severity are not sent to this subscriber.'),
  services: z.array(z.string()).default([]).describe('Only alerts of these services; empty: every service.'),
  models: z.array(z.string()).default([]).describe('Only alerts of these models; empty: every model.'),
  anomalyTypes: z.array(z.string()).default([]).describe('Only alerts of these anomaly types; empty: every type.'),
});
export type WebhookSubscriber = z.infer<typeof WebhookSubscriberSchema>;

/**
 * The whole configuration. Every key has a default, so an empty file runs Sentinel in one process on
 * embedded defaults. The detection section is libs/detection's own schema, so a bad threshold is named at start-up.
 */
export const SentinelConfigSchema = z.object({
  env: z.enum(['development', 'production', 'test']).default('development').describe('The deployment environment, reported with traces.'),
  log: z
    .object({
      level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info').describe('pino log level; `silent` logs nothing.'),
      /** Human-readable logs; by default on when stdout is a terminal. */
      pretty: z.boolean().optional(),
    })
    .default({ level: 'info' }),
  server: z
    .object({
      host: z.string().default('127.0.0.1').describe('Address the HTTP server listens on; `0.0.0.0` for every interface.'),
      port: port.default(8080).describe('Port of the HTTP server: the routes, /health/* and /metrics. 0 lets the OS pick a free one.'),
      bodyLimitBytes: z.number().int().min(1024).max(64 * 1024 * 1024).default(4 * 1024 * 1024).describe('Larger request bodies are answered 413.'),
      maxBatchEvents: z.number().int().min(1).max(100_000).default(5_000).describe('Larger batches of events are answered 413.'),
    })
    .default({ host: '127.0.0.1', port: 8080, bodyLimitBytes: 4 * 1024 * 1024, maxBatchEvents: 5_000 }),
  auth: z
    .object({
      keys: z.array(ApiKeySchema).default([]).describe('Every route but /health/* needs a key with its scope. Empty: `sentinel all` generates a development key.'),
      /** Where `sentinel all` keeps a generated key when none is configured (development only). */
      devKeyFile: z.string().default('./data/dev-api-key'),
    })
    .default({ keys: [], devKeyFile: './data/dev-api-key' })
    .refine((a) => new Set(a.keys.map((k) => k.key)).size === a.keys.length, { message: 'two API keys share the same key' }),
  /** PII in prompts, responses, metadata and errors is redacted at ingestion, before anything is published or stored. */
  privacy: PrivacyConfigSchema.prefault({}),
  ingestion: z
    .object({
      /** Token bucket per API key over events (a batch of 500 costs 500); `perKey` overrides it by key id. */
      rateLimit: z
        .object({
          eventsPerSecond: z.number().positive().default(20_000).describe('Sustained events per second of one API key; beyond it requests are answered 429 with Retry-After.'),
          burst: z.number().int().min(1).default(100_000).describe('Events one key may send at once above the sustained rate.'),
          perKey: z.record(z.string(), z.object({ eventsPerSecond: z.number().positive().describe('Sustained events per second of this key.'), burst: z.number().int().min(1).describe('Events this key may send at once above its sustained rate.') })).default({}).describe('Buckets of single keys by key id; `kafka-raw` is the raw topic\'s bucket, which is throttled rather than refused.'),
        })
        .prefault({}),
      /** OTLP/HTTP receiver (POST /v1/traces) of the ingestion app; GenAI spans become telemetry. */
      otlp: z
        .object({
          enabled: z.boolean().default(true).describe('Whether the ingestion app serves OTLP/HTTP.'),
          port: port.default(4318).describe('Port of the OTLP/HTTP receiver.'),
          /** OTLP's recommended limit; gzip bodies are limited after decompression too. */
          maxBodyBytes: z.number().int().min(1024).max(256 * 1024 * 1024).default(64 * 1024 * 1024),
        })
        .prefault({}),
      /** Check prompts against the prompt-injection rules (libs/security) and raise `prompt_injection` anomalies. */
      promptInjection: z.boolean().default(true),
      /** The Kafka topic producers write anchor-format JSON to (services mode). */
      rawTopic: z.string().regex(/^[A-Za-z0-9._-]{1,200}$/).default('sentinel.raw.v1'),
    })
    .prefault({}),
  transport: z.enum(['memory', 'kafka']).default('memory').describe('The bus between the apps: `memory` inside one process (`sentinel all`), `kafka` between services.'),
  kafka: z
    .object({
      /** `host:port` list; a comma-separated string is accepted too (SENTINEL_KAFKA__BROKERS=a:9092,b:9092). */
      brokers: z.preprocess((v) => (typeof v === 'string' ? v.split(',').map((b) => b.trim()) : v), z.array(z.string().regex(/^[^\s:]+:\d{1,5}$/, { message: 'must be host:port' })).min(1)).default(['127.0.0.1:9092']),
      clientId: z.string().min(1).default('sentinel').describe('Client id the brokers see.'),
      /** How long a silent member keeps its partitions: the time a crashed detection process delays its series. */
      sessionTimeoutMs: z.number().int().min(3_000).max(300_000).default(10_000),
      compression: z.enum(['none', 'gzip']).default('none').describe('Compression of produced batches.'),
    })
    .prefault({}),
  redis: z.object({ url: z.string().regex(/^rediss?:\/\//, { message: 'must be a redis:// or rediss:// URL' }).default('redis://127.0.0.1:6379').describe('Redis of services mode: checkpoints, rate limits and the alert state.') }).prefault({}),
  baselines: z
    .object({
      /** Detection publishes the baselines that changed at most this often, for GET /v1/series (0: after every batch). */
      publishIntervalMs: z.number().int().min(0).default(5_000),
    })
    .prefault({}),
  checkpoints: z
    .object({
      /** A detection shard is checkpointed at most this often, and always when its partition is revoked. */
      intervalMs: z.number().int().min(100).default(5_000),
    })
    .prefault({}),
  bus: z
    .object({
      partitions: z.number().int().min(1).max(1024).default(12).describe('Partitions of each topic, the unit of detection sharding: at most this many detection processes get work.'),
      /** Prefix of every topic, consumer group and checkpoint key: several Sentinels can share one cluster. */
      namespace: z.string().regex(/^[A-Za-z0-9._-]{0,100}$/, { message: 'may hold letters, digits, ".", "_" and "-" only' }).default(''),
    })
    .prefault({}),
  storage: z
    .object({
      backend: z.enum(['duckdb', 'influxdb3']).default('duckdb').describe('`duckdb`: an embedded file with one writer, so the storage process also serves queries. `influxdb3`: a shared server, so `sentinel api` may run alone.'),
      nice: z
        .number()
        .int()
        .min(0)
        .max(19)
        .default(10)
        .describe(
          'CPU niceness of `sentinel storage` run as its own process (Linux: every thread, DuckDB\'s included; 0 leaves it alone; not applied by `sentinel all`). Storage is throughput work that catches up from Kafka; on a machine it shares with ingestion and detection, its write bursts then wait for the latency path instead of delaying it.',
        ),
      duckdb: z
        .object({
          path: z.string().default('./data/sentinel.duckdb').describe('The DuckDB file.'),
          batchSize: z.number().int().min(1).default(20_000).describe('Most rows per write; rows that arrive while a write runs go together in the next (group commit). A write has a fixed cost of some milliseconds (a transaction, the dedup anti-join, two rollups), so larger writes cost less per row.'),
          /**
           * Telemetry, anomalies and rollups older than this many days (before now, or before the newest stored
           * row if that is older) are deleted, at start and hourly; 0 keeps everything.
           */
          retentionDays: z.number().int().min(0).default(30),
        })
        .default({ path: './data/sentinel.duckdb', batchSize: 20_000, retentionDays: 30 }),
      /** InfluxDB 3 (docs/storage-influxdb.md): several processes may read and write it, so `sentinel api` can run alone. */
      influxdb3: z
        .object({
          url: z.string().default('').describe('Base URL of the server, required with `storage.backend: influxdb3`; writes and queries use the same port.'),
          token: z.string().default('').describe('API token; empty for a server started without auth. Best given as SENTINEL_STORAGE__INFLUXDB3__TOKEN.'),
          database: z.string().min(1).default('sentinel').describe('Database; InfluxDB creates it on the first write.'),
          batchSize: z.number().int().min(1).default(5_000).describe('Most lines in one write.'),
          flushIntervalMs: z.number().int().min(0).default(100).describe('Longest a line waits for its batch to fill.'),
        })
        .prefault({}),
    })
    .superRefine((s, ctx) => {
      if (s.backend === 'influxdb3' && !/^https?:\/\//.test(s.influxdb3.url)) ctx.addIssue({ code: 'custom', path: ['influxdb3', 'url'], message: 'must be the http(s) URL of the InfluxDB 3 server when storage.backend is influxdb3' });
    })
    .prefault({}),
  alerting: z
    .object({
      webhooks: z.array(WebhookSubscriberSchema).default([]).describe('Subscriptions managed by this file; the API shows them read-only.'),
      /** Webhook targets on loopback, private or link-local addresses are refused unless this is true. */
      allowPrivateTargets: z.boolean().default(false),
      timeoutMs: z.number().int().min(100).max(60_000).default(10_000).describe('Time limit of one webhook attempt.'),
      /** Retry n waits between half and all of min(retryMaxDelayMs, retryBaseMs·2^(n−1)). */
      retryBaseMs: z.number().int().min(1).default(1_000),
      retryMaxDelayMs: z.number().int().min(1).default(300_000).describe('Longest wait between two attempts of a delivery.'),
      /** A webhook delivery still failing this long after it was queued is dead-lettered. */
      retryHorizonMs: z.number().int().min(1).default(86_400_000),
      dedupWindowMs: z.number().int().min(0).default(300_000).describe('One alert per (series, anomaly type) per window, with a count; a higher severity is sent at once.'),
      /** Both 0: each alert is sent on its own. Otherwise alerts with the same `groupBy` labels are batched. */
      groupWaitMs: z.number().int().min(0).default(0),
      groupIntervalMs: z.number().int().min(0).default(0).describe('Later alerts of a group already notified go out at most this often; a new group waits `groupWaitMs`.'),
      groupBy: z.array(z.enum(ANOMALY_LABELS)).min(1).default(['service', 'anomaly_type']).describe('Labels whose values key a group.'),
      breaker: z
        .object({ failureThreshold: z.number().int().min(1).default(5).describe('Consecutive failed attempts that open the circuit of a subscription.'), resetTimeoutMs: z.number().int().min(100).default(30_000).describe('Cool-down after which one probe attempt may pass an open circuit.') })
        .default({ failureThreshold: 5, resetTimeoutMs: 30_000 }),
      /** How long a rotated-out subscription secret keeps signing. */
      rotationOverlapMs: z.number().int().min(0).default(86_400_000),
      concurrency: z.number().int().min(1).max(1024).default(64).describe('Webhook attempts in flight at once.'),
      pollIntervalMs: z.number().int().min(10).default(250).describe('How often the outbox is polled; a new alert wakes it at once.'),
      /**
       * One-process mode: the file keeping subscriptions, silences, deliveries and the audit log; empty
       * means alerting-state.json next to the DuckDB file. Services mode keeps them in Redis.
       */
      statePath: z.string().default(''),
      rabbitmq: z
        .object({
          /** Empty: no RabbitMQ. e.g. amqp://guest:guest@127.0.0.1:5672 */
          url: z.string().default(''),
          exchange: z.string().min(1).default('sentinel.alerts').describe('Topic exchange the alerts are published to, with routing key `alert.<severity>.<type>`.'),
        })
        .default({ url: '', exchange: 'sentinel.alerts' }),
    })
    .prefault({}),
  shutdownTimeoutMs: z.number().int().min(100).default(15_000).describe('How long a graceful stop may take to drain, checkpoint and commit.'),
  detection: DetectionConfigSchema.prefault({}),
  observability: z
    .object({
      metrics: z
        .object({
          /** Models named in metric labels; every other model is counted as "other", so a label's values stay bounded. */
          models: z.array(z.string().min(1).max(128)).max(100).default([]),
        })
        .prefault({}),
      tracing: z
        .object({
          /** Off by default: spans cost nothing until an exporter is configured. */
          enabled: z.boolean().default(false),
          /** OTLP/HTTP traces endpoint of a collector. */
          endpoint: z.url({ protocol: /^https?$/, message: 'must be an http(s) URL' }).default('http://127.0.0.1:4318/v1/traces'),
          serviceName: z.string().min(1).default('sentinel').describe('`service.name` of the spans, followed by `-<app>` in services mode.'),
          /** Fraction of new traces recorded (parent-based: a sampled parent keeps its children). */
          sampleRatio: z.number().min(0).max(1).default(1),
        })
        .prefault({}),
    })
    .prefault({}),
});
export type SentinelConfig = z.infer<typeof SentinelConfigSchema>;
/** What a config file may say: every key optional. */
export type SentinelConfigInput = z.input<typeof SentinelConfigSchema>;
