export { PII_ENTITIES, PRIVACY_MODES, MIN_HASH_KEY_LENGTH, emptyCounts, type PiiEntity, type PiiCounts, type PrivacyMode } from './entities.js';
export { findPii, type PiiMatch } from './find.js';
export { PiiRedactor, type PiiRedactorOptions } from './redactor.js';
export { PrivacyConfigSchema, type PrivacyConfig, type PrivacyConfigInput } from './config.js';
