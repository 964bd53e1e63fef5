/** Small pure helpers of the RabbitMQ publisher: routing keys, credential redaction, back-off. */

/** Longest word kept in a routing key: AMQP caps the whole key at 255 bytes. */
const MAX_WORD = 100;

/**
 * One word of an AMQP topic routing key. Dots separate words and `*`/`#` are binding wildcards, so a
 * value carrying them would route to the wrong subscribers: everything outside [a-z0-9_-] becomes
 * `_` (lower-cased, so `Critical` and `critical` reach the same bindings).
 */
export function topicWord(value: string): string {
  const word = value.trim().toLowerCase().replace(/[^a-z0-9_-]+/g, '_').slice(0, MAX_WORD);
  return word.length > 0 ? word : '_';
}

/** `alert.<severity>.<anomaly_type>`: bind `alert.critical.#` or `alert.*.latency_spike`. */
export function alertRoutingKey(severity: string, anomalyType: string): string {
  return `alert.${topicWord(severity)}.${topicWord(anomalyType)}`;
}

/** The URL with its password replaced by `***`, safe to log. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    // Not a URL we can parse: still hide anything between `user:` and `@`.
    return url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');
  }
}

/** Removes the URL and its password from a message (defensive: amqplib errors do not carry them today). */
export function scrubSecrets(message: string, url: string): string {
  let out = message.split(url).join(redactUrl(url));
  let password = '';
  try {
    password = decodeURIComponent(new URL(url).password);
  } catch {
    /* unparsable URL: nothing more to scrub */
  }
  // Very short passwords would mangle ordinary words; they are not worth protecting from logs anyway.
  if (password.length >= 4) out = out.split(password).join('***');
  return out;
}
