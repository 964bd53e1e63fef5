import { connect, type ChannelModel, type ConfirmChannel, type Options } from 'amqplib';
import type { Logger } from 'pino';
import { redactUrl, scrubSecrets } from './amqp-util.js';
import { retryDelayMs } from '@sentinel/resilience';

export { alertRoutingKey, redactUrl, topicWord } from './amqp-util.js';

export const DEFAULT_ALERT_EXCHANGE = 'sentinel.alerts';

export interface AmqpAlertMessage {
  /** The alert id: sent as `messageId`, so consumers can drop the duplicates a retry may create. */
  id: string;
  /** See `alertRoutingKey`. */
  routingKey: string;
  /** JSON. */
  body: Buffer | string;
  headers?: Record<string, string>;
}

export interface AmqpPublisherOptions {
  /** e.g. amqp://user:pass@host:5672/vhost; only ever logged with the password redacted. */
  url: string;
  logger: Logger;
  /** Exchange name; default `sentinel.alerts`. */
  exchange?: string;
  /** Prefixed to the exchange name (`<namespace>.sentinel.alerts`): environments or test runs sharing a broker. */
  namespace?: string;
  /** Reconnect back-off: first delay and cap (ms); defaults 200 and 30 000. */
  reconnect?: { initialDelayMs?: number; maxDelayMs?: number };
  /** How long `publish` waits for the broker's confirms before rejecting; default 10 000 ms. */
  confirmTimeoutMs?: number;
  /** TCP + AMQP handshake timeout; default 5 000 ms. */
  connectTimeoutMs?: number;
  /** Heartbeat (s) to notice a broker that vanished without closing the socket; default 15; the URL's `?heartbeat=` wins. */
  heartbeatSeconds?: number;
  /** Shown in the RabbitMQ management UI; default `sentinel-alerts`. */
  connectionName?: string;
}

/** `publish` could not get every message confirmed; `failedIds` may be retried (by id, idempotently). */
export class AmqpPublishError extends Error {
  override readonly name = 'AmqpPublishError';
  constructor(
    message: string,
    readonly failedIds: string[],
    /** How many of `failedIds` the broker refused (basic.nack); the others got no confirm (channel closed, timeout). */
    readonly nacked = 0,
  ) {
    super(message);
  }
}

/** The error amqplib hands a publish callback when the broker nacks the message. */
const AMQPLIB_NACK = 'message nacked';

/**
 * Publishes alerts to a durable topic exchange over a confirm channel, routed by `alert.<severity>.<type>`.
 * `publish` resolves only once RabbitMQ has confirmed every message and rejects otherwise (never drops
 * silently); while the broker is away it rejects at once and a background loop reconnects with capped,
 * jittered exponential back-off. amqplib 2.x's own `recovery` option is not used: it re-opens only the
 * connection (channels and the exchange declaration must be redone anyway), does not react to a channel
 * that the broker closed, and makes channel calls wait, not fail, while disconnected.
 */
export class AmqpAlertPublisher {
  readonly exchange: string;
  private conn: ChannelModel | null = null;
  private channel: ConfirmChannel | null = null;
  private connecting: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private attempt = 0;
  private closed = false;
  private everConnected = false;
  private lastError = 'not connected yet';
  /** The last failure logged, so a broker that stays down costs one log line, not one per retry. */
  private lastLogged: string | null = null;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly broker: string;

  constructor(private readonly options: AmqpPublisherOptions) {
    const name = options.exchange ?? DEFAULT_ALERT_EXCHANGE;
    this.exchange = options.namespace ? `${options.namespace}.${name}` : name;
    this.broker = redactUrl(options.url);
  }

  /**
   * First connection attempt. Rejects if it fails, but keeps reconnecting in the background until
   * `close()`: a service may start before RabbitMQ does (`check()` reports readiness meanwhile).
   */
  start(): Promise<void> {
    if (this.closed) return Promise.reject(new Error('AmqpAlertPublisher is closed'));
    if (this.channel) return Promise.resolve();
    this.connecting ??= this.open().finally(() => {
      this.connecting = null;
    });
    return this.connecting;
  }

