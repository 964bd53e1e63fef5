import { describe, expect, it } from 'vitest';
import { MAX_TEXT_LENGTH } from '@sentinel/contracts';
import type { AttributeValue, OtlpSpan } from '../src/otlp/codec.js';
import { spanEventId, spanToTelemetry } from '../src/otlp/genai.js';

const START = 1_748_779_200_000_000_000n;

function span(attributes: Record<string, AttributeValue>, overrides: Partial<OtlpSpan> = {}): OtlpSpan {
  return {
    traceId: '5b8efff798038103d269b633813fc60c',
    spanId: 'eee19b7ec3c1b174',
    name: 'test span',
    startTimeUnixNano: START,
    endTimeUnixNano: START + 400_000_000n,
    attributes: new Map(Object.entries(attributes)),
    events: [],
    status: { code: 0, message: '' },
    ...overrides,
  };
}

const resource = new Map<string, AttributeValue>([['service.name', 'checkout']]);
const event = (s: OtlpSpan) => {
  const outcome = spanToTelemetry(s, resource);
  if (outcome.kind !== 'event') throw new Error(`expected an event, got ${JSON.stringify(outcome)}`);
  return outcome.event;
};

describe('spanToTelemetry: which spans are model calls', () => {
  it.each([
    ['an inference span', { 'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-4o' }, 'event'],
    ['embeddings', { 'gen_ai.operation.name': 'embeddings', 'gen_ai.request.model': 'text-embedding-3-small' }, 'event'],
    ['the older conventions: gen_ai.system and a model, no operation', { 'gen_ai.system': 'openai', 'gen_ai.request.model': 'gpt-4' }, 'event'],
    ['a tool call', { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'search' }, 'ignored'],
    ['an agent, which wraps calls of its own', { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.request.model': 'gpt-4o' }, 'ignored'],
    ['a model name alone', { 'gen_ai.request.model': 'gpt-4o' }, 'ignored'],
    ['an HTTP span', { 'http.request.method': 'POST', 'server.address': 'api.openai.com' }, 'ignored'],
    ['a chat span without a model', { 'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': 'openai' }, 'rejected'],
  ] as const)('%s: %s', (_what, attributes, kind) => {
    expect(spanToTelemetry(span(attributes), resource).kind).toBe(kind);
  });

  it('names the attributes to fix when it rejects', () => {
    const outcome = spanToTelemetry(span({ 'gen_ai.operation.name': 'chat', 'gen_ai.usage.output_tokens': 1.5 }, { name: 'chat' }), resource);
    expect(outcome).toEqual({
      kind: 'rejected',
      reason: 'span eee19b7ec3c1b174 "chat": gen_ai.response.model or gen_ai.request.model must not be empty; gen_ai.usage.output_tokens must be a whole number of tokens',
    });
  });
});

describe('spanToTelemetry: fields', () => {
  it('prefers the response model and the current attribute names over the deprecated ones', () => {
    const e = event(
      span({
        'gen_ai.operation.name': 'chat',
        'gen_ai.provider.name': 'openai',
        'gen_ai.system': 'azure',
        'gen_ai.request.model': 'gpt-4o',
        'gen_ai.response.model': 'gpt-4o-2024-08-06',
        'gen_ai.usage.input_tokens': 10,
        'gen_ai.usage.prompt_tokens': 999,
        'gen_ai.usage.output_tokens': '7',
      }),
    );
    expect(e).toMatchObject({ model: 'gpt-4o-2024-08-06', prompt: { tokens: 10 }, response: { tokens: 7 }, metadata: { provider: 'openai' }, latency_ms: 400 });
  });

  it('reads message content from the inference details event and truncates it to the text limit', () => {
    const long = 'x'.repeat(MAX_TEXT_LENGTH + 10);
    const details = new Map<string, AttributeValue>([
      ['gen_ai.input.messages', [{ role: 'system', parts: [{ type: 'text', content: 'Be brief.' }] }, { role: 'user', parts: [{ type: 'text', content: 'Hello' }, { type: 'blob', content: 'ignored' }] }]],
      ['gen_ai.output.messages', JSON.stringify([{ role: 'assistant', parts: [{ type: 'text', content: long }] }])],
    ]);
    const e = event(span({ 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'm' }, { events: [{ name: 'gen_ai.client.inference.operation.details', attributes: details }] }));
    expect(e.prompt.text).toBe('Be brief.\nHello');
    expect(e.response.text).toHaveLength(MAX_TEXT_LENGTH);
    expect(e.response.text.endsWith('...[truncated]')).toBe(true);
  });

  it('counts a span with error.type as failed even when its status is unset', () => {
    const e = event(span({ 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'm', 'error.type': 'timeout' }));
    expect(e.errors).toEqual(['timeout']);
  });

  it('keeps metadata bounded: the keys detection reads plus at most 16 request parameters', () => {
    const params = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`gen_ai.request.p${i}`, i]));
    const e = event(span({ 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'm', 'user.id': 'u-1', ...params }));
    expect(e.metadata).toMatchObject({ operation: 'chat', user_id: 'u-1' });
    expect(Object.keys(e.metadata).filter((k) => k.startsWith('gen_ai.request.'))).toHaveLength(16);
  });
});

describe('spanEventId', () => {
  it('is a UUIDv5 of the trace and span ids: the same span always gets the same id, another span another', () => {
    const id = spanEventId('5b8efff798038103d269b633813fc60c', 'eee19b7ec3c1b174');
    expect(id).toBe(spanEventId('5b8efff798038103d269b633813fc60c', 'eee19b7ec3c1b174'));
    expect(id).not.toBe(spanEventId('5b8efff798038103d269b633813fc60c', 'eee19b7ec3c1b175'));
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});
