export * from './topic.js';
export { MemoryBus } from './memory.js';
export { DEAD_LETTER_REASONS, DeadLetters, decodeRecords, type DeadLetter, type DeadLetterReason } from './dead-letters.js';
export { ConsumerLagGauge, partitionLag } from './lag.js';
export { NamespacedBus } from './namespaced.js';
export { traceBatch, traceRuns, messagingAttributes, withTraceContext, type TracedRun, type TraceConsumeOptions } from './tracing.js';
export { KafkaBus, type KafkaBusOptions } from './kafka/bus.js';
