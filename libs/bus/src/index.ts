export * from './topic.js';
export { MemoryBus } from './memory.js';
export { DeadLetters } from './dead-letters.js';
