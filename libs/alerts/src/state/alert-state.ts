import { ANOMALY_LABELS, type AnomalyLabel, type Severity } from '@sentinel/contracts';

/**
 * Everything alerting must remember across restarts and share between alerting processes. One
 * interface, two implementations: in process (one-process mode, persisted to a file) and Redis
 * (services mode, libs/state). Every write is idempotent, so a Kafka batch replayed after a crash
 * leaves the same state as one that ran once.
 */
export interface AlertState {
  readonly subscriptions: KeyedCollection<Subscription>;
  readonly silences: KeyedCollection<Silence>;
  readonly dedup: DedupState;
  readonly groups: GroupState;
  readonly deliveries: DeliveryState;
  readonly audit: AuditLog;
  /** Rejects while the backing store is unreachable (for /health/ready). */
  check(): Promise<void>;
  close(): Promise<void>;
}

export interface KeyedCollection<T extends { id: string }> {
  list(): Promise<T[]>;
  get(id: string): Promise<T | null>;
  put(value: T): Promise<void>;
  /** True when something was deleted. */
  delete(id: string): Promise<boolean>;
}

// ------------------------------------------------------------------------------------ subscriptions

export interface SigningSecret {
  secret: string;
  /** A rotated-out secret keeps signing until then (epoch ms), so receivers can switch without a gap; null for the current one. */
  expiresAt: number | null;
}

export interface Subscription {
  id: string;
  name: string;
  url: string;
  /** The current secret first. */
  secrets: SigningSecret[];
  minSeverity: Severity;
  services: string[];
  models: string[];
  anomalyTypes: string[];
  enabled: boolean;
  /** `config` subscriptions come from the config file and are not changed over the API. */
  managedBy: 'api' | 'config';
  createdAt: number;
  updatedAt: number;
}

// ------------------------------------------------------------------------------------ silences

export const MATCHER_LABELS = ANOMALY_LABELS;
export type MatcherLabel = AnomalyLabel;

/** Alertmanager's matcher: `label = value`, `!=`, `=~` (regex, anchored) or `!~`. */
export interface Matcher {
  name: MatcherLabel;
  value: string;
  isRegex: boolean;
  isEqual: boolean;
}

export interface Silence {
  id: string;
  matchers: Matcher[];
  startsAt: number;
  endsAt: number;
  createdBy: string;
  comment: string;
  createdAt: number;
  updatedAt: number;
}

// ------------------------------------------------------------------------------------ dedup

export interface DedupDecision {
  send: boolean;
  /** How many anomalies of this (series, type) the current window has seen, this one included. */
  count: number;
}

export interface DedupState {
  /**
   * The same (series, type) within a fixed window is one alert with a count; a severity above any sent
   * in the window is sent at once. The same alert id again gets the decision it got the first time.
   */
  decide(key: string, alertId: string, severityRank: number, nowMs: number, windowMs: number): Promise<DedupDecision>;
}

// ------------------------------------------------------------------------------------ grouping

export interface GroupedAlert {
  alertId: string;
  /** The alert as it will be sent (JSON). */
  payload: string;
}

export interface DueGroup {
  key: string;
  alerts: GroupedAlert[];
}

/**
 * Alertmanager's group wait and interval: a new group waits `waitMs` to collect related alerts; later
 * alerts of a group already notified go out at most every `intervalMs`.
 */
export interface GroupState {
  add(key: string, alert: GroupedAlert, nowMs: number, waitMs: number, intervalMs: number): Promise<void>;
  /** Groups whose flush time has come and that hold alerts; they stay until `ack`, so a crash before the hand-off loses nothing. */
  due(nowMs: number, limit: number): Promise<DueGroup[]>;
  /** Removes the flushed alerts; the next alert of the group waits for `intervalMs` after now. */
  ack(key: string, alertIds: readonly string[], nowMs: number, intervalMs: number): Promise<void>;
}

// ------------------------------------------------------------------------------------ deliveries

export type DeliveryChannel = 'webhook' | 'amqp';
export type DeliveryStatus = 'pending' | 'delivered' | 'dead';

export interface DeliveryAttempt {
  at: number;
  /** The HTTP status, or null when no response came (or for AMQP). */
  status: number | null;
  ok: boolean;
  error?: string;
  durationMs: number;
}

export interface Delivery {
  /** `<channel>:<target>:<message id>`: the same message to the same target is one delivery. */
  id: string;
  channel: DeliveryChannel;
  /** The subscription id, or the exchange for AMQP. */
  target: string;
  /** `webhook-id` / AMQP message id: the same on every attempt, so receivers drop duplicates. */
  messageId: string;
  eventType: string;
  /** AMQP routing key. */
  routingKey?: string;
  body: string;
  status: DeliveryStatus;
  createdAt: number;
  /** Retries stop here (epoch ms) and the delivery goes dead; a retry by hand starts a new horizon. */
  deadlineAt: number;
  attempts: DeliveryAttempt[];
  /** When the next attempt is due (epoch ms); null once delivered or dead. */
  nextAttemptAt: number | null;
  /**
   * W3C trace context (`traceparent`, `tracestate`) of the `alert` span that routed it, when tracing was on:
   * each attempt's `alert.deliver` span is its child, in the trace of the event that raised the alert.
   */
  traceContext?: Record<string, string>;
}

export interface DeliveryQuery {
  target?: string;
  status?: DeliveryStatus;
  limit: number;
}

export interface DeliveryState {
  /** Adds deliveries that do not exist yet (by id); existing ones, whatever their status, are left alone. */
  enqueue(deliveries: readonly Delivery[]): Promise<void>;
  /**
   * Pending deliveries of the channel due by `nowMs`, oldest due first. Each is leased until
   * `nowMs + leaseMs`, so another dispatcher does not take it meanwhile; a crashed dispatcher's lease expires.
   */
  claim(channel: DeliveryChannel, nowMs: number, limit: number, leaseMs: number): Promise<Delivery[]>;
  /** Stores the delivery after an attempt (status, attempts, next attempt). */
  update(delivery: Delivery): Promise<void>;
  get(id: string): Promise<Delivery | null>;
  /** Most recent first. */
  list(query: DeliveryQuery): Promise<Delivery[]>;
}

// ------------------------------------------------------------------------------------ audit

export interface AuditEntry {
  at: number;
  /** The API key id that acted (never its secret), or `config`/`system`. */
  actor: string;
  /** e.g. `subscription.create`, `silence.expire`, `delivery.retry`. */
  action: string;
  target: string;
  /** What changed, with secrets left out. */
  details?: Record<string, unknown>;
}

export interface AuditQuery {
  actor?: string;
  action?: string;
  from?: number;
  to?: number;
  limit: number;
}

export interface AuditLog {
  append(entry: AuditEntry): Promise<void>;
  /** Most recent first. */
  list(query: AuditQuery): Promise<AuditEntry[]>;
}
