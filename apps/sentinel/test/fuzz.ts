import fc from 'fast-check';
import { sampleTelemetry } from '@sentinel/contracts';

/** A valid anchor-format event whose id says it must land. */
export const validEvent = (i: number) => sampleTelemetry({ event_id: `0f0f0f0f-0000-4000-8000-${i.toString(16).padStart(12, '0')}`, timestamp: '2025-06-01T12:00:00Z', service_name: 'fuzz' });

const FIELDS = ['event_id', 'timestamp', 'service_name', 'model', 'prompt', 'response', 'latency_ms', 'cost_usd', 'metadata', 'errors', 'time_to_first_token_ms', 'trace_id'];

const hostileValue = fc.oneof(
  fc.anything(),
  fc.constantFrom(null, -1, Number.MAX_VALUE, -0, '', 'NaN', 'Infinity', '1e999', '__proto__', '\u0000', '\ud800', 'x'.repeat(100_001), [], {}, { __proto__: { polluted: true } }),
  fc.string({ maxLength: 50 }),
  fc.double(),
  fc.integer(),
);

/** An event with one to three fields removed, retyped or replaced by something hostile. */
const brokenEvent = fc
  .tuple(fc.array(fc.constantFrom(...FIELDS), { minLength: 1, maxLength: 3 }), fc.array(hostileValue, { minLength: 3, maxLength: 3 }), fc.boolean())
  .map(([fields, values, remove]) => {
    const e = { ...sampleTelemetry({ service_name: 'fuzz' }) } as Record<string, unknown>;
    fields.forEach((f, i) => {
      if (remove) delete e[f];
      else e[f] = values[i];
    });
    return e;
  });

/** Text bodies that are not a valid event: truncated JSON, random text, deep nesting, prototype pollution. */
export const hostileBody: fc.Arbitrary<string> = fc.oneof(
  brokenEvent.map((e) => JSON.stringify(e)),
  fc.tuple(fc.constant(JSON.stringify(sampleTelemetry())), fc.nat()).map(([s, n]) => s.slice(0, n % s.length)),
  fc.string({ maxLength: 200 }),
  fc.json({ maxDepth: 4 }),
  fc.nat({ max: 20_000 }).map((depth) => '['.repeat(depth) + ']'.repeat(depth)),
  fc.constant('{"__proto__": {"admin": true}, "constructor": {"prototype": {"x": 1}}}'),
  fc.array(brokenEvent, { maxLength: 5 }).map((a) => JSON.stringify(a)),
);
