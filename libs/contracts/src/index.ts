export * from './validation.js';
export * from './telemetry.js';
export * from './anomaly.js';
export * from './baseline.js';
export * from './topics.js';
export * from './codec.js';
export * from './fixtures.js';
export * from './random.js';
