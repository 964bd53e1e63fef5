import { CompressionTypes, Kafka, Partitioners, type Admin, type KafkaConfig, type Producer, type RetryOptions } from 'kafkajs';
import type { Logger } from '@sentinel/observability';
import type { Bus, ConsumeOptions, Consumer, OutgoingRecord, Topic } from '../topic.js';
import { partitionFor } from '../topic.js';
import { withTraceContext } from '../tracing.js';
import { KafkaTopicConsumer } from './consumer.js';
import { kafkaLogCreator, kafkaLogLevel } from './logging.js';

export interface KafkaBusOptions {
  brokers: string[];
  clientId: string;
  /** Partitions of every topic; a record goes to partitionFor(key, partitions), as on the in-memory bus (default 12). */
  partitions?: number;
  replicationFactor?: number;
  /** A member that sends no heartbeat for this long is dropped from its group (default 10 000). */
  sessionTimeoutMs?: number;
  /** Default: a third of the session timeout, at most 3 s. */
  heartbeatIntervalMs?: number;
  /** kafkajs ships gzip only (default none). */
  compression?: 'gzip' | 'none';
  logger: Logger;
}

/** Exponential from 300 ms to 5 s: ten retries span ~35 s, longer than a broker restart. */
const RETRY: RetryOptions = { initialRetryTime: 300, maxRetryTime: 5_000, factor: 0.2, multiplier: 2, retries: 10 };
/** A publish keeps retrying for ~1.5 min before it rejects, so a restarting broker loses no event. */
const PUBLISH_RETRIES = 20;
/** Long polls end after this: bounds how late a member notices a rebalance or finishes stopping. */
const MAX_FETCH_WAIT_MS = 1_000;
const TOPIC_CREATE_ATTEMPTS = 10;
/**
 * Records per produce request. kafkajs groups a send's records by partition by copying each partition's
 * array once per record (groupMessagesPerPartition): quadratic in a send's size, 17 % of detection's CPU
 * when it published 100,000 baselines in one send. Sends of this size keep it to ~40 copies a record.
 */
const SEND_CHUNK = 1_000;
const CHECK_TIMEOUT_MS = 3_000;

/** The Bus on Apache Kafka via kafkajs: keyed partitions, consumer groups, idempotent acks=all publishing. */
export class KafkaBus implements Bus {
  private readonly config: KafkaConfig;
  private readonly admin: Admin;
  private readonly producer: Producer;
  private readonly partitions: number;
  private readonly sessionTimeoutMs: number;
  private readonly heartbeatIntervalMs: number;
  private readonly topics = new Map<string, Topic>();
  private readonly ensured = new Map<string, Promise<void>>();
  private readonly consumers = new Set<KafkaTopicConsumer>();

  private constructor(private readonly options: KafkaBusOptions) {
    this.partitions = options.partitions ?? 12;
    this.sessionTimeoutMs = options.sessionTimeoutMs ?? 10_000;
    this.heartbeatIntervalMs = options.heartbeatIntervalMs ?? Math.min(3_000, Math.floor(this.sessionTimeoutMs / 3));
    this.config = {
      brokers: options.brokers,
      clientId: options.clientId,
      retry: RETRY,
      logLevel: kafkaLogLevel(options.logger),
      logCreator: kafkaLogCreator(options.logger),
    };
    const kafka = new Kafka(this.config);
    this.admin = kafka.admin();
    this.producer = kafka.producer({
      idempotent: true,
      // kafkajs keeps the idempotent producer's sequence numbers in order only with one request in flight.
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      retry: { ...RETRY, retries: PUBLISH_RETRIES },
      // Records carry an explicit partition (partitionFor), which this partitioner keeps.
      createPartitioner: Partitioners.DefaultPartitioner,
    });
  }

  static async connect(options: KafkaBusOptions): Promise<KafkaBus> {
    const bus = new KafkaBus(options);
    try {
      await Promise.all([bus.admin.connect(), bus.producer.connect()]);
    } catch (err) {
      await bus.close().catch(() => undefined);
      throw new Error(`cannot connect to Kafka at ${options.brokers.join(',')}: ${(err as Error).message}`, { cause: err });
    }
    return bus;
  }

  topic(name: string): Topic {
    let topic = this.topics.get(name);
    if (!topic) {
      topic = {
        name,
        partitions: this.partitions,
        publish: (records) => this.publish(name, records),
        consume: (options) => this.consume(name, options),
      };
      this.topics.set(name, topic);
    }
    return topic;
  }

