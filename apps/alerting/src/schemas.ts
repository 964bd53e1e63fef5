import { z } from 'zod';
import { SEVERITIES } from '@sentinel/contracts';
import { MATCHER_LABELS, type Delivery, type Silence, type Subscription } from '@sentinel/alerts';
import { instant, limitParam } from '@sentinel/http';

const names = z.array(z.string().min(1).max(256)).max(100);

export const SubscriptionCreate = z.strictObject({
  name: z.string().min(1).max(100),
  url: z.url({ protocol: /^https?$/, message: 'must be an http(s) URL' }).max(2048),
  min_severity: z.enum(SEVERITIES).default('low'),
  services: names.default([]),
  models: names.default([]),
  anomaly_types: names.default([]),
  enabled: z.boolean().default(true),
});

export const SubscriptionPatch = z
  .strictObject({
    name: z.string().min(1).max(100),
    url: z.url({ protocol: /^https?$/, message: 'must be an http(s) URL' }).max(2048),
    min_severity: z.enum(SEVERITIES),
    services: names,
    models: names,
    anomaly_types: names,
    enabled: z.boolean(),
  })
  .partial();

const Matcher = z.strictObject({
  name: z.enum(MATCHER_LABELS),
  value: z.string().max(1024),
  is_regex: z.boolean().default(false),
  is_equal: z.boolean().default(true),
});

/** `ends_at`, or `duration` from `starts_at` (default now). */
export const SilenceCreate = z
  .strictObject({
    matchers: z.array(Matcher).min(1).max(20),
    starts_at: z.iso.datetime({ offset: true }).optional(),
    ends_at: z.iso.datetime({ offset: true }).optional(),
    duration: z
      .string()
      .regex(/^\d{1,6}(s|m|h|d)$/, { message: 'must be a duration such as 30m, 2h or 1d' })
      .optional(),
    comment: z.string().max(1000).default(''),
  })
  .refine((s) => (s.ends_at === undefined) !== (s.duration === undefined), { message: 'give exactly one of ends_at and duration', path: ['ends_at'] });

export const SilenceListQuery = z.object({ state: z.enum(['active', 'pending', 'expired']).optional() });

export const DeliveryListQuery = z.object({
  status: z.enum(['pending', 'delivered', 'dead']).optional(),
  target: z.string().max(256).optional(),
  limit: limitParam(1000, 100),
});

export const AuditQuery = z.object({
  actor: z.string().max(256).optional(),
  action: z.string().max(256).optional(),
  from: instant.optional(),
  to: instant.optional(),
  limit: limitParam(1000, 100),
});

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** A subscription as the API shows it: never its secrets. */
export function subscriptionView(s: Subscription, nowMs: number) {
  const previous = s.secrets.slice(1).filter((x) => x.expiresAt !== null && x.expiresAt > nowMs);
  return {
    id: s.id,
    name: s.name,
    url: s.url,
    min_severity: s.minSeverity,
    services: s.services,
    models: s.models,
    anomaly_types: s.anomalyTypes,
    enabled: s.enabled,
    managed_by: s.managedBy,
    previous_secret_expires_at: previous.length > 0 ? iso(Math.max(...previous.map((x) => x.expiresAt!))) : null,
    created_at: iso(s.createdAt),
    updated_at: iso(s.updatedAt),
  };
}

export function silenceView(s: Silence, state: string) {
  return {
    id: s.id,
    state,
    matchers: s.matchers.map((m) => ({ name: m.name, value: m.value, is_regex: m.isRegex, is_equal: m.isEqual })),
    starts_at: iso(s.startsAt),
    ends_at: iso(s.endsAt),
    created_by: s.createdBy,
    comment: s.comment,
    created_at: iso(s.createdAt),
    updated_at: iso(s.updatedAt),
  };
}

export function deliveryView(d: Delivery, withPayload: boolean) {
  return {
    id: d.id,
    channel: d.channel,
    target: d.target,
    message_id: d.messageId,
    event_type: d.eventType,
    ...(d.routingKey !== undefined && { routing_key: d.routingKey }),
    status: d.status,
    created_at: iso(d.createdAt),
    next_attempt_at: iso(d.nextAttemptAt),
    deadline_at: d.deadlineAt >= Number.MAX_SAFE_INTEGER ? null : iso(d.deadlineAt),
    attempts: d.attempts.map((a) => ({ at: iso(a.at), ok: a.ok, status_code: a.status, ...(a.error !== undefined && { error: a.error }), duration_ms: a.durationMs })),
    ...(withPayload && { payload: JSON.parse(d.body) as unknown }),
  };
}
