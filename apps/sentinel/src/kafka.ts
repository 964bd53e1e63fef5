import type { Logger } from 'pino';
import { TOPICS } from '@sentinel/contracts';
import { KafkaBus, NamespacedBus, type Bus } from '@sentinel/bus';
import type { SentinelConfig } from '@sentinel/config';

/** Connects to Kafka and makes sure Sentinel's topics (in the configured namespace) exist with the configured partitions. */
export async function openKafkaBus(config: SentinelConfig, logger: Logger): Promise<Bus> {
  const bus = await KafkaBus.connect({
    brokers: config.kafka.brokers,
    clientId: config.kafka.clientId,
    partitions: config.bus.partitions,
    sessionTimeoutMs: config.kafka.sessionTimeoutMs,
    compression: config.kafka.compression,
    logger: logger.child({ component: 'kafka' }),
  });
  const namespace = config.bus.namespace;
  const topics = new Set<string>([...Object.values(TOPICS), config.ingestion.rawTopic]);
  await bus.ensureTopics([...topics].map((t) => namespace + t));
  return namespace ? new NamespacedBus(bus, namespace) : bus;
}
