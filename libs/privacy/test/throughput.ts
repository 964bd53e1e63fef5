/**
 * Throughput of PiiRedactor.redactEvent on ~2 KB prompts and responses, with and without PII, and on one
 * 100 KB prompt. Run: node --import tsx libs/privacy/test/throughput.ts
 */
import { validateTelemetryEvent, sampleTelemetry, type TelemetryEvent } from '@sentinel/contracts';
import { PiiRedactor } from '@sentinel/privacy';

const PROSE = [
  'Summarise the attached quarterly report for the board meeting on 2025-06-01T12:00:00Z.',
  'Revenue grew 12.5% to $1,299,000 while costs fell by 3.2 percent compared with 2024.',
  'The service runs version 10.0.1 of the gateway and v2.3.4 of the SDK; see request 550e8400-e29b-41d4-a716-446655440000.',
  'Use 4096 max tokens, temperature 0.7, and retry up to 3 times with a 250 ms back-off.',
  'function total(items) { return items.reduce((a, b) => a + b.price * b.qty, 0); } // O(n)',
  'In 1969 the first message was sent over ARPANET; by 1983 TCP/IP replaced NCP across 213 hosts.',
  'Latency p99 was 1843 ms at 14:32:07 UTC, with 1717243200 as the epoch of the first sample.',
];
const PII = [
  'Contact jane.doe@example.com or call +44 20 7946 0958 about the refund.',
  'Card 4111 1111 1111 1111 was charged; IBAN DE89 3704 0044 0532 0130 00 received the payout.',
  'The client at 203.0.113.42 sent Authorization: Bearer abcdef0123456789abcdef0123456789.',
];

function text(withPii: boolean, size: number): string {
  return build(withPii, size).slice(0, size);
}

function build(withPii: boolean, size: number): string {
  let out = '';
  for (let i = 0; out.length < size; i++) {
    out += PROSE[i % PROSE.length]! + ' ';
    if (withPii && i % 4 === 3) out += PII[(i >> 2) % PII.length]! + ' ';
  }
  return out;
}

function event(withPii: boolean, size: number): TelemetryEvent {
  const r = validateTelemetryEvent(sampleTelemetry({ prompt: { text: text(withPii, size), tokens: 500 }, response: { text: text(false, size), tokens: 500, finish_reason: 'stop' } }));
  if (!r.ok) throw new Error('bad fixture');
  return r.value;
}

function measure(label: string, redactor: PiiRedactor, e: TelemetryEvent, iterations: number): void {
  const bytes = e.prompt.text.length + e.response.text.length;
  for (let i = 0; i < Math.min(iterations, 200); i++) redactor.redactEvent(e); // warm up
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) redactor.redactEvent(e);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const perEvent = (seconds / iterations) * 1e6;
  console.log(`${label.padEnd(44)} ${(bytes / 1e6 / (seconds / iterations)).toFixed(1).padStart(7)} MB/s  ${perEvent.toFixed(1).padStart(8)} µs/event  ${(iterations / seconds).toFixed(0).padStart(7)} events/s`);
}

const redact = new PiiRedactor({ mode: 'redact' });
const hash = new PiiRedactor({ mode: 'hash', hashKey: 'throughput-bench-key-0123' });
measure('2 KB + 2 KB, no PII (redact)', redact, event(false, 2048), 20_000);
measure('2 KB + 2 KB, PII in prompt (redact)', redact, event(true, 2048), 20_000);
measure('2 KB + 2 KB, PII in prompt (hash)', hash, event(true, 2048), 20_000);
measure('100 KB + 100 KB, no PII (redact)', redact, event(false, 100_000), 300);
measure('100 KB + 100 KB, PII in prompt (redact)', redact, event(true, 100_000), 300);
