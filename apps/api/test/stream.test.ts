import { connect } from 'node:net';
import pino from 'pino';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryBus } from '@sentinel/bus';
import { TOPICS, encodeJson, sampleAnomaly, type AnomalyEvent } from '@sentinel/contracts';
import { createHttpServer } from '@sentinel/http';
import { AnomalyFeed, anomalyFilter, anomalyStreamRoutes } from '../src/index.js';

const KEYS = {
  read: { id: 'reader', key: 'sk_stream_read_0123456789abcdef', scopes: ['read' as const] },
  ingest: { id: 'ingester', key: 'sk_stream_ingest_0123456789abcd', scopes: ['ingest' as const] },
};
const auth = (k: { key: string }) => ({ authorization: `Bearer ${k.key}` });

interface SseEvent {
  event: string;
  data: string;
  id: string | null;
}

/** A server-sent-events reader over fetch(), as the console reads the stream: events and comments, in order. */
class SseClient {
  readonly items: Array<SseEvent | { comment: string }> = [];
  private buffer = '';
  private readonly abort = new AbortController();
  closed = false;
  status = 0;

  static async open(url: string, headers: Record<string, string>): Promise<SseClient> {
    const c = new SseClient();
    const res = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: c.abort.signal });
    c.status = res.status;
    expect(res.status, await (res.ok ? Promise.resolve('') : res.text())).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    void c.pump(res.body!.getReader());
    return c;
  }

  private async pump(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    let block: SseEvent = { event: 'message', data: '', id: null };
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        this.buffer += decoder.decode(value, { stream: true });
        let nl: number;
        while ((nl = this.buffer.indexOf('\n')) >= 0) {
          const line = this.buffer.slice(0, nl);
          this.buffer = this.buffer.slice(nl + 1);
          if (line === '') {
            if (block.data !== '' || block.event !== 'message') this.items.push(block);
            block = { event: 'message', data: '', id: null };
          } else if (line.startsWith(':')) this.items.push({ comment: line.slice(1).trim() });
          else {
            const [name, ...rest] = line.split(':');
            const v = rest.join(':').replace(/^ /, '');
            if (name === 'event') block.event = v;
            else if (name === 'data') block.data += v;
            else if (name === 'id') block.id = v;
          }
        }
      }
    } catch {
      // aborted
    }
    this.closed = true;
  }

  get events(): SseEvent[] {
    return this.items.filter((i): i is SseEvent => 'event' in i);
  }

  anomalies(): AnomalyEvent[] {
    return this.events.filter((e) => e.event === 'anomaly').map((e) => JSON.parse(e.data) as AnomalyEvent);
  }

  async until<T>(probe: () => T | undefined | false, what: string, ms = 5000): Promise<T> {
    const deadline = Date.now() + ms;
    for (;;) {
      const v = probe();
      if (v) return v;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; got ${JSON.stringify(this.items)}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  ready(): Promise<SseEvent> {
    return this.until(() => this.events.find((e) => e.event === 'ready'), 'the ready event');
  }

  close(): void {
    this.abort.abort();
  }
}

describe('GET /v1/anomalies/stream (a real server, read with fetch)', () => {
  let bus: MemoryBus;
  let feed: AnomalyFeed;
  let app: FastifyInstance;
  let base: string;
  const clients: SseClient[] = [];
  const open = async (search = '', headers: Record<string, string> = {}) => {
    const c = await SseClient.open(`${base}/v1/anomalies/stream${search}`, { ...auth(KEYS.read), ...headers });
    clients.push(c);
    return c;
  };
  const publish = (...anomalies: AnomalyEvent[]) => bus.topic(TOPICS.anomalies).publish(anomalies.map((a) => ({ key: a.series_key, value: encodeJson(a) })));

  beforeAll(async () => {
    bus = new MemoryBus(4);
    feed = new AnomalyFeed(bus, { capacity: 5 });
    await feed.start();
    app = createHttpServer({ logger: pino({ level: 'silent' }), keys: Object.values(KEYS), bodyLimitBytes: 1 << 20 });
    await app.register(anomalyStreamRoutes, { feed, heartbeatMs: 100 });
    await app.listen({ host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  });
  afterAll(async () => {
    for (const c of clients) c.close();
    await app.close();
    await feed.stop();
    await bus.close();
  });

  it('needs a key with the read scope, and valid filters', async () => {
    const anon = await fetch(`${base}/v1/anomalies/stream`);
    expect(anon.status).toBe(401);
    expect(anon.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect((await fetch(`${base}/v1/anomalies/stream`, { headers: { authorization: 'Bearer sk_nope_0123456789' } })).status).toBe(401);
    expect((await fetch(`${base}/v1/anomalies/stream`, { headers: auth(KEYS.ingest) })).status).toBe(403);
    const bad = await fetch(`${base}/v1/anomalies/stream?min_severity=urgent&from=yesterday`, { headers: auth(KEYS.read) });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { errors: Array<{ field: string }> }).errors.map((e) => e.field).sort()).toEqual(['from', 'min_severity']);
  });

  it('streams each new anomaly that matches the filters, and only those', async () => {
    const all = await open();
    const search = await open('?service=search&min_severity=high');
    await Promise.all([all.ready(), search.ready()]);
    const sent = [
      sampleAnomaly({ service_name: 'checkout', severity: 'critical' }),
      sampleAnomaly({ service_name: 'search', severity: 'low' }),
      sampleAnomaly({ service_name: 'search', severity: 'high' }),
      sampleAnomaly({ service_name: 'search', severity: 'critical', anomaly_type: 'cost_anomaly', metric: 'cost_usd' }),
    ];
    await publish(...sent);
    await all.until(() => all.anomalies().length === 4, 'every anomaly');
    expect(all.anomalies().map((a) => a.alert_id)).toEqual(sent.map((a) => a.alert_id));
    await search.until(() => search.anomalies().length === 2, 'the two matching anomalies');
    expect(search.anomalies().map((a) => a.alert_id)).toEqual([sent[2]!.alert_id, sent[3]!.alert_id]);
    // Each event carries its position, in order.
    const ids = all.events.filter((e) => e.event === 'anomaly').map((e) => Number(e.id!.split('.')[1]));
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(new Set(ids).size).toBe(4);
  });

  it('sends an anomaly redelivered by the bus once', async () => {
    const c = await open('?service=dedup');
    await c.ready();
    const a = sampleAnomaly({ service_name: 'dedup' });
    await publish(a);
    await publish(a);
    await publish(sampleAnomaly({ service_name: 'dedup' }));
    await c.until(() => c.anomalies().length >= 2, 'two anomalies');
    await new Promise((r) => setTimeout(r, 100));
    expect(c.anomalies().filter((x) => x.alert_id === a.alert_id)).toHaveLength(1);
  });

  it('keeps the stream open with a heartbeat comment', async () => {
    const c = await open();
    await c.until(() => c.items.some((i) => 'comment' in i && i.comment === 'heartbeat'), 'a heartbeat');
    expect(c.closed).toBe(false);
  });

  it('resumes after Last-Event-ID with what was missed, and says reset when it cannot', async () => {
    const first = await open('?service=resume');
    await first.ready();
    const a = sampleAnomaly({ service_name: 'resume' });
    await publish(a);
    const seen = await first.until(() => first.events.find((e) => e.event === 'anomaly'), 'the first anomaly');
    first.close();
    const missed = [sampleAnomaly({ service_name: 'resume' }), sampleAnomaly({ service_name: 'other' }), sampleAnomaly({ service_name: 'resume' })];
    await publish(...missed);
    await new Promise((r) => setTimeout(r, 50));

    const again = await open('?service=resume', { 'last-event-id': seen.id! });
    const ready = await again.ready();
    expect(JSON.parse(ready.data)).toEqual({ resumed: true });
    // The missed ones that match come before `ready`, whose id is the newest position.
    expect(again.anomalies().map((x) => x.alert_id)).toEqual([missed[0]!.alert_id, missed[2]!.alert_id]);
    expect(again.events.at(-1)!.event).toBe('ready');
    expect(ready.id).toBe(feed.eventId());

    for (const id of ['another-process.3', `${feed.boot}.999999`, `${feed.boot}.0`]) {
      const lost = await open('?service=resume', { 'last-event-id': id });
      await lost.ready();
      expect(lost.events.map((e) => e.event), id).toEqual(['reset', 'ready']);
    }
  });

  it('ends open streams and unused connections when the server closes, so close() does not wait for clients', async () => {
    const bus2 = new MemoryBus(2);
    const feed2 = new AnomalyFeed(bus2);
    await feed2.start();
    const server = createHttpServer({ logger: pino({ level: 'silent' }), keys: Object.values(KEYS), bodyLimitBytes: 1 << 20 });
    await server.register(anomalyStreamRoutes, { feed: feed2 });
    await server.listen({ host: '127.0.0.1', port: 0 });
    const port = (server.server.address() as { port: number }).port;
    const c = await SseClient.open(`http://127.0.0.1:${port}/v1/anomalies/stream`, auth(KEYS.read));
    await c.ready();
    // And a connection that never sends a request, as browsers open ahead of need.
    const spare = connect({ host: '127.0.0.1', port });
    await new Promise((resolve) => spare.once('connect', resolve));
    const spareClosed = new Promise((resolve) => spare.once('close', resolve));
    expect(feed2.subscribers).toBe(1);
    const started = Date.now();
    await server.close();
    expect(Date.now() - started).toBeLessThan(2000);
    await c.until(() => c.closed, 'the stream to end');
    await spareClosed;
    expect(feed2.subscribers).toBe(0);
    await feed2.stop();
    await bus2.close();
  });

  it('GET /v1/whoami names the key and its scopes, for any known key', async () => {
    expect((await fetch(`${base}/v1/whoami`)).status).toBe(401);
    const res = await fetch(`${base}/v1/whoami`, { headers: auth(KEYS.ingest) });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ id: 'ingester', scopes: ['ingest'] });
  });
});

