/** The kinds of personal data and secrets removed from telemetry before it is stored or forwarded. */
export const PII_ENTITIES = ['email', 'phone', 'payment_card', 'iban', 'ip_address', 'api_key', 'jwt', 'national_id'] as const;
export type PiiEntity = (typeof PII_ENTITIES)[number];

/** How many values of each kind were found: the source of the per-entity metrics. */
export type PiiCounts = Record<PiiEntity, number>;

export function emptyCounts(): PiiCounts {
  return { email: 0, phone: 0, payment_card: 0, iban: 0, ip_address: 0, api_key: 0, jwt: 0, national_id: 0 };
}

/**
 * - `redact`: each value becomes a typed placeholder such as `[email]`.
 * - `hash`: each value becomes `[email:<12 hex>]`, a keyed hash, so equal values stay joinable.
 * - `drop`: prompt and response text are emptied; metadata values and errors are redacted as in `redact`.
 */
export const PRIVACY_MODES = ['redact', 'hash', 'drop'] as const;
export type PrivacyMode = (typeof PRIVACY_MODES)[number];

/**
 * A shorter key could itself be guessed, and with it every hashed value: emails, phone numbers and card
 * numbers are easy to enumerate, so the key is all that keeps a token from being reversed.
 */
export const MIN_HASH_KEY_LENGTH = 16;