  get connected(): boolean {
    return this.channel !== null;
  }

  /** For /health/ready: rejects while RabbitMQ is unavailable. */
  async check(): Promise<void> {
    if (this.closed) throw new Error('AmqpAlertPublisher is closed');
    if (!this.channel) throw this.unavailable();
  }

  /** Publishes every message (persistent, JSON) and resolves once RabbitMQ confirmed them all. */
  async publish(messages: readonly AmqpAlertMessage[]): Promise<void> {
    if (this.closed) throw new Error('AmqpAlertPublisher is closed');
    const channel = this.channel;
    if (!channel) throw this.unavailable();
    if (messages.length === 0) return;
    const run = this.publishOn(channel, messages);
    this.inFlight.add(run);
    try {
      await run;
    } finally {
      this.inFlight.delete(run);
    }
  }

  /** Stops reconnecting, lets in-flight publishes settle, then closes the channel and connection. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.connecting?.catch(() => undefined);
    await Promise.allSettled([...this.inFlight]);
    const { conn, channel } = this;
    this.conn = null;
    this.channel = null;
    await channel?.close().catch(() => undefined);
    await conn?.close().catch(() => undefined);
  }

  private async publishOn(channel: ConfirmChannel, messages: readonly AmqpAlertMessage[]): Promise<void> {
    const timeoutMs = this.options.confirmTimeoutMs ?? 10_000;
    let timer: NodeJS.Timeout | undefined;
    // One deadline for the whole batch: confirms that never come (a blocked connection, a hung broker)
    // must turn into a rejection the caller can retry, not a publish that hangs forever.
    const deadline = new Promise<string>((resolve) => {
      timer = setTimeout(() => resolve(`not confirmed within ${timeoutMs} ms`), timeoutMs);
    });
    let expired = false;
    void deadline.then(() => (expired = true));
    try {
      // Each outcome is null (acked) or why not; they never reject, so none goes unhandled while we
      // wait for the socket to drain below.
      const outcomes: Array<Promise<string | null>> = [];
      for (const m of messages) {
        if (expired) {
          // Stalled on a full buffer until the deadline: the rest fails now rather than piling up in memory.
          outcomes.push(Promise.resolve(`not sent: nothing confirmed within ${timeoutMs} ms`));
          continue;
        }
        let writable = true;
        const confirmed = new Promise<string | null>((resolve) => {
          // A closed channel throws synchronously (IllegalOperationError); the executor turns that into a rejection.
          writable = channel.publish(this.exchange, m.routingKey, Buffer.isBuffer(m.body) ? m.body : Buffer.from(m.body), this.properties(m), (err: unknown) =>
            resolve(err ? errorText(err) : null),
          );
        }).catch((err: unknown) => errorText(err));
        outcomes.push(Promise.race([confirmed, deadline]));
        // false = amqplib's write buffer is full: wait for it rather than buffering a huge batch in memory.
        if (!writable) await Promise.race([drainOrClose(channel), deadline]);
      }
      const results = await Promise.all(outcomes);
      const failed = messages.filter((_, i) => results[i] !== null).map((m) => m.id);
      if (failed.length > 0) {
        const reason = scrubSecrets(results.find((r) => r !== null) ?? 'unknown', this.options.url);
        const nacked = results.filter((r) => r === AMQPLIB_NACK).length;
        throw new AmqpPublishError(`RabbitMQ did not confirm ${failed.length} of ${messages.length} alert(s) on ${this.exchange} (${reason}); retry them later`, failed, nacked);
      }
    } finally {
      clearTimeout(timer);
    }
  }

  private properties(m: AmqpAlertMessage): Options.Publish {
    return {
      persistent: true, // deliveryMode 2: survives a broker restart in a durable queue
      contentType: 'application/json',
      messageId: m.id,
      timestamp: Math.floor(Date.now() / 1000),
      ...(m.headers ? { headers: m.headers } : {}),
    };
  }

  private async open(): Promise<void> {
    let conn: ChannelModel | undefined;
    try {
      conn = await connect(this.connectUrl(), {
        timeout: this.options.connectTimeoutMs ?? 5_000,
        clientProperties: { connection_name: this.options.connectionName ?? 'sentinel-alerts' },
      });
      const model = conn;
      // Listeners before anything else can fail: an 'error' event without a listener would crash the process.
      model.on('error', (err: Error) => this.lost(model, err));
      model.on('close', (err?: Error) => this.lost(model, err ?? 'connection closed'));
      model.on('blocked', (reason: string) => this.options.logger.warn({ broker: this.broker, reason }, 'RabbitMQ blocked publishing (resource alarm)'));
      const channel = await model.createConfirmChannel();
      channel.on('error', (err: Error) => this.lost(model, err));
      channel.on('close', () => {
        if (model === this.conn) this.channel = null; // unusable at once
        // When the whole connection goes, its channels close first; the connection's own error (e.g. 320
        // CONNECTION_FORCED) follows in the same sequence and says more, so let it be the one logged.
        setImmediate(() => this.lost(model, 'channel closed by the broker'));
      });
      await channel.assertExchange(this.exchange, 'topic', { durable: true });
      if (this.closed) {
        await model.close().catch(() => undefined);
        return;
      }
      this.conn = model;
      this.channel = channel;
      this.attempt = 0;
      this.lastLogged = null;
      this.options.logger.info({ broker: this.broker, exchange: this.exchange }, this.everConnected ? 'RabbitMQ reconnected' : 'RabbitMQ connected');
      this.everConnected = true;
    } catch (err) {
      await conn?.close().catch(() => undefined);
      this.failed('connect', err);
      throw this.unavailable();
    }
  }

  /** The connection or its channel went away (broker stopped, network, channel-level error). */
  private lost(model: ChannelModel, reason: unknown): void {
    if (model !== this.conn) return; // a connection being opened, or already replaced or closed by us
    this.conn = null;
    this.channel = null;
    // If only the channel died the connection is still open: drop it too and start afresh.
    model.close().catch(() => undefined);
    this.failed('lost', reason);
  }

