import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { FastifyPluginAsync } from 'fastify';
import { TOPICS, decodeAnomaly, severityRank, type AnomalyEvent } from '@sentinel/contracts';
import { decodeRecords, type Bus, type Consumer } from '@sentinel/bus';
import { HttpProblem, parseQuery } from '@sentinel/http';
import { AnomalyListQuery } from './params.js';

/** The lag series' group label of every feed, whatever its per-process group. */
const FEED_LAG_LABEL = 'sentinel-api-feed';

/** One anomaly as the feed numbered it: `seq` grows by one per anomaly this process has seen. */
export interface FeedEntry {
  seq: number;
  anomaly: AnomalyEvent;
}

export interface AnomalyFeedOptions {
  /** How many recent anomalies are kept for clients that reconnect with Last-Event-ID (default 1000). */
  capacity?: number;
  /** The consumer group; default unique to this process, so that every process serving the API sees every anomaly. */
  group?: string;
}

/**
 * The live anomaly feed of one process: a consumer of the anomalies topic in a consumer group of its own
 * (unique per process, starting at the newest record), so every process that serves the API sees every
 * anomaly, whichever partitions the storage or alerting consumers hold. In one process the topic is the
 * in-memory bus; over Kafka, the same code joins its own group. Keeps the last `capacity` anomalies, each
 * numbered, so a client that reconnects with the id of the last event it saw misses nothing that is
 * still kept.
 */
export class AnomalyFeed {
  /** Distinguishes this process's event ids from another's (or from before a restart). */
  readonly boot = randomBytes(6).toString('base64url');
  private head = 0;
  private readonly ring: FeedEntry[] = [];
  private readonly kept = new Set<string>();
  private readonly listeners = new Set<(entry: FeedEntry) => void>();
  private consumer: Consumer | null = null;
  private readonly capacity: number;
  readonly group: string;

  constructor(
    private readonly bus: Bus,
    options: AnomalyFeedOptions = {},
  ) {
    this.capacity = options.capacity ?? 1000;
    this.group = options.group ?? `sentinel-api-feed.${hostname()}.${process.pid}.${this.boot}`;
  }

  async start(): Promise<void> {
    this.consumer = await this.bus.topic(TOPICS.anomalies).consume({
      group: this.group,
      lagLabel: FEED_LAG_LABEL,
      // Only what is published from now on: the backlog is the store's (GET /v1/anomalies).
      fromBeginning: false,
      handler: async (batch) => {
        // Records that do not decode are the storage consumer's to dead-letter; the feed skips them.
        for (const anomaly of decodeRecords(batch.records, decodeAnomaly).values) this.push(anomaly);
      },
    });
  }

  async stop(): Promise<void> {
    await this.consumer?.stop();
    this.consumer = null;
    this.listeners.clear();
  }

  /** Numbers an anomaly and hands it to every subscriber; one already kept (a redelivery) is skipped. */
  push(anomaly: AnomalyEvent): void {
    if (this.kept.has(anomaly.alert_id)) return;
    const entry = { seq: ++this.head, anomaly };
    this.ring.push(entry);
    this.kept.add(anomaly.alert_id);
    if (this.ring.length > this.capacity) this.kept.delete(this.ring.shift()!.anomaly.alert_id);
    for (const listener of this.listeners) listener(entry);
  }

