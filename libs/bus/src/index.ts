export * from './topic.js';
export { MemoryBus } from './memory.js';
