export * from './signing.js';
export * from './targets.js';
export * from './dedup.js';
export * from './webhooks.js';
