import { z } from 'zod';
import { MIN_HASH_KEY_LENGTH, PII_ENTITIES, PRIVACY_MODES } from './entities.js';

/**
 * The `privacy` section of the app config; `{}` parses to redact-everything. Its output is a valid
 * `PiiRedactorOptions`. An empty `entities` list turns detection off.
 */
export const PrivacyConfigSchema = z
  .object({
    mode: z.enum(PRIVACY_MODES).default('redact'),
    hashKey: z.string().min(MIN_HASH_KEY_LENGTH, { message: `must be at least ${MIN_HASH_KEY_LENGTH} characters` }).optional(),
    entities: z.array(z.enum(PII_ENTITIES)).default([...PII_ENTITIES]),
  })
  .refine((c) => c.mode !== 'hash' || c.hashKey !== undefined, {
    message: `hashKey is required when mode is "hash" (at least ${MIN_HASH_KEY_LENGTH} characters)`,
    path: ['hashKey'],
  });

export type PrivacyConfig = z.output<typeof PrivacyConfigSchema>;
export type PrivacyConfigInput = z.input<typeof PrivacyConfigSchema>;
