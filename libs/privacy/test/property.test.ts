import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { sampleTelemetry, validateTelemetryEvent, type TelemetryEvent } from '@sentinel/contracts';
import { emptyCounts, findPii, PII_ENTITIES, PiiRedactor, type PiiEntity } from '@sentinel/privacy';
import { SEEDS } from './fixtures.js';

/** Words and the numbers LLM prompts are full of: none of them is PII, alone or side by side. */
const BENIGN = [
  'the', 'refund', 'policy', 'is', 'within', 'days', 'please', 'summarise', 'report', 'and', 'a', 'of', 'to', 'model',
  'latency', 'Error:', 'retry', '->', '=', '{', '}', '(x)', '//', 'a::b', 'std::vector', '@decorator', 'user@localhost',
  '2024', '1969', '30', '42', '0.7', '3.14159', '$19.99', '€1,299.00', '12.5%', '1,234,567', '4096', '12345678', '1717243200',
  '1717243200000', 'v1.2.3', '10.0.1', '2025-06-01T12:00:00Z', '2025-06-01', '14:32:07', '550e8400-e29b-41d4-a716-446655440000',
  'sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08', 'p99=1843ms', '#1234', 'ISBN 978-3-16-148410-0',
  'x+1', 'icon@2x.png', 'lodash@4.17.21', 'AB12', 'sk-learn', 'Bearer', 'token', '127.0.0.1', '::1', '0.0.0.0', 'v10.0.1.2',
];

/**
 * How a value sits in prose: between words or punctuation. Not run together with other groups of digits:
 * "… 10005 020 7946 0958" reads as one long number, and the detectors leave those alone on purpose.
 */
const WRAPPERS: Array<(v: string) => string> = [(v) => `contact ${v} now`, (v) => `(${v})`, (v) => `"${v}"`, (v) => `<${v}>`, (v) => `\n${v}\n`, (v) => `to: ${v}.`, (v) => `; ${v},`];

const ALL_SEEDS = PII_ENTITIES.flatMap((entity) => SEEDS[entity].map((value) => ({ entity, value })));

const benignWords = fc.array(fc.constantFrom(...BENIGN), { minLength: 0, maxLength: 40 });

/** Benign words with seeds spliced in at random positions; returns the text and the seeds used. */
const seededText = fc
  .tuple(benignWords, fc.array(fc.tuple(fc.constantFrom(...ALL_SEEDS), fc.nat(), fc.constantFrom(...WRAPPERS)), { minLength: 1, maxLength: 5 }))
  .map(([words, seeds]) => {
    const out = [...words];
    for (const [seed, at, wrap] of seeds) out.splice(at % (out.length + 1), 0, wrap(seed.value));
    return { text: out.join(' '), seeds: seeds.map(([s]) => s) };
  });

function event(prompt: string, response: string, metadata: Record<string, string>, errors: string[]): TelemetryEvent {
  const r = validateTelemetryEvent(sampleTelemetry({ prompt: { text: prompt, tokens: 10 }, response: { text: response, tokens: 10, finish_reason: 'stop' }, metadata, errors }));
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  return r.value;
}

const REDACTORS = [
  new PiiRedactor({ mode: 'redact' }),
  new PiiRedactor({ mode: 'hash', hashKey: 'property-test-key-0123456789' }),
  new PiiRedactor({ mode: 'drop' }),
];

describe('redactEvent (property)', () => {
  it('leaves none of the seeded PII in any field, in every mode, and counts every seed', () => {
    fc.assert(
      fc.property(seededText, seededText, seededText, seededText, (prompt, response, meta, error) => {
        const input = event(prompt.text, response.text, { note: meta.text, region: 'eu-west-1' }, [error.text]);
        const seeds = [prompt, response, meta, error].flatMap((s) => s.seeds);
        for (const redactor of REDACTORS) {
          const { event: out, counts } = redactor.redactEvent(input);
          const serialised = JSON.stringify(out);
          for (const seed of seeds) expect(serialised, `${redactor.mode}: ${seed.value}`).not.toContain(seed.value);
          const seeded = emptyCounts();
          for (const seed of seeds) seeded[seed.entity]++;
          for (const entity of PII_ENTITIES) expect(counts[entity], `${redactor.mode}: ${entity}`).toBeGreaterThanOrEqual(seeded[entity]);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('passes benign text through untouched', () => {
    fc.assert(
      fc.property(benignWords, fc.constantFrom(' ', '\n', ', '), (words, sep) => {
        const text = words.join(sep);
        expect(findPii(text).map((m) => `${m.entity}:${text.slice(m.start, m.end)}`)).toEqual([]);
        const input = event(text, text, { note: text }, [text]);
        expect(REDACTORS[0]!.redactEvent(input).event).toBe(input);
      }),
      { numRuns: 500 },
    );
  });
});

describe('adversarial input', () => {
  const LENGTH = 100_000;
  const repeat = (unit: string) => unit.repeat(Math.ceil(LENGTH / unit.length)).slice(0, LENGTH);
  const random = (alphabet: string, seed: number) => {
    let x = seed;
    let out = '';
    for (let i = 0; i < LENGTH; i++) {
      x = (x * 1_103_515_245 + 12_345) % 2_147_483_648;
      out += alphabet[x % alphabet.length];
    }
    return out;
  };
  const INPUTS: Record<string, string> = {
    digits: repeat('7'),
    'spaced digits': repeat('1 '),
    'dashed digits': repeat('4-'),
    'plus digits': repeat('+1 2'),
    'card-like groups': repeat('4111 '),
    'trunk-like groups': repeat('020 '),
    'local parts': repeat('a.'),
    'at signs': repeat('a@'),
    'domain labels': repeat('@a.b'),
    'email without TLD': repeat('a') + '@',
    'hex and colons': repeat('ffff:'),
    'colon pairs': repeat('a::'),
    'dotted octets': repeat('1.1.'),
    'sk prefixes': repeat('sk-'),
    'sk body': 'sk-' + repeat('a'),
    'bearer words': repeat('Bearer '),
    'jwt-like': repeat('eyJ.'),
    'iban-like': 'DE89' + repeat('3704 '),
    'nino-like': repeat('AB 12 '),
    'random symbols': random('0123456789 .-+()@:abcdefXYZ_/eyJ', 7),
    'random digits and separators': random('0123456789 -.+', 11),
  };

  it.each(Object.keys(INPUTS))('scans 100 KB of %s in well under a second', (name) => {
    const text = INPUTS[name]!;
    const redactor = new PiiRedactor({ mode: 'redact' });
    const started = performance.now();
    redactor.redactText(text, emptyCounts());
    const ms = performance.now() - started;
    expect(ms).toBeLessThan(500);
  });

  it('matches a 100 KB benign prompt in linear time', () => {
    const text = repeat('Revenue grew 12.5% to $1,299,000 on 2025-06-01T12:00:00Z; version 10.0.1, 4096 tokens. ');
    const counts = emptyCounts();
    const started = performance.now();
    for (let i = 0; i < 5; i++) new PiiRedactor({ mode: 'redact' }).redactText(text, counts);
    expect((performance.now() - started) / 5).toBeLessThan(100);
    expect(counts).toEqual(emptyCounts());
  });

  it('counts entities in a text made only of them', () => {
    const entity: PiiEntity = 'email';
    const text = Array.from({ length: 5000 }, (_, i) => `u${i}@example.com`).join(' ');
    const counts = emptyCounts();
    new PiiRedactor({ mode: 'redact' }).redactText(text, counts);
    expect(counts[entity]).toBe(5000);
  });
});
