import { describe, expect, it } from 'vitest';
import { sampleTelemetry, validateTelemetryEvent, type TelemetryEvent, type TelemetryEventInput } from '@sentinel/contracts';
import { emptyCounts, PiiRedactor, PrivacyConfigSchema } from '@sentinel/privacy';

const KEY = 'a-test-key-of-32-characters-long';

function event(overrides: Partial<TelemetryEventInput> = {}): TelemetryEvent {
  const r = validateTelemetryEvent(sampleTelemetry(overrides));
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  return r.value;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

const PII_EVENT = () =>
  event({
    trace_id: '4bf92f3577b34da6a3ce929d0e0e4736',
    span_id: '00f067aa0ba902b7',
    prompt: { text: 'I am jane.doe@example.com, card 4111 1111 1111 1111, call +44 20 7946 0958.', tokens: 30 },
    response: { text: 'Refund sent to DE89 3704 0044 0532 0130 00 for jane.doe@example.com.', tokens: 20, finish_reason: 'stop' },
    metadata: { region: 'eu-west-1', client_ip: '203.0.113.42', user: 'Jane.Doe@Example.com' },
    errors: ['upstream 401 for key AKIA' + 'IOSFODNN7EXAMPLE', 'timeout after 30000 ms'],
  });

describe('redact mode', () => {
  const redactor = new PiiRedactor({ mode: 'redact' });

  it('replaces values with typed placeholders in text, metadata values and errors, and counts them', () => {
    const input = PII_EVENT();
    const { event: out, counts } = redactor.redactEvent(input);
    expect(out.prompt.text).toBe('I am [email], card [payment_card], call [phone].');
    expect(out.response.text).toBe('Refund sent to [iban] for [email].');
    expect(out.metadata).toEqual({ region: 'eu-west-1', client_ip: '[ip_address]', user: '[email]' });
    expect(out.errors).toEqual(['upstream 401 for key [api_key]', 'timeout after 30000 ms']);
    expect(counts).toEqual({ ...emptyCounts(), email: 3, payment_card: 1, phone: 1, iban: 1, ip_address: 1, api_key: 1 });
  });

  it('leaves ids, names, numbers and metadata keys alone', () => {
    const input = PII_EVENT();
    const { event: out } = redactor.redactEvent(input);
    const { prompt, response, metadata, errors, ...rest } = out;
    const { prompt: _p, response: _r, metadata: _m, errors: _e, ...restIn } = input;
    expect(rest).toEqual(restIn);
    expect(prompt.tokens).toBe(input.prompt.tokens);
    expect(response.finish_reason).toBe('stop');
    expect(Object.keys(metadata)).toEqual(Object.keys(input.metadata));
    expect(errors).toHaveLength(2);
  });

  it('never mutates its input', () => {
    const input = deepFreeze(PII_EVENT());
    const before = structuredClone(input);
    redactor.redactEvent(input);
    expect(input).toEqual(before);
  });

  it('returns the very same event, and shares unchanged parts, when there is nothing to redact', () => {
    const clean = event({ metadata: { region: 'eu-west-1' }, errors: ['timeout after 30000 ms'] });
    const { event: out, counts } = redactor.redactEvent(clean);
    expect(out).toBe(clean);
    expect(counts).toEqual(emptyCounts());

    const onlyMetadata = event({ metadata: { ip: '203.0.113.42' } });
    const r = redactor.redactEvent(onlyMetadata).event;
    expect(r).not.toBe(onlyMetadata);
    expect(r.prompt).toBe(onlyMetadata.prompt);
    expect(r.response).toBe(onlyMetadata.response);
    expect(r.errors).toBe(onlyMetadata.errors);
  });

  it('redactText returns the same string when nothing matches and accumulates counts', () => {
    const counts = emptyCounts();
    const text = 'nothing to see in 2024, version 1.2.3, $19.99';
    expect(redactor.redactText(text, counts)).toBe(text);
    expect(redactor.redactText('a@example.com b@example.com', counts)).toBe('[email] [email]');
    expect(redactor.redactText('c@example.com', counts)).toBe('[email]');
    expect(counts.email).toBe(3);
  });

  it('keeps a "__proto__" metadata key as data', () => {
    // Built after validation: what matters here is the redactor's copy, whatever the schema does.
    const input = { ...event(), metadata: JSON.parse('{"__proto__": "jane@example.com", "a": "b"}') as Record<string, string> };
    const out = redactor.redactEvent(input).event;
    expect(Object.getPrototypeOf(out.metadata)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(out.metadata, '__proto__')?.value).toBe('[email]');
  });

  it('detects only the configured entities', () => {
    const onlyEmail = new PiiRedactor({ mode: 'redact', entities: ['email'] });
    expect(onlyEmail.redactText('jane@example.com 203.0.113.42', emptyCounts())).toBe('[email] 203.0.113.42');
    expect(() => new PiiRedactor({ mode: 'redact', entities: ['passport' as never] })).toThrow(/unknown PII entities: passport/);
  });

  it('is idempotent: its output holds nothing more to redact', () => {
    const once = redactor.redactEvent(PII_EVENT()).event;
    expect(redactor.redactEvent(once).event).toBe(once);
  });
});

describe('hash mode', () => {
  const redactor = new PiiRedactor({ mode: 'hash', hashKey: KEY });

  it('needs a key of at least 16 characters', () => {
    expect(() => new PiiRedactor({ mode: 'hash' })).toThrow(/hashKey of at least 16 characters/);
    expect(() => new PiiRedactor({ mode: 'hash', hashKey: 'too-short' })).toThrow(/hashKey/);
    expect(() => new PiiRedactor({ mode: 'bogus' as never })).toThrow(/redact, hash, drop/);
  });

  it('replaces values with typed keyed-hash tokens', () => {
    const out = redactor.redactText('mail jane@example.com now', emptyCounts());
    expect(out).toMatch(/^mail \[email:[0-9a-f]{12}\] now$/);
  });

  it('keeps equal values joinable across fields and events, whatever their case or separators', () => {
    const token = (text: string) => redactor.redactText(text, emptyCounts());
    expect(token('Jane.Doe@Example.COM')).toBe(token('jane.doe@example.com'));
    expect(token('4111 1111 1111 1111')).toBe(token('4111-1111-1111-1111'));
    expect(token('de89 3704 0044 0532 0130 00')).toBe(token('DE89370400440532013000'));
    expect(token('jane@example.com')).not.toBe(token('john@example.com'));

    const out = redactor.redactEvent(PII_EVENT()).event;
    const emails = [out.prompt.text, out.response.text, out.metadata['user']!].map((t) => /\[email:[0-9a-f]{12}\]/.exec(t)?.[0]);
    expect(new Set(emails).size).toBe(1);
    expect(emails[0]).toBeDefined();
  });

  it('gives different tokens under a different key', () => {
    const other = new PiiRedactor({ mode: 'hash', hashKey: 'another-key-of-enough-length' });
    const text = 'jane@example.com';
    expect(other.redactText(text, emptyCounts())).not.toBe(redactor.redactText(text, emptyCounts()));
  });
});

describe('drop mode', () => {
  const redactor = new PiiRedactor({ mode: 'drop' });

  it('empties prompt and response, redacts metadata and errors, and still counts what it dropped', () => {
    const input = PII_EVENT();
    const { event: out, counts } = redactor.redactEvent(input);
    expect(out.prompt.text).toBe('');
    expect(out.response.text).toBe('');
    expect(out.prompt.tokens).toBe(input.prompt.tokens);
    expect(out.metadata).toEqual({ region: 'eu-west-1', client_ip: '[ip_address]', user: '[email]' });
    expect(out.errors).toEqual(['upstream 401 for key [api_key]', 'timeout after 30000 ms']);
    expect(counts).toEqual({ ...emptyCounts(), email: 3, payment_card: 1, phone: 1, iban: 1, ip_address: 1, api_key: 1 });
  });

  it('drops text without PII too, and returns the same event once there is nothing left to drop', () => {
    const clean = event({ prompt: { text: 'hello', tokens: 1 } });
    const dropped = redactor.redactEvent(clean).event;
    expect(dropped.prompt.text).toBe('');
    expect(redactor.redactEvent(dropped).event).toBe(dropped);
  });
});

describe('PrivacyConfigSchema', () => {
  it('defaults to redacting every entity', () => {
    const config = PrivacyConfigSchema.parse({});
    expect(config).toEqual({ mode: 'redact', entities: ['email', 'phone', 'payment_card', 'iban', 'ip_address', 'api_key', 'jwt', 'national_id'] });
    expect(new PiiRedactor(config).mode).toBe('redact');
  });

  it('requires a hashKey in hash mode, naming the field', () => {
    const r = PrivacyConfigSchema.safeParse({ mode: 'hash' });
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.path).toEqual(['hashKey']);
    expect(r.error?.issues[0]?.message).toMatch(/hashKey is required/);
    expect(PrivacyConfigSchema.safeParse({ mode: 'hash', hashKey: 'short' }).error?.issues[0]?.message).toMatch(/at least 16/);
    const ok = PrivacyConfigSchema.parse({ mode: 'hash', hashKey: KEY, entities: ['email'] });
    expect(new PiiRedactor(ok).redactText('jane@example.com', emptyCounts())).toMatch(/^\[email:/);
  });

  it('rejects unknown modes and entities', () => {
    expect(PrivacyConfigSchema.safeParse({ mode: 'mask' }).success).toBe(false);
    expect(PrivacyConfigSchema.safeParse({ entities: ['passport'] }).success).toBe(false);
  });
});
