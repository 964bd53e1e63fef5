import { createHash } from 'node:crypto';

/** Namespace of Sentinel's alert ids (a fixed random UUID), so they cannot collide with other v5 ids. */
const SENTINEL_NAMESPACE = Buffer.from('6f1b2d52c4a94e0f9b7c3a1de05b8c21', 'hex');

/**
 * A deterministic alert id: a version-5 UUID (SHA-1 of namespace + name, RFC 9562 §5.5) of
 * event_id, metric and anomaly type. Replaying the same event through the same baselines yields the same
 * id, so downstream stores and webhooks can deduplicate replays.
 */
export function alertId(eventId: string, metric: string, anomalyType: string): string {
  const hash = createHash('sha1').update(SENTINEL_NAMESPACE).update(`${eventId}\u001f${metric}\u001f${anomalyType}`, 'utf8').digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50; // version 5
  hash[8] = (hash[8]! & 0x3f) | 0x80; // RFC 4122 variant
  const hex = hash.toString('hex', 0, 16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}
