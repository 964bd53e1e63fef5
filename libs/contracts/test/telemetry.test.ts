import { describe, expect, it } from 'vitest';
import { MAX_TEXT_LENGTH, decodeTelemetry, encodeJson, sampleTelemetry, shardKey, validateTelemetryBatch, validateTelemetryEvent } from '../src/index.js';

function issuesOf(input: unknown) {
  const r = validateTelemetryEvent(input);
  if (r.ok) throw new Error('expected a validation failure');
  return r.issues;
}

function fieldsOf(input: unknown): string[] {
  return issuesOf(input).map((i) => i.field);
}

describe('TelemetryEvent: the anchor wire format', () => {
  it('accepts the anchor format exactly, including null options and unknown fields', () => {
    const r = validateTelemetryEvent({ ...sampleTelemetry(), trace_id: 'abc', span_id: null, something_new: { x: 1 } });
    expect(r.ok).toBe(true);
    if (r.ok) {
      expect(r.value).not.toHaveProperty('something_new');
      expect(r.value.trace_id).toBe('abc');
    }
  });

  it('accepts an optional time_to_first_token_ms and rejects a negative one', () => {
    expect(validateTelemetryEvent(sampleTelemetry({ time_to_first_token_ms: 120 })).ok).toBe(true);
    expect(fieldsOf(sampleTelemetry({ time_to_first_token_ms: -1 }))).toEqual(['time_to_first_token_ms']);
  });

  it('normalises UUIDs to hyphenated lower case, as the anchor emits them', () => {
    for (const form of ['6F9619FF-8B86-D011-B42D-00C04FC964FF', '6f9619ff8b86d011b42d00c04fc964ff', '{6f9619ff-8b86-d011-b42d-00c04fc964ff}', 'urn:uuid:6f9619ff-8b86-d011-b42d-00c04fc964ff']) {
      const r = validateTelemetryEvent(sampleTelemetry({ event_id: form }));
      expect(r.ok && r.value.event_id).toBe('6f9619ff-8b86-d011-b42d-00c04fc964ff');
    }
    expect(fieldsOf(sampleTelemetry({ event_id: 'not-a-uuid' }))).toEqual(['event_id']);
  });

  it('converts timestamps with any offset to UTC and rejects non-RFC 3339 forms', () => {
    const r = validateTelemetryEvent(sampleTelemetry({ timestamp: '2025-06-01T14:00:00+02:00' }));
    expect(r.ok && r.value.timestamp).toBe('2025-06-01T12:00:00.000Z');
    for (const bad of ['2025-06-01', '2025-06-01T12:00:00', 'yesterday', '2025-13-01T00:00:00Z', 1717243200000]) {
      expect(fieldsOf(sampleTelemetry({ timestamp: bad as string }))).toEqual(['timestamp']);
    }
  });

  it('requires every non-optional field and names each one missing', () => {
    const fields = fieldsOf({});
    expect(fields).toEqual(expect.arrayContaining(['event_id', 'timestamp', 'service_name', 'model', 'prompt', 'response', 'latency_ms', 'cost_usd', 'metadata', 'errors']));
    expect(issuesOf({}).find((i) => i.field === 'metadata')?.reason).toMatch(/required/);
    for (const i of issuesOf({})) expect(i.reason, i.field).toMatch(/^is required/);
    expect(issuesOf(sampleTelemetry({ prompt: 'hello' as never })).map((i) => `${i.field}: ${i.reason}`)).toEqual(['prompt: must be an object, got string']);
  });

  it('rejects empty or over-long names', () => {
    expect(fieldsOf(sampleTelemetry({ service_name: '  ' }))).toEqual(['service_name']);
    expect(fieldsOf(sampleTelemetry({ model: 'm'.repeat(257) }))).toEqual(['model']);
  });

  it('checks nested prompt and response fields, which the anchor declared but never enforced', () => {
    const bad = sampleTelemetry({
      prompt: { text: 'x'.repeat(MAX_TEXT_LENGTH + 1), tokens: 1 },
      response: { text: 'ok', tokens: 1, finish_reason: 5 as unknown as string },
    });
    expect(fieldsOf(bad).sort()).toEqual(['prompt.text', 'response.finish_reason']);
  });

  it('requires whole, non-negative, u32 token counts', () => {
    for (const [tokens, reason] of [
      [-1, />= 0/],
      [1.5, /whole/],
      [2 ** 32, /<=/],
      ['12', /number/],
    ] as const) {
      const issues = issuesOf(sampleTelemetry({ prompt: { text: 'a', tokens: tokens as number } }));
      expect(issues).toHaveLength(1);
      expect(issues[0]!.field).toBe('prompt.tokens');
      expect(issues[0]!.reason).toMatch(reason);
    }
  });

  it('requires finite, non-negative latency and cost', () => {
    for (const v of [-0.1, Number.NaN, Infinity, '5']) {
      expect(fieldsOf(sampleTelemetry({ latency_ms: v as number }))).toEqual(['latency_ms']);
      expect(fieldsOf(sampleTelemetry({ cost_usd: v as number }))).toEqual(['cost_usd']);
    }
    expect(issuesOf(sampleTelemetry({ latency_ms: Number.NaN }))[0]!.reason).toMatch(/NaN/);
  });

  it('requires metadata to map strings to strings, and bounds it', () => {
    expect(fieldsOf(sampleTelemetry({ metadata: { user_id: 7 as unknown as string } }))).toEqual(['metadata.user_id']);
    const many = Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`k${i}`, 'v']));
    expect(fieldsOf(sampleTelemetry({ metadata: many }))).toEqual(['metadata']);
    expect(fieldsOf(sampleTelemetry({ metadata: [] as unknown as Record<string, string> }))).toEqual(['metadata']);
  });

  it('requires errors to be an array of strings', () => {
    expect(fieldsOf(sampleTelemetry({ errors: 'boom' as unknown as string[] }))).toEqual(['errors']);
    expect(fieldsOf(sampleTelemetry({ errors: ['ok', 3 as unknown as string] }))).toEqual(['errors[1]']);
  });

  it('rejects a non-object with one root issue', () => {
    for (const v of [null, 42, 'event', []]) expect(fieldsOf(v)).toEqual(['(root)']);
  });

  it('returns every failing field at once', () => {
    expect(fieldsOf(sampleTelemetry({ latency_ms: -1, cost_usd: -1, model: '' }))).toHaveLength(3);
  });
});

describe('batches, codec and shard key', () => {
  it('validates each element of a batch on its own, with indexed field paths', () => {
    const { accepted, rejected } = validateTelemetryBatch([sampleTelemetry(), sampleTelemetry({ latency_ms: -5 }), sampleTelemetry()]);
    expect(accepted).toHaveLength(2);
    expect(rejected).toEqual([{ index: 1, issues: [{ field: '[1].latency_ms', reason: 'must be >= 0' }] }]);
  });

  it('round-trips through the JSON codec and reports undecodable bytes', () => {
    const r = validateTelemetryEvent(sampleTelemetry());
    if (!r.ok) throw new Error('fixture invalid');
    const back = decodeTelemetry(encodeJson(r.value));
    expect(back).toEqual({ ok: true, value: r.value });
    const bad = decodeTelemetry(Buffer.from('{"event_id":'));
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.issues[0]!.reason).toMatch(/not valid JSON/);
  });

  it('keys by service and model without ambiguity', () => {
    expect(shardKey({ service_name: 'a|b', model: 'c' })).not.toBe(shardKey({ service_name: 'a', model: 'b|c' }));
    expect(shardKey({ service_name: 's', model: 'm' })).toBe(shardKey({ service_name: 's', model: 'm' }));
  });
});
