import { randomUUID } from 'node:crypto';
import type { Severity } from '@sentinel/contracts';
import { newDelivery } from './notifications.js';
import { compileMatcherRegex, silenceState } from './silences.js';
import { generateWebhookSecret } from './signing.js';
import { assertPublicTarget } from './targets.js';
import type { WebhookDispatcher } from './webhook-dispatcher.js';
import type { AlertState, Delivery, Matcher, Silence, Subscription } from './state/alert-state.js';

/** Why an admin action was refused: the route turns it into 400, 404 or 409. */
export class AdminError extends Error {
  constructor(
    readonly kind: 'invalid' | 'not_found' | 'conflict',
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

export interface SubscriptionInput {
  name: string;
  url: string;
  minSeverity: Severity;
  services: string[];
  models: string[];
  anomalyTypes: string[];
  enabled: boolean;
}

export interface SilenceInput {
  matchers: Matcher[];
  startsAt: number;
  endsAt: number;
  comment: string;
}

export interface AlertAdminOptions {
  allowPrivateTargets: boolean;
  /** How long a rotated-out secret keeps signing. */
  rotationOverlapMs: number;
  retryHorizonMs: number;
  now?: () => number;
}

/**
 * Every change people make to alerting, each checked and written to the audit log with who did it.
 * Secrets leave only in the answer to create and rotate; the audit log never holds them.
 */
export class AlertAdmin {
  private readonly now: () => number;

  constructor(
    private readonly state: AlertState,
    private readonly dispatcher: WebhookDispatcher,
    private readonly options: AlertAdminOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  async createSubscription(actor: string, input: SubscriptionInput): Promise<{ subscription: Subscription; secret: string }> {
    await this.checkTarget(input.url);
    const now = this.now();
    const secret = generateWebhookSecret();
    const subscription: Subscription = { id: `sub_${randomUUID().replaceAll('-', '')}`, ...input, secrets: [{ secret, expiresAt: null }], managedBy: 'api', createdAt: now, updatedAt: now };
    await this.state.subscriptions.put(subscription);
    await this.audit(actor, 'subscription.create', subscription.id, describe(input));
    return { subscription, secret };
  }

  async updateSubscription(actor: string, id: string, patch: Partial<SubscriptionInput>): Promise<Subscription> {
    const current = await this.editable(id);
    if (patch.url !== undefined) await this.checkTarget(patch.url);
    const updated: Subscription = { ...current, ...patch, updatedAt: this.now() };
    await this.state.subscriptions.put(updated);
    await this.audit(actor, 'subscription.update', id, describe(patch));
    return updated;
  }

  async deleteSubscription(actor: string, id: string): Promise<void> {
    await this.editable(id);
    await this.state.subscriptions.delete(id);
    await this.audit(actor, 'subscription.delete', id);
  }

  /** A new current secret; the old one keeps signing for the overlap, so receivers can switch without a gap. */
  async rotateSecret(actor: string, id: string): Promise<{ subscription: Subscription; secret: string }> {
    const current = await this.editable(id);
    const now = this.now();
    const secret = generateWebhookSecret();
    const previous = current.secrets.filter((s) => s.expiresAt === null || s.expiresAt > now).map((s) => ({ secret: s.secret, expiresAt: Math.min(s.expiresAt ?? Infinity, now + this.options.rotationOverlapMs) }));
    const subscription: Subscription = { ...current, secrets: [{ secret, expiresAt: null }, ...previous], updatedAt: now };
    await this.state.subscriptions.put(subscription);
    await this.audit(actor, 'subscription.rotate_secret', id, { previous_secret_expires_at: new Date(now + this.options.rotationOverlapMs).toISOString() });
    return { subscription, secret };
  }

  async testSubscription(actor: string, id: string): Promise<Delivery> {
    const sub = await this.subscription(id);
    const now = this.now();
    const messageId = `msg_test_${randomUUID().replaceAll('-', '')}`;
    const body = JSON.stringify({ type: 'webhook.test', timestamp: new Date(now).toISOString(), data: { subscription_id: id, message: 'a test event from Sentinel' } });
    const delivery = newDelivery({ channel: 'webhook', target: id, messageId, eventType: 'webhook.test', body }, now, 0);
    await this.audit(actor, 'subscription.test', id);
    return this.dispatcher.sendTest(sub, delivery);
  }

  /** Puts a dead delivery back on the schedule, due now, with a fresh retry horizon. */
  async retryDelivery(actor: string, id: string): Promise<Delivery> {
    const d = await this.state.deliveries.get(id);
    if (!d) throw new AdminError('not_found', `no delivery with id ${id}`);
    if (d.status !== 'dead') throw new AdminError('conflict', `delivery ${id} is ${d.status}; only a dead delivery can be retried`);
    const now = this.now();
    const retried: Delivery = { ...d, status: 'pending', nextAttemptAt: now, deadlineAt: now + this.options.retryHorizonMs };
    await this.state.deliveries.update(retried);
    await this.audit(actor, 'delivery.retry', id);
    return retried;
  }

  async createSilence(actor: string, input: SilenceInput): Promise<Silence> {
    input.matchers.forEach((m, i) => {
      if (!m.isRegex) return;
      try {
        compileMatcherRegex(m.value);
      } catch (e) {
        throw new AdminError('invalid', `not a valid regular expression: ${(e as Error).message}`, `matchers.${i}.value`);
      }
    });
    const now = this.now();
    if (input.endsAt <= Math.max(now, input.startsAt)) throw new AdminError('invalid', 'must be after starts_at and in the future', 'ends_at');
    const silence: Silence = { id: `sil_${randomUUID().replaceAll('-', '')}`, ...input, createdBy: actor, createdAt: now, updatedAt: now };
    await this.state.silences.put(silence);
    await this.audit(actor, 'silence.create', silence.id, { matchers: input.matchers.map((m) => ({ name: m.name, value: m.value, is_regex: m.isRegex, is_equal: m.isEqual })), starts_at: iso(input.startsAt), ends_at: iso(input.endsAt), comment: input.comment });
    return silence;
  }

  /** Ends a silence now; an expired one stays listed, as in Alertmanager. */
  async expireSilence(actor: string, id: string): Promise<Silence> {
    const silence = await this.state.silences.get(id);
    if (!silence) throw new AdminError('not_found', `no silence with id ${id}`);
    const now = this.now();
    if (silenceState(silence, now) === 'expired') throw new AdminError('conflict', `silence ${id} has already expired`);
    const expired: Silence = { ...silence, endsAt: now, updatedAt: now };
    await this.state.silences.put(expired);
    await this.audit(actor, 'silence.expire', id);
    return expired;
  }

  async subscription(id: string): Promise<Subscription> {
    const sub = await this.state.subscriptions.get(id);
    if (!sub) throw new AdminError('not_found', `no subscription with id ${id}`);
    return sub;
  }

  private async editable(id: string): Promise<Subscription> {
    const sub = await this.subscription(id);
    if (sub.managedBy === 'config') throw new AdminError('conflict', `subscription ${id} comes from the config file (alerting.webhooks); change it there`);
    return sub;
  }

  private async checkTarget(url: string): Promise<void> {
    if (this.options.allowPrivateTargets) return;
    try {
      await assertPublicTarget(url);
    } catch (e) {
      throw new AdminError('invalid', (e as Error).message, 'url');
    }
  }

  private audit(actor: string, action: string, target: string, details?: Record<string, unknown>): Promise<void> {
    return this.state.audit.append({ at: this.now(), actor, action, target, ...(details && { details }) });
  }
}

const iso = (ms: number) => new Date(ms).toISOString();

/** What the audit log keeps of a subscription change, in the API's field names: no secret, and a URL without query or credentials, which may hold tokens. */
function describe(input: Partial<SubscriptionInput>): Record<string, unknown> {
  const { minSeverity, anomalyTypes, url, ...rest } = input;
  const out: Record<string, unknown> = { ...rest };
  if (minSeverity !== undefined) out.min_severity = minSeverity;
  if (anomalyTypes !== undefined) out.anomaly_types = anomalyTypes;
  if (url !== undefined) {
    const u = new URL(url);
    out.url = `${u.protocol}//${u.host}${u.pathname}`;
  }
  return out;
}
