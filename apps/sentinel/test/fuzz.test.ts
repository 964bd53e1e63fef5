import fc from 'fast-check';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOPICS, decodeTelemetry } from '@sentinel/contracts';
import { MemoryBus } from '@sentinel/bus';
import { MemoryRateLimiter } from '@sentinel/state';
import { IngestAdmission, RawTopicIngestion, TelemetryPublisher } from '@sentinel/app-ingestion';
import { hostileBody, validEvent } from './fuzz.js';
import { KEYS, bearer, startTestSentinel, type TestSentinel } from './harness.js';

const RUNS = 10_000;
let s: TestSentinel;
beforeAll(async () => {
  s = await startTestSentinel({ server: { bodyLimitBytes: 256 * 1024 }, ingestion: { rateLimit: { eventsPerSecond: 1e9, burst: 1e9 } } });
});
afterAll(() => s.dispose());

describe('fuzzing every ingest path', () => {
  it(`POST /v1/telemetry answers ${RUNS} hostile bodies with 202 or 4xx, and the valid events beside them land`, async () => {
    const statuses = new Map<number, number>();
    let n = 0;
    const mixed: string[] = [];
    await fc.assert(
      fc.asyncProperty(hostileBody, fc.boolean(), async (body, withValid) => {
        // Half the time a valid event rides along in a batch with the hostile one.
        const id = n++;
        const payload = withValid ? `[${JSON.stringify(validEvent(id))},${body.length > 0 ? body : 'null'}]` : body;
        const res = await s.http.inject({ method: 'POST', url: '/v1/telemetry', headers: { ...bearer(KEYS.ingest), 'content-type': 'application/json' }, payload });
        statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
        expect(res.statusCode === 202 || (res.statusCode >= 400 && res.statusCode < 500), `${res.statusCode} for ${payload.slice(0, 200)}`).toBe(true);
        expect(() => JSON.parse(res.body)).not.toThrow();
        if (withValid && res.statusCode === 202) mixed.push(validEvent(id).event_id);
      }),
      { numRuns: RUNS, seed: 42 },
    );
    expect(statuses.get(202)).toBeGreaterThan(RUNS / 4);
    await s.settle();
    const stored = await s.http.inject({ url: '/v1/telemetry?service=fuzz&model=gpt-4o&from=2025-06-01T00:00:00Z&to=2025-06-02T00:00:00Z&limit=10000', headers: bearer(KEYS.read) });
    const ids = new Set((stored.json().data as Array<{ event_id: string }>).map((p) => p.event_id));
    expect(mixed.filter((id) => !ids.has(id))).toEqual([]);
  }, 300_000);

  it(`the raw topic sends each of ${RUNS} hostile records on or to the DLQ with a reason, never stalling`, async () => {
    const bus = new MemoryBus(4);
    const ingestion = new RawTopicIngestion(bus, new TelemetryPublisher(bus), new IngestAdmission(new MemoryRateLimiter(), { ratePerSecond: 1e9, burst: 1e9, perKey: {} }), pino({ level: 'silent' }));
    let published = 0;
    let deadLettered = 0;
    let valid = 0;
    await bus.topic(TOPICS.telemetry).consume({ group: 'count', handler: async (b) => void (published += b.records.filter((r) => decodeTelemetry(r.value).ok).length) });
    await bus.topic(TOPICS.telemetryDlq).consume({
      group: 'count',
      handler: async (b) => {
        for (const r of b.records) expect(r.headers['x-sentinel-reason']).toBeTruthy();
        deadLettered += b.records.length;
      },
    });
    await ingestion.start();
    const bodies = fc.sample(hostileBody, { numRuns: RUNS, seed: 7 });
    const records = bodies.map((body, i) => {
      if (i % 10 !== 0) return { key: `k${i % 13}`, value: Buffer.from(body) };
      valid++;
      return { key: 'valid', value: Buffer.from(JSON.stringify(validEvent(i))) };
    });
    await bus.topic(TOPICS.raw).publish(records);
    while (bus.lag(TOPICS.raw) + bus.lag(TOPICS.telemetry) + bus.lag(TOPICS.telemetryDlq) > 0) await new Promise((r) => setTimeout(r, 10));
    await ingestion.stop();
    await bus.close();
    // Every valid record went on; every record produced something (valid events, a DLQ entry, or both).
    expect(published).toBeGreaterThanOrEqual(valid);
    expect(deadLettered).toBeGreaterThan(RUNS / 2);
    expect(deadLettered + published).toBeGreaterThanOrEqual(RUNS);
  }, 300_000);
});