  private failed(phase: 'connect' | 'lost', reason: unknown): void {
    this.lastError = scrubSecrets(errorText(reason), this.options.url);
    if (this.closed) return;
    if (this.lastError !== this.lastLogged) {
      this.lastLogged = this.lastError;
      const msg = phase === 'lost' ? 'RabbitMQ connection lost; reconnecting' : 'RabbitMQ unavailable; retrying';
      this.options.logger.warn({ broker: this.broker, exchange: this.exchange, err: this.lastError }, msg);
    }
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.closed || this.timer) return;
    this.attempt++;
    const delay = retryDelayMs(this.attempt, { baseMs: this.options.reconnect?.initialDelayMs ?? 200, maxDelayMs: this.options.reconnect?.maxDelayMs ?? 30_000 }, Math.random);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.start().catch(() => undefined); // a failure has already logged and rescheduled
    }, delay);
    // The retry loop alone must not keep a process alive that has nothing else to do.
    this.timer.unref();
  }

  private unavailable(): Error {
    return new Error(`RabbitMQ is unavailable at ${this.broker} (${this.lastError}); alerts were not published, retry later`);
  }

  private connectUrl(): string {
    try {
      const url = new URL(this.options.url);
      if (!url.searchParams.has('heartbeat')) url.searchParams.set('heartbeat', String(this.options.heartbeatSeconds ?? 15));
      return url.toString();
    } catch {
      return this.options.url; // amqplib reports the malformed URL itself
    }
  }
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function drainOrClose(channel: ConfirmChannel): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      channel.off('drain', done);
      channel.off('close', done);
      resolve();
    };
    channel.on('drain', done);
    channel.on('close', done);
  });
}
