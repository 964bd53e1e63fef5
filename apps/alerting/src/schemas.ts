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
  .refine((s) => (s.ends_at === undefined) !== (s.duration === undefined), { message: 'give exactly one of ends_at and duration', path: ['ends_at'] })
  // The refinement above, for /openapi.json.
  .meta({ oneOf: [{ required: ['ends_at'] }, { required: ['duration'] }] });

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

export const IdParams = z.object({ id: z.string().max(512) });

const isoTime = z.iso.datetime();

// ------------------------------------------------------------------ answers (documented in /openapi.json)

export const SubscriptionViewSchema = z.object({
  id: z.string(),
  name: z.string(),
  url: z.string(),
  min_severity: z.enum(SEVERITIES),
  services: z.array(z.string()),
  models: z.array(z.string()),
  anomaly_types: z.array(z.string()),
  enabled: z.boolean(),
  managed_by: z.enum(['api', 'config']),
  previous_secret_expires_at: isoTime.nullable().describe('While a rotated-out secret still signs'),
  created_at: isoTime,
  updated_at: isoTime,
});
export const SubscriptionWithSecretSchema = SubscriptionViewSchema.extend({ secret: z.string().describe('The signing secret; shown only now') });
export const SubscriptionListSchema = z.object({ data: z.array(SubscriptionViewSchema) });

export const SilenceViewSchema = z.object({
  id: z.string(),
  state: z.enum(['active', 'pending', 'expired']),
  matchers: z.array(z.object({ name: z.enum(MATCHER_LABELS), value: z.string(), is_regex: z.boolean(), is_equal: z.boolean() })),
  starts_at: isoTime,
  ends_at: isoTime,
  created_by: z.string(),
  comment: z.string(),
  created_at: isoTime,
  updated_at: isoTime,
});
export const SilenceListSchema = z.object({ data: z.array(SilenceViewSchema) });

const DeliveryViewFields = {
  id: z.string(),
  channel: z.enum(['webhook', 'amqp']),
  target: z.string(),
  message_id: z.string(),
  event_type: z.string(),
  routing_key: z.string().optional(),
  status: z.enum(['pending', 'delivered', 'dead']),
  created_at: isoTime,
  next_attempt_at: isoTime.nullable(),
  deadline_at: isoTime.nullable(),
  attempts: z.array(z.object({ at: isoTime, ok: z.boolean(), status_code: z.number().int().nullable(), error: z.string().optional(), duration_ms: z.number() })),
};
export const DeliveryViewSchema = z.object(DeliveryViewFields);
export const DeliveryWithPayloadSchema = z.object({ ...DeliveryViewFields, payload: z.unknown().describe('The body as sent') });
export const DeliveryListSchema = z.object({ data: z.array(DeliveryViewSchema) });

export const AuditListSchema = z.object({
  data: z.array(z.object({ at: isoTime, actor: z.string(), action: z.string(), target: z.string(), details: z.record(z.string(), z.unknown()) })),
});

const iso = (ms: number) => new Date(ms).toISOString();
const isoOrNull = (ms: number | null) => (ms === null ? null : iso(ms));

/** A subscription as the API shows it: never its secrets. */
export function subscriptionView(s: Subscription, nowMs: number): z.output<typeof SubscriptionViewSchema> {
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

export function silenceView(s: Silence, state: z.output<typeof SilenceViewSchema>['state']): z.output<typeof SilenceViewSchema> {
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

export function deliveryView(d: Delivery, withPayload: boolean): z.output<typeof DeliveryViewSchema> & { payload?: unknown } {
  return {
    id: d.id,
    channel: d.channel,
    target: d.target,
    message_id: d.messageId,
    event_type: d.eventType,
    ...(d.routingKey !== undefined && { routing_key: d.routingKey }),
    status: d.status,
    created_at: iso(d.createdAt),
    next_attempt_at: isoOrNull(d.nextAttemptAt),
    deadline_at: d.deadlineAt >= Number.MAX_SAFE_INTEGER ? null : iso(d.deadlineAt),
    attempts: d.attempts.map((a) => ({ at: iso(a.at), ok: a.ok, status_code: a.status, ...(a.error !== undefined && { error: a.error }), duration_ms: a.durationMs })),
    ...(withPayload && { payload: JSON.parse(d.body) as unknown }),
  };
}
