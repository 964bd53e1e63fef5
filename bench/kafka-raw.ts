/**
 * The physical limit on the same broker and machine: raw kafkajs produce and consume rates with no
 * processing, for the records Sentinel moves most (one telemetry event, as ingestion publishes it to
 * `sentinel.telemetry.v1`: the validated event's JSON, keyed service␟model), on a topic with the same
 * partition count, with the producer settings of libs/bus KafkaBus (idempotent, one request in flight,
 * acks = all, the same compression as the end-to-end runs: BENCH_COMPRESSION, default none like
 * `kafka.compression`).
 *
 * - produce: BENCH_RAW_MESSAGES records in sends of 1,000 (what one ingestion publish of a fetched raw
 *   batch hands kafkajs), each send awaited;
 * - consume: a new consumer group reads them back from the start (eachBatch, nothing done per record),
 *   timed from its first batch to its last, as kafkajs' defaults fetch them.
 *
 *   node --import tsx bench/kafka-raw.ts
 */
import { pathToFileURL } from 'node:url';
import { CompressionTypes, Kafka, logLevel } from 'kafkajs';
import { encodeJson, shardKey, validateTelemetryEvent } from '@sentinel/contracts';
import { partitionFor } from '@sentinel/bus';
import { benchOptions, envNumber, type BenchOptions } from './lib/options.js';
import { Samples, sectionMarkdown, type Section } from './lib/report.js';
import { BROKERS, COMPRESSION, PARTITIONS, cleanupNamespace, createTopic, ensureBrokers, freshNamespace, kafkaAdmin } from './lib/services.js';
import { EventSource, makePairs } from './lib/traffic.js';

const SEND_BATCH = 1_000;
const POOL = 10_000;

interface RawRun {
  messageBytes: number;
  produce: number;
  consume: number;
}

async function once(messages: number): Promise<RawRun> {
  const namespace = freshNamespace('raw');
  const topic = `${namespace}raw-limit`;
  const kafka = new Kafka({ brokers: BROKERS, clientId: 'sentinel-bench-raw', logLevel: logLevel.NOTHING });
  const admin = kafkaAdmin();
  await admin.connect();
  try {
    await createTopic(admin, topic);
    const source = new EventSource(makePairs(1_000));
    const now = Date.now();
    const pool = Array.from({ length: POOL }, () => {
      const r = validateTelemetryEvent(JSON.parse(source.next(now).json));
      if (!r.ok) throw new Error(`generated event is invalid: ${JSON.stringify(r.issues)}`);
      const key = shardKey(r.value);
      return { key, value: encodeJson(r.value), partition: partitionFor(key, PARTITIONS) };
    });
    const messageBytes = pool.reduce((n, m) => n + m.value.length + Buffer.byteLength(m.key), 0) / POOL;

    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
    await producer.connect();
    const compression = COMPRESSION === 'gzip' ? CompressionTypes.GZIP : CompressionTypes.None;
    const t0 = performance.now();
    for (let sent = 0; sent < messages; sent += SEND_BATCH) {
      const batch = [];
      for (let i = 0; i < SEND_BATCH && sent + i < messages; i++) batch.push(pool[(sent + i) % POOL]!);
      await producer.send({ topic, acks: -1, compression, messages: batch });
    }
    const produce = messages / ((performance.now() - t0) / 1000);
    await producer.disconnect();

    const consumer = kafka.consumer({ groupId: `${namespace}raw-limit`, maxWaitTimeInMs: 1_000 });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    let seen = 0;
    let first = 0;
    let last = 0;
    let done!: () => void;
    const finished = new Promise<void>((r) => (done = r));
    await consumer.run({
      eachBatch: async ({ batch }) => {
        const now = performance.now();
        if (seen === 0) first = now;
        seen += batch.messages.length;
        last = now;
        if (seen >= messages) done();
      },
    });
    const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`consumed ${seen} of ${messages} within 300 s`)), 300_000).unref());
    await Promise.race([finished, timeout]);
    await consumer.disconnect();
    // The first batch's records arrived before `first` was taken: count them out of the span.
    const consume = last > first ? messages / ((last - first) / 1000) : Number.NaN;
    return { messageBytes, produce, consume };
  } finally {
    await admin.disconnect().catch(() => undefined);
    await cleanupNamespace(namespace);
  }
}

export async function runKafkaRaw(options: BenchOptions = benchOptions(), log: (s: string) => void = (s) => console.error(s)): Promise<Section> {
  const messages = envNumber('BENCH_RAW_MESSAGES', 1_000_000, 100_000, options);
  await ensureBrokers(['kafka']);
  const s = new Samples();
  for (let r = 0; r < options.runs; r++) {
    const run = await once(messages);
    log(`raw kafkajs run ${r + 1}/${options.runs}: produce ${Math.round(run.produce).toLocaleString('en-US')}/s, consume ${Math.round(run.consume).toLocaleString('en-US')}/s`);
    s.add('produce', 'raw kafkajs produce, records/s (idempotent, acks all, sends of 1,000)', 'records/s', run.produce);
    s.add('consume', 'raw kafkajs consume, records/s (eachBatch, no processing)', 'records/s', run.consume);
    s.add('limit', 'physical limit: min(produce, consume)', 'records/s', Math.min(run.produce, run.consume));
    s.add('produce_mb', 'raw kafkajs produce, MB/s of keys and values', 'MB/s', (run.produce * run.messageBytes) / 1e6);
    s.add('message_bytes', 'record size (key + value: one telemetry event as ingestion publishes it)', 'bytes', run.messageBytes);
  }
  return {
    id: 'kafka_raw',
    title: 'Physical limit: raw kafkajs on the same broker',
    figures: s.figures(),
    notes: [`${messages.toLocaleString('en-US')} records per run on a topic of ${PARTITIONS} partitions, compression ${COMPRESSION}; one producer and one consumer in this process, nothing else running in it.`],
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  console.log(sectionMarkdown(await runKafkaRaw()));
}
