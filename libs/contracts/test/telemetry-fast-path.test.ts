import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TelemetryEventSchema, sampleTelemetry, validateTelemetryEvent } from '@sentinel/contracts';
import { readTelemetryFast } from '../src/telemetry-fast-path.js';

/** Values that sit on and around every limit and type the schema checks. */
const anyValue = fc.oneof(
  fc.constantFrom(undefined, null, '', ' ', 'x', -0, 0, -1, 1.5, 2 ** 32, 2 ** 32 - 1, NaN, Infinity, [], {}, [1, 2], [1, Infinity], true),
  fc.string({ maxLength: 8 }),
  fc.constantFrom('x'.repeat(64), 'x'.repeat(65), 'x'.repeat(128), 'x'.repeat(129), 'x'.repeat(256), 'x'.repeat(257), 'x'.repeat(4097)),
  fc.constantFrom(
    '2025-06-01T12:00:00Z',
    '2025-06-01T12:00:00.123456789+02:00',
    '2025-02-30T00:00:00.000Z',
    '2025-06-01 12:00:00z',
    '2025-13-01T00:00:00Z',
    'yesterday',
    'F81D4FAE-7DEC-11D0-A765-00A0C91E6BF6',
    '{f81d4fae-7dec-11d0-a765-00a0c91e6bf6}',
    'urn:uuid:f81d4fae7dec11d0a76500a0c91e6bf6',
    'f81d4fae-7dec-11d0-a765-00a0c91e6bf6',
  ),
  fc.dictionary(fc.constantFrom('a', 'b', '__proto__', 'k'.repeat(257)), fc.oneof(fc.string({ maxLength: 4 }), fc.integer())),
  fc.array(fc.oneof(fc.string({ maxLength: 4 }), fc.integer(), fc.double()), { maxLength: 3 }),
);

const paths = [
  'event_id', 'timestamp', 'service_name', 'model', 'trace_id', 'span_id', 'latency_ms', 'time_to_first_token_ms', 'cost_usd', 'metadata', 'errors', 'extra',
  'prompt', 'prompt.text', 'prompt.tokens', 'prompt.embedding', 'prompt.extra',
  'response', 'response.text', 'response.tokens', 'response.finish_reason', 'response.embedding',
] as const;

/** A valid event with up to three fields replaced or removed. */
const input = fc
  .tuple(fc.array(fc.tuple(fc.constantFrom(...paths), anyValue, fc.boolean()), { maxLength: 3 }), fc.boolean())
  .map(([edits, withOptionals]) => {
    const e = JSON.parse(JSON.stringify(sampleTelemetry(withOptionals ? { time_to_first_token_ms: 120, trace_id: 't', span_id: 's', metadata: { region: 'eu' } } : {}))) as Record<string, unknown>;
    for (const [path, value, remove] of edits) {
      const [head, tail] = path.split('.') as [string, string | undefined];
      const target = tail ? e[head] : e;
      if (typeof target !== 'object' || target === null) continue;
      const key = tail ?? head;
      if (remove) delete (target as Record<string, unknown>)[key];
      else (target as Record<string, unknown>)[key] = value;
    }
    return e;
  });

describe('the telemetry fast path', () => {
  it('accepts only what the schema accepts, and returns what it returns, key order included', () => {
    let taken = 0;
    fc.assert(
      fc.property(input, (raw) => {
        const fast = readTelemetryFast(raw);
        const slow = TelemetryEventSchema.safeParse(raw);
        if (fast === null) return;
        taken++;
        expect(slow.success).toBe(true);
        expect(fast).toEqual(slow.data);
        expect(JSON.stringify(fast)).toBe(JSON.stringify(slow.data));
      }),
      { numRuns: 5000 },
    );
    // The generator keeps many events valid: the comparison above is not vacuous.
    expect(taken).toBeGreaterThan(500);
  });

  it('takes the events Sentinel itself writes, and leaves the messages of a bad one to the schema', () => {
    const event = JSON.parse(JSON.stringify(TelemetryEventSchema.parse(sampleTelemetry({ time_to_first_token_ms: 90 })))) as unknown;
    expect(readTelemetryFast(event)).toEqual(event);
    expect(validateTelemetryEvent({ ...(event as object), latency_ms: -1 }, '[2]')).toEqual({ ok: false, issues: [{ field: '[2].latency_ms', reason: 'must be >= 0' }] });
  });
});
