export * from './topic.js';
export { MemoryBus } from './memory.js';
export { DeadLetters } from './dead-letters.js';
export { NamespacedBus } from './namespaced.js';
export { KafkaBus, type KafkaBusOptions } from './kafka/bus.js';