  subscribe(listener: (entry: FeedEntry) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get subscribers(): number {
    return this.listeners.size;
  }

  /** The event id of an entry, or of the newest one so far (`seq` omitted). */
  eventId(seq = this.head): string {
    return `${this.boot}.${seq}`;
  }

  /**
   * The entries after the event `lastEventId`, or null when this feed cannot tell (an id of another process or
   * of before a restart, or older than what is kept): the client must then reload its backlog from the store.
   */
  since(lastEventId: string): FeedEntry[] | null {
    const m = /^([A-Za-z0-9_-]+)\.(\d{1,15})$/.exec(lastEventId.trim());
    if (!m || m[1] !== this.boot) return null;
    const seq = Number(m[2]);
    const oldest = this.ring[0]?.seq ?? this.head + 1;
    if (seq > this.head || seq < oldest - 1) return null;
    return this.ring.slice(seq - oldest + 1);
  }
}

/** The filters of GET /v1/anomalies, without the paging. */
export const AnomalyStreamQuery = AnomalyListQuery.omit({ limit: true, cursor: true });
type StreamFilter = ReturnType<typeof AnomalyStreamQuery.parse>;

/** The same filters as GET /v1/anomalies (and the store's), as a predicate. */
export function anomalyFilter(q: StreamFilter): (a: AnomalyEvent) => boolean {
  const minRank = q.min_severity ? severityRank(q.min_severity) : 0;
  return (a) => {
    if (q.service !== undefined && a.service_name !== q.service) return false;
    if (q.model !== undefined && a.model !== q.model) return false;
    if (q.metric !== undefined && a.metric !== q.metric) return false;
    if (q.type !== undefined && a.anomaly_type !== q.type) return false;
    if (severityRank(a.severity) < minRank) return false;
    if (q.method !== undefined && a.detection_method !== q.method && !a.detectors.some((d) => d.anomalous && d.method === q.method)) return false;
    const t = Date.parse(a.timestamp);
    if (q.from !== undefined && t < q.from) return false;
    if (q.to !== undefined && t >= q.to) return false;
    return true;
  };
}

export interface AnomalyStreamOptions {
  feed: AnomalyFeed;
  /** A comment line this often keeps proxies and the client from timing the stream out (default 15 s). */
  heartbeatMs?: number;
  /** Open streams per process (default 1000); past it, 503 with Retry-After. */
  maxClients?: number;
  /** A client that lets this much pile up unread is cut off; it reconnects and resumes (default 1 MiB). */
  maxBufferedBytes?: number;
}

const STREAM_DOC = {
  summary: 'New anomalies as server-sent events',
  description: [
    'A `text/event-stream` that does not end: first an `event: ready` (its `id` marks the position), then one `event: anomaly` per new',
    'anomaly that matches the filters (`data`: the AnomalyEvent JSON, `id`: its position), and a `: heartbeat` comment every 15 s.',
    'Send `Last-Event-ID` (the id of the last event received) to resume: the anomalies missed since are sent first; when the id is',
    'unknown (another process, a restart, or too old) an `event: reset` says so, and the client reloads from GET /v1/anomalies.',
    'Same filters as GET /v1/anomalies, without paging; `from`/`to` apply to event time.',
  ].join(' '),
  tags: ['query'],
  query: AnomalyStreamQuery,
  responses: { 200: { description: 'The event stream', content: { 'text/event-stream': { type: 'string' } } } },
  problems: [503],
};

/** GET /v1/anomalies/stream: the feed over server-sent events, filtered per client. */
export const anomalyStreamRoutes: FastifyPluginAsync<AnomalyStreamOptions> = async (app, { feed, heartbeatMs = 15_000, maxClients = 1000, maxBufferedBytes = 1 << 20 }) => {
  const open = new Set<() => void>();
  // Streams never end on their own: end them before the server waits for its connections to close.
  app.addHook('preClose', async () => {
    for (const end of [...open]) end();
  });

  app.get('/v1/anomalies/stream', { config: { scope: 'read', openapi: STREAM_DOC } }, async (request, reply) => {
    const matches = anomalyFilter(parseQuery(AnomalyStreamQuery, request.query));
    if (open.size >= maxClients) throw new HttpProblem(503, `too many open streams (${maxClients}); try again shortly`, { headers: { 'retry-after': '5' } });
    const lastEventId = request.headers['last-event-id'];
    const backlog = typeof lastEventId === 'string' && lastEventId !== '' ? feed.since(lastEventId) : [];

    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      // nginx and similar proxies would otherwise buffer the stream.
      'x-accel-buffering': 'no',
    });
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      unsubscribe();
      clearInterval(heartbeat);
      open.delete(end);
      res.end();
    };
    const write = (chunk: string) => {
      if (ended) return;
      if (res.writableLength > maxBufferedBytes) return end();
      res.write(chunk);
    };
    const send = (entry: FeedEntry) => {
      if (matches(entry.anomaly)) write(`id: ${feed.eventId(entry.seq)}\nevent: anomaly\ndata: ${JSON.stringify(entry.anomaly)}\n\n`);
    };

    // Subscribing, reading the position and sending the backlog happen in one turn of the event loop: no anomaly
    // can arrive in between, so none is sent twice or lost.
    const unsubscribe = feed.subscribe(send);
    const heartbeat = setInterval(() => write(': heartbeat\n\n'), heartbeatMs);
    heartbeat.unref();
    open.add(end);
    res.on('close', end);
    // The missed anomalies first, then `ready` with the newest position: a client cut off in between resumes
    // from the last one it got.
    const resuming = typeof lastEventId === 'string' && lastEventId !== '';
    write('retry: 3000\n\n');
    if (backlog === null) write(`event: reset\ndata: ${JSON.stringify({ reason: 'Last-Event-ID is not from this feed or is too old; reload from GET /v1/anomalies' })}\n\n`);
    else for (const entry of backlog) send(entry);
    write(`id: ${feed.eventId()}\nevent: ready\ndata: ${JSON.stringify({ resumed: resuming && backlog !== null })}\n\n`);
  });
};
