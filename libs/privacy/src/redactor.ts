import { createHmac, createSecretKey, type KeyObject } from 'node:crypto';
import type { TelemetryEvent } from '@sentinel/contracts';
import { emptyCounts, MIN_HASH_KEY_LENGTH, PII_ENTITIES, PRIVACY_MODES, type PiiCounts, type PiiEntity, type PrivacyMode } from './entities.js';
import { findPii } from './find.js';

/** 48 bits: collisions among a million distinct values of one entity are unlikely (~0.2%), tokens stay short. */
const HASH_HEX_CHARS = 12;

export interface PiiRedactorOptions {
  mode: PrivacyMode;
  /** Required in `hash` mode, at least 16 characters. Keep it secret: it is what stops dictionary reversal. */
  hashKey?: string | undefined;
  /** The entities to detect; all by default. */
  entities?: readonly PiiEntity[] | undefined;
}

/**
 * Removes PII from telemetry before it is stored or forwarded.
 *
 * - `redact`: each value becomes `[entity]`, e.g. `[email]`.
 * - `hash`: each value becomes `[entity:<12 hex>]`, HMAC-SHA256(hashKey, entity + normalised value), so the
 *   same customer's email yields the same token in every event and rows stay joinable without the value.
 * - `drop`: `redactEvent` empties prompt and response text; metadata values and errors, which are short and
 *   often needed to make sense of an anomaly, are redacted as in `redact`. `redactText` redacts as in `redact`.
 *
 * Counts reflect the PII found whatever the mode, including text that `drop` discards.
 */
export class PiiRedactor {
  readonly mode: PrivacyMode;
  private readonly entities: ReadonlySet<PiiEntity>;
  private readonly key: KeyObject | undefined;

  constructor(options: PiiRedactorOptions) {
    if (!PRIVACY_MODES.includes(options.mode)) throw new Error(`privacy mode must be one of ${PRIVACY_MODES.join(', ')}, got ${String(options.mode)}`);
    this.mode = options.mode;
    if (options.mode === 'hash') {
      if (options.hashKey === undefined || options.hashKey.length < MIN_HASH_KEY_LENGTH) {
        throw new Error(`privacy mode "hash" needs a hashKey of at least ${MIN_HASH_KEY_LENGTH} characters`);
      }
      this.key = createSecretKey(Buffer.from(options.hashKey, 'utf8'));
    }
    const entities = options.entities ?? PII_ENTITIES;
    const unknown = entities.filter((e) => !PII_ENTITIES.includes(e));
    if (unknown.length > 0) throw new Error(`unknown PII entities: ${unknown.join(', ')} (known: ${PII_ENTITIES.join(', ')})`);
    this.entities = new Set(entities);
  }

  /** Replaces the PII in `text` and adds what it found to `counts`; returns `text` itself when there is none. */
  redactText(text: string, counts: PiiCounts): string {
    const matches = findPii(text, this.entities);
    if (matches.length === 0) return text;
    let out = '';
    let at = 0;
    for (const m of matches) {
      counts[m.entity]++;
      out += text.slice(at, m.start) + this.replacement(m.entity, text.slice(m.start, m.end));
      at = m.end;
    }
    return out + text.slice(at);
  }

  /**
   * Applies the mode to prompt and response text, every metadata value (keys are field names and are kept)
   * and every error. Ids, names and numbers are left alone. Returns the same event when nothing changes;
   * otherwise a new event that shares the unchanged parts. The input is never mutated.
   */
  redactEvent(event: TelemetryEvent): { event: TelemetryEvent; counts: PiiCounts } {
    const counts = emptyCounts();
    const promptText = this.bodyText(event.prompt.text, counts);
    const responseText = this.bodyText(event.response.text, counts);
    const metadata = this.redactMetadata(event.metadata, counts);
    const errors = this.redactErrors(event.errors, counts);
    if (promptText === event.prompt.text && responseText === event.response.text && metadata === event.metadata && errors === event.errors) {
      return { event, counts };
    }
    return {
      event: {
        ...event,
        prompt: promptText === event.prompt.text ? event.prompt : { ...event.prompt, text: promptText },
        response: responseText === event.response.text ? event.response : { ...event.response, text: responseText },
        metadata,
        errors,
      },
      counts,
    };
  }

  private bodyText(text: string, counts: PiiCounts): string {
    if (this.mode !== 'drop') return this.redactText(text, counts);
    for (const m of findPii(text, this.entities)) counts[m.entity]++;
    return '';
  }

  private redactMetadata(metadata: Record<string, string>, counts: PiiCounts): Record<string, string> {
    let changed = false;
    const entries = Object.entries(metadata).map(([k, v]) => {
      const r = this.redactText(v, counts);
      if (r !== v) changed = true;
      return [k, r] as const;
    });
    // fromEntries defines own properties, so a "__proto__" key stays data, as it arrived.
    return changed ? Object.fromEntries(entries) : metadata;
  }

  private redactErrors(errors: string[], counts: PiiCounts): string[] {
    let changed = false;
    const out = errors.map((e) => {
      const r = this.redactText(e, counts);
      if (r !== e) changed = true;
      return r;
    });
    return changed ? out : errors;
  }

  private replacement(entity: PiiEntity, value: string): string {
    if (this.key === undefined) return `[${entity}]`;
    const digest = createHmac('sha256', this.key).update(`${entity}\u0000${normalise(entity, value)}`).digest('hex');
    return `[${entity}:${digest.slice(0, HASH_HEX_CHARS)}]`;
  }
}

/**
 * The canonical form hashed, so that one value written two ways joins: case-insensitive parts folded,
 * separators of numbers dropped. Keys and tokens are case-sensitive and hashed as written.
 */
function normalise(entity: PiiEntity, value: string): string {
  switch (entity) {
    case 'email':
    case 'ip_address':
      return value.toLowerCase();
    case 'phone':
    case 'payment_card':
      return value.replace(/\D+/g, '');
    case 'iban':
    case 'national_id':
      return value.replace(/[^A-Za-z0-9]+/g, '').toUpperCase();
    case 'api_key':
    case 'jwt':
      return value;
  }
}
