/**
 * Open-loop load generators: events are due at a fixed rate from the start, whatever the system under
 * test does; a generator that cannot send what is due (too many sends pending) falls behind, and its
 * achieved rate says so. Two ingest paths:
 * - the raw Kafka topic ingestion consumes (`ingestion.rawTopic`): each record a JSON array of up to
 *   `eventsPerRecord` events, sent when full or when its oldest event has waited `lingerMs` (as a Kafka
 *   producer's linger), records spread round-robin over the partitions;
 * - POST /v1/telemetry over HTTP with JSON batches.
 */
import { CompressionTypes, Kafka, logLevel, type Producer } from 'kafkajs';
import { AUTH, BROKERS, COMPRESSION } from './services.js';
import type { EventSource } from './traffic.js';

const TICK_MS = 10;
/** Bytes of records in one produce request: spread over the partitions, far below the broker's 1 MB per partition. */
const SEND_BYTES = 2 * 1024 * 1024;

export interface LoadResult {
  /** Events handed to the transport. */
  sent: number;
  seconds: number;
  achievedRate: number;
  /** Sends that failed (the broker or server refused them): a run with failures is not valid. */
  failures: number;
  firstError?: string;
}

export interface Injection {
  /** Anomalous events per second, spread evenly. */
  perSecond: number;
  /** Called with the event id and performance.now() just before its send starts. */
  onSent(id: string, at: number): void;
}

/** The sends of a run still waiting for their answer, and the failures among those answered. */
class InFlight {
  count = 0;
  failures = 0;
  firstError: string | undefined;

  track(send: Promise<unknown>): void {
    this.count++;
    send
      .catch((e: Error) => {
        this.failures++;
        this.firstError ??= e.message;
      })
      .finally(() => this.count--);
  }

  /** Resolves once every tracked send has been answered. */
  async settled(): Promise<void> {
    while (this.count > 0) await new Promise((r) => setTimeout(r, 5));
  }
}

/**
 * Runs `emit(n)` every tick with the events due since the last one, until `durationMs` has passed; a tick
 * with `maxPending` sends unanswered emits nothing (the generator falls behind). Then `flush()` sends what
 * is buffered, and the result waits for every answer.
 */
async function openLoop(o: { rate: number; durationMs: number; maxPending: number; signal?: AbortSignal }, inFlight: InFlight, emit: (due: number, wallMs: number) => void, flush: () => void): Promise<LoadResult> {
  const { rate, durationMs, maxPending, signal } = o;
  const t0 = performance.now();
  let sent = 0;
  for (;;) {
    const now = performance.now();
    const elapsed = now - t0;
    if (elapsed >= durationMs || signal?.aborted) break;
    const due = Math.floor((rate * elapsed) / 1000) - sent;
    if (due > 0 && inFlight.count < maxPending) {
      emit(due, Date.now());
      sent += due;
    }
    const next = t0 + Math.ceil((elapsed + 1) / TICK_MS) * TICK_MS;
    await new Promise((r) => setTimeout(r, Math.max(0, next - performance.now())));
  }
  const seconds = (performance.now() - t0) / 1000;
  flush();
  await inFlight.settled();
  return { sent, seconds, achievedRate: sent / seconds, failures: inFlight.failures, firstError: inFlight.firstError };
}

export class RawTopicLoad {
  private producer: Producer | null = null;
  private rr = 0;
  private injectPair = 0;

  constructor(
    private readonly topic: string,
    private readonly source: EventSource,
    private readonly partitions: number,
    readonly eventsPerRecord = 100,
    /** Longest an event waits for its record to fill (the generator ticks every 10 ms). */
    readonly lingerMs = 10,
    private readonly maxPending = 64,
  ) {}

  async connect(): Promise<void> {
    this.producer = new Kafka({ brokers: BROKERS, clientId: 'sentinel-bench-load', logLevel: logLevel.NOTHING }).producer({ allowAutoTopicCreation: false });
    await this.producer.connect();
  }

  async close(): Promise<void> {
    await this.producer?.disconnect();
  }

  /** Sends `count` events now, as fast as the broker takes them (warm-up), and waits for every ack. */
  async burst(count: number, timeMs = Date.now()): Promise<void> {
    const batch: Array<{ value: string; partition: number }> = [];
    let bytes = 0;
    for (let i = 0; i < count; ) {
      const events: string[] = [];
      for (let k = 0; k < this.eventsPerRecord && i < count; k++, i++) events.push(this.source.next(timeMs).json);
      const value = `[${events.join(',')}]`;
      batch.push({ value, partition: this.rr++ % this.partitions });
      bytes += value.length;
      if (bytes >= SEND_BYTES) {
        await this.send(batch.splice(0));
        bytes = 0;
      }
    }
    if (batch.length) await this.send(batch);
  }

