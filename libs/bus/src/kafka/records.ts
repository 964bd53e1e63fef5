import type { IHeaders, KafkaMessage } from 'kafkajs';
import type { ConsumedRecord } from '../topic.js';

export function toConsumedRecord(message: KafkaMessage, partition: number): ConsumedRecord {
  return {
    key: message.key?.toString('utf8') ?? '',
    value: message.value ?? Buffer.alloc(0),
    headers: decodeHeaders(message.headers),
    partition,
    offset: message.offset,
  };
}

function decodeHeaders(headers: IHeaders | undefined): Record<string, string> {
  const decoded: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    // Kafka allows a header name more than once; like Java's Headers.lastHeader, the last one wins.
    const last = Array.isArray(value) ? value.at(-1) : value;
    if (last !== undefined) decoded[name] = typeof last === 'string' ? last : last.toString('utf8');
  }
  return decoded;
}