  /**
   * Creates the topics that do not exist yet with the configured partitions; publish and consume do it
   * on first use. Rejects when a topic exists with another partition count: keys would then land on
   * other partitions than partitionFor computes.
   */
  async ensureTopics(names: string[]): Promise<void> {
    await Promise.all(
      names.map((name) => {
        let ready = this.ensured.get(name);
        if (!ready) {
          ready = this.createTopic(name);
          this.ensured.set(name, ready);
          ready.catch(() => this.ensured.delete(name));
        }
        return ready;
      }),
    );
  }

  async check(): Promise<void> {
    const probe = this.admin.describeCluster();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS);
    });
    try {
      await Promise.race([probe, timeout]);
    } catch (err) {
      probe.catch(() => undefined);
      throw new Error(`Kafka at ${this.options.brokers.join(',')} is not reachable: ${(err as Error).message}`, { cause: err });
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    const stops = await Promise.allSettled([...this.consumers].map((c) => c.stop()));
    await Promise.allSettled([this.producer.disconnect(), this.admin.disconnect()]);
    const failed = stops.find((s) => s.status === 'rejected');
    if (failed) throw failed.reason;
  }

  private async createTopic(name: string): Promise<void> {
    let actual: number | undefined;
    for (let attempt = 1; ; attempt++) {
      try {
        // Resolves false when the topic already exists: fine, its partition count is checked below.
        await this.admin.createTopics({
          topics: [{ topic: name, numPartitions: this.partitions, replicationFactor: this.options.replicationFactor ?? 1 }],
          waitForLeaders: true,
        });
        const { topics } = await this.admin.fetchTopicMetadata({ topics: [name] });
        actual = topics[0]?.partitions.length;
        break;
      } catch (err) {
        // kafkajs waits out LEADER_NOT_AVAILABLE but not UNKNOWN_TOPIC_OR_PARTITION, which a broker answers
        // for a moment after creating a topic while its partitions come up, to the creation and to the
        // metadata request after it alike. Creating again is harmless.
        if (!(err as { retriable?: boolean }).retriable || attempt >= TOPIC_CREATE_ATTEMPTS) throw err;
        await new Promise((r) => setTimeout(r, 200 * attempt));
      }
    }
    if (actual !== this.partitions) {
      throw new Error(`Kafka topic ${name} has ${actual} partitions, but the bus is configured for ${this.partitions}`);
    }
  }

  private async publish(topic: string, records: OutgoingRecord[]): Promise<void> {
    if (records.length === 0) return;
    await this.ensureTopics([topic]);
    const messages = withTraceContext(records).map((r) => ({ key: r.key, value: r.value, headers: r.headers, partition: partitionFor(r.key, this.partitions) }));
    const compression = this.options.compression === 'gzip' ? CompressionTypes.GZIP : CompressionTypes.None;
    // One after the other: with one request in flight, the order of a key's records is the order of the sends.
    for (let from = 0; from < messages.length; from += SEND_CHUNK) {
      await this.producer.send({ topic, acks: -1, compression, messages: messages.slice(from, from + SEND_CHUNK) });
    }
  }

  private async consume(topic: string, options: ConsumeOptions): Promise<Consumer> {
    await this.ensureTopics([topic]);
    // A client of its own: kafkajs caches committed offsets per group id in the client, shared by its consumers.
    const consumer = new Kafka(this.config).consumer({
      groupId: options.group,
      sessionTimeout: this.sessionTimeoutMs,
      heartbeatInterval: this.heartbeatIntervalMs,
      maxWaitTimeInMs: options.batching?.maxWaitMs ?? MAX_FETCH_WAIT_MS,
      minBytes: options.batching?.minBytes ?? 1,
      allowAutoTopicCreation: false,
      retry: RETRY,
    });
    const member = new KafkaTopicConsumer({
      consumer,
      topic,
      options,
      heartbeatIntervalMs: this.heartbeatIntervalMs,
      // Every partition of a fetch at once: each partition's batches still come in order.
      partitionsConsumedConcurrently: this.partitions,
      watermarks: (t) => this.watermarks(t),
      logger: this.options.logger,
    });
    this.consumers.add(member);
    try {
      await member.start();
    } catch (err) {
      this.consumers.delete(member);
      await consumer.disconnect().catch(() => undefined);
      throw err;
    }
    return {
      stop: async () => {
        await member.stop();
        this.consumers.delete(member);
      },
    };
  }

  private async watermarks(topic: string): Promise<Map<number, { low: bigint; high: bigint }>> {
    const offsets = await this.admin.fetchTopicOffsets(topic);
    return new Map(offsets.map((o) => [o.partition, { low: BigInt(o.low), high: BigInt(o.high) }]));
  }
}
