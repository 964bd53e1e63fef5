export * from './logger.js';
export * from './metrics.js';
export * from './model-counter.js';
export * from './tracing.js';
