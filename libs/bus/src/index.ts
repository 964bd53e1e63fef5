export * from './topic.js';
export { MemoryBus } from './memory.js';
export { DeadLetters, decodeRecords, type DeadLetter } from './dead-letters.js';
export { NamespacedBus } from './namespaced.js';
export { KafkaBus, type KafkaBusOptions } from './kafka/bus.js';
