import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOPICS, sampleTelemetry } from '@sentinel/contracts';
import { KEYS, bearer, startTestSentinel, type TestSentinel } from './harness.js';

/** Seeded PII of every kind, as a user's prompt would carry it. */
const PII = {
  email: 'jane.doe@example.com',
  phone: '+44 20 7946 0958',
  card: '4111 1111 1111 1111',
  iban: 'DE89 3704 0044 0532 0130 00',
  ip: '203.0.113.45',
  openaiKey: ['sk', 'proj', 'a1B2c3D4e5F6g7H8i9J0kLmNoPqRsTuV'].join('-'),
  aws: ['AKIA', 'IOSFODNN7EXAMPLE'].join(''),
  ssn: '123-45-6789',
};
const VALUES = Object.values(PII);

let s: TestSentinel;
const published: string[] = [];
beforeAll(async () => {
  s = await startTestSentinel();
  await s.bus.topic(TOPICS.telemetry).consume({ group: 'pii-audit', handler: async (b) => void published.push(...b.records.map((r) => r.value.toString('utf8'))) });
});
afterAll(() => s.dispose());

describe('PII redaction at ingestion', () => {
  it('publishes and stores none of the seeded PII, from prompt, response, metadata or errors', async () => {
    const events = Array.from({ length: 60 }, (_, i) =>
      sampleTelemetry({
        service_name: 'pii',
        timestamp: new Date(Date.parse('2025-06-01T12:00:00Z') + i * 1000).toISOString(),
        latency_ms: i === 59 ? 50_000 : 400 + (i % 7) * 10,
        prompt: { text: `Card ${PII.card}, mail ${PII.email}, call ${PII.phone}, IBAN ${PII.iban}`, tokens: 30 },
        response: { text: `Your key ${PII.openaiKey} and ${PII.aws} were rotated; SSN on file ${PII.ssn}.`, tokens: 20, finish_reason: 'stop' },
        metadata: { client_ip: PII.ip, user_email: PII.email },
        errors: i % 10 === 0 ? [`upstream rejected ${PII.email}`] : [],
      }),
    );
    const res = await s.http.inject({ method: 'POST', url: '/v1/telemetry', headers: bearer(KEYS.ingest), payload: events });
    expect(res.statusCode).toBe(202);
    await s.settle();

    expect(published).toHaveLength(60);
    for (const record of published) for (const v of VALUES) expect(record).not.toContain(v);
    const first = JSON.parse(published[0]!) as { prompt: { text: string }; metadata: Record<string, string> };
    expect(first.prompt.text).toBe('Card [payment_card], mail [email], call [phone], IBAN [iban]');
    expect(first.metadata).toEqual({ client_ip: '[ip_address]', user_email: '[email]' });

    const stored = await Promise.all(['/v1/telemetry?service=pii&from=2025-06-01T00:00:00Z&to=2025-06-02T00:00:00Z&limit=100', '/v1/anomalies?service=pii&limit=100'].map((url) => s.http.inject({ url, headers: bearer(KEYS.read) })));
    expect((stored[0]!.json() as { data: unknown[] }).data).toHaveLength(60);
    for (const r of stored) for (const v of VALUES) expect(r.body).not.toContain(v);

    const metrics = await s.http.inject({ url: '/metrics', headers: bearer(KEYS.read) });
    expect(metrics.body).toMatch(/sentinel_pii_redacted_total\{entity="payment_card"\} [1-9]/);
  });
});