  /** One produce request per SEND_BYTES of records: a partition's share stays under the broker's 1 MB message.max.bytes. */
  private async send(messages: Array<{ value: string; partition: number }>): Promise<void> {
    const compression = COMPRESSION === 'gzip' ? CompressionTypes.GZIP : CompressionTypes.None;
    for (let from = 0, bytes = 0, i = 0; i <= messages.length; i++) {
      if (i === messages.length || bytes + messages[i]!.value.length > SEND_BYTES) {
        if (i > from) await this.producer!.send({ topic: this.topic, acks: -1, compression, messages: messages.slice(from, i) });
        from = i;
        bytes = 0;
      }
      if (i < messages.length) bytes += messages[i]!.value.length;
    }
  }

  async run(rate: number, durationMs: number, inject?: Injection, signal?: AbortSignal): Promise<LoadResult> {
    const inFlight = new InFlight();
    const injectEvery = inject ? Math.max(1, Math.round(rate / inject.perSecond)) : 0;
    let count = 0;
    // Events wait here until a record is full or the oldest has waited lingerMs, as a Kafka producer batches.
    let buffer: string[] = [];
    /** Injected event ids by their position in `buffer`. */
    let injected: Array<{ id: string; at: number }> = [];
    let since = 0;
    const flush = (all: boolean) => {
      const messages: Array<{ value: string; partition: number }> = [];
      let cut = 0;
      while (buffer.length - cut >= this.eventsPerRecord || (all && buffer.length > cut)) {
        const n = Math.min(this.eventsPerRecord, buffer.length - cut);
        messages.push({ value: `[${buffer.slice(cut, cut + n).join(',')}]`, partition: this.rr++ % this.partitions });
        cut += n;
      }
      if (messages.length === 0) return;
      buffer = buffer.slice(cut);
      const at = performance.now();
      // What is left was generated this tick: its linger starts now.
      if (buffer.length > 0) since = at;
      for (const i of injected) if (i.at < cut) inject!.onSent(i.id, at);
      injected = injected.filter((i) => i.at >= cut).map((i) => ({ id: i.id, at: i.at - cut }));
      inFlight.track(this.send(messages));
    };
    return openLoop(
      { rate, durationMs, maxPending: this.maxPending, signal },
      inFlight,
      (due, wall) => {
        if (buffer.length === 0) since = performance.now();
        for (let i = 0; i < due; i++) {
          const anomalous = injectEvery > 0 && ++count % injectEvery === 0;
          // Injections take the pairs in a rotation of their own: never the same pair in step with the round-robin.
          const e = anomalous ? this.source.next(wall, true, this.injectPair++ % this.source.pairs.length) : this.source.next(wall);
          if (anomalous) injected.push({ id: e.id, at: buffer.length });
          buffer.push(e.json);
        }
        flush(performance.now() - since >= this.lingerMs);
      },
      () => flush(true),
    );
  }
}

export class HttpLoad {
  constructor(
    private readonly url: string,
    private readonly source: EventSource,
    readonly batchEvents = 500,
    private readonly maxPending = 32,
  ) {}

  async run(rate: number, durationMs: number, signal?: AbortSignal): Promise<LoadResult> {
    const inFlight = new InFlight();
    const buffered: string[] = [];
    const post = (events: string[]) =>
      inFlight.track(
        fetch(`${this.url}/v1/telemetry`, { method: 'POST', headers: { ...AUTH, 'content-type': 'application/json' }, body: `[${events.join(',')}]` }).then(async (res) => {
          if (res.status !== 202) throw new Error(`ingest answered ${res.status}: ${(await res.text()).slice(0, 200)}`);
          await res.arrayBuffer().catch(() => undefined);
        }),
      );
    return openLoop(
      { rate, durationMs, maxPending: this.maxPending, signal },
      inFlight,
      (due, wall) => {
        for (let i = 0; i < due; i++) buffered.push(this.source.next(wall).json);
        while (buffered.length >= this.batchEvents) post(buffered.splice(0, this.batchEvents));
      },
      () => {
        if (buffered.length) post(buffered.splice(0));
      },
    );
  }
}