describe('anomalyFilter: the filters of GET /v1/anomalies as a predicate', () => {
  const a = sampleAnomaly({
    service_name: 'svc',
    model: 'm',
    metric: 'latency_ms',
    anomaly_type: 'latency_spike',
    severity: 'medium',
    detection_method: 'mad',
    detectors: [
      { method: 'z_score', anomalous: true, score: 0.9, statistic: 5, threshold: 3 },
      { method: 'iqr', anomalous: false, score: 0.2, statistic: 0.5, threshold: 1.5 },
    ],
    timestamp: '2025-06-01T12:00:00.000Z',
  });
  const t = Date.parse(a.timestamp);
  it.each([
    [{}, true],
    [{ service: 'svc', model: 'm', metric: 'latency_ms', type: 'latency_spike' }, true],
    [{ service: 'other' }, false],
    [{ model: 'other' }, false],
    [{ metric: 'cost_usd' }, false],
    [{ type: 'cost_anomaly' }, false],
    [{ min_severity: 'medium' as const }, true],
    [{ min_severity: 'high' as const }, false],
    [{ method: 'mad' }, true],
    [{ method: 'z_score' }, true],
    [{ method: 'iqr' }, false],
    [{ from: t, to: t + 1 }, true],
    [{ from: t + 1 }, false],
    [{ to: t }, false],
  ])('%j → %s', (filter, expected) => {
    expect(anomalyFilter(filter)(a)).toBe(expected);
  });
});
