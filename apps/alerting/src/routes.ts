import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { AdminError, silenceState, type AlertAdmin, type AlertState, type SubscriptionInput } from '@sentinel/alerts';
import { HttpProblem, parseBody, parseQuery } from '@sentinel/http';
import type { RouteDoc } from '@sentinel/http';
import {
  AuditListSchema,
  AuditQuery,
  DeliveryListQuery,
  DeliveryListSchema,
  DeliveryViewSchema,
  DeliveryWithPayloadSchema,
  IdParams,
  SilenceCreate,
  SilenceListQuery,
  SilenceListSchema,
  SilenceViewSchema,
  SubscriptionCreate,
  SubscriptionListSchema,
  SubscriptionPatch,
  SubscriptionViewSchema,
  SubscriptionWithSecretSchema,
  deliveryView,
  silenceView,
  subscriptionView,
} from './schemas.js';

export interface AlertingRoutesOptions {
  admin: AlertAdmin;
  state: AlertState;
  now?: () => number;
}

type IdRequest = FastifyRequest<{ Params: { id: string } }>;
const DURATION_MS = { s: 1e3, m: 6e4, h: 36e5, d: 864e5 } as const;
const MAX_TIME_MS = Date.parse('9999-12-31T23:59:59.999Z');

const subscriptions = ['subscriptions'];
const deliveries = ['deliveries'];
const silences = ['silences'];
/** The OpenAPI metadata of every route below, with the schemas the handlers parse with. */
const DOCS = {
  listSubscriptions: { summary: 'Webhook subscriptions (never their secrets)', tags: subscriptions, responses: { 200: SubscriptionListSchema } },
  createSubscription: { summary: 'Creates a webhook subscription', tags: subscriptions, body: SubscriptionCreate, responses: { 201: SubscriptionWithSecretSchema.describe('Created; `secret` is shown only now') } },
  getSubscription: { summary: 'One subscription', tags: subscriptions, params: IdParams, responses: { 200: SubscriptionViewSchema }, problems: [404] },
  patchSubscription: { summary: 'Changes the fields given', description: 'Subscriptions from the config file are read-only (409).', tags: subscriptions, params: IdParams, body: SubscriptionPatch, responses: { 200: SubscriptionViewSchema }, problems: [404, 409] },
  deleteSubscription: { summary: 'Deletes a subscription', tags: subscriptions, params: IdParams, responses: { 204: { description: 'Deleted' } }, problems: [404, 409] },
  rotateSecret: { summary: 'A new signing secret; the old one keeps signing for alerting.rotationOverlapMs', tags: subscriptions, params: IdParams, responses: { 200: SubscriptionWithSecretSchema }, problems: [404, 409] },
  testSubscription: { summary: 'Sends a signed webhook.test event now', tags: subscriptions, params: IdParams, responses: { 200: DeliveryViewSchema.describe('The attempt: status code, error') }, problems: [404] },
  subscriptionDeliveries: { summary: "A subscription's recent deliveries", tags: deliveries, params: IdParams, query: DeliveryListQuery, responses: { 200: DeliveryListSchema }, problems: [404] },
  listDeliveries: { summary: 'Recent deliveries of every channel, each with its attempts', tags: deliveries, query: DeliveryListQuery, responses: { 200: DeliveryListSchema } },
  getDelivery: { summary: 'One delivery with its payload', tags: deliveries, params: IdParams, responses: { 200: DeliveryWithPayloadSchema }, problems: [404] },
  retryDelivery: { summary: 'Puts a dead delivery back on the schedule', tags: deliveries, params: IdParams, responses: { 200: DeliveryViewSchema }, problems: [404, 409] },
  listSilences: { summary: 'Silences with their state', tags: silences, query: SilenceListQuery, responses: { 200: SilenceListSchema } },
  createSilence: { summary: 'Creates a silence', description: '`ends_at`, or `duration` from `starts_at` (default now); it must end before year 10000.', tags: silences, body: SilenceCreate, responses: { 201: SilenceViewSchema } },
  getSilence: { summary: 'One silence', tags: silences, params: IdParams, responses: { 200: SilenceViewSchema }, problems: [404] },
  expireSilence: { summary: 'Expires a silence now (it stays listed)', tags: silences, params: IdParams, responses: { 200: SilenceViewSchema }, problems: [404] },
  audit: { summary: 'Admin actions, newest first', tags: ['audit'], query: AuditQuery, responses: { 200: AuditListSchema } },
} satisfies Record<string, RouteDoc>;
const adminRoute = (openapi: RouteDoc) => ({ config: { scope: 'admin' as const, openapi } });
const readRoute = (openapi: RouteDoc) => ({ config: { scope: 'read' as const, openapi } });

/**
 * Subscriptions, deliveries, silences and the audit log. Reading silences needs `read`; everything
 * else is `admin`, since subscriptions hold target URLs and deliveries hold alert bodies.
 */
export const alertingRoutes: FastifyPluginAsync<AlertingRoutesOptions> = async (app, { admin, state, now = Date.now }) => {
  const actor = (r: FastifyRequest) => r.principal ?? 'unknown';
  app.setErrorHandler((e) => {
    if (!(e instanceof AdminError)) throw e;
    const status = { invalid: 400, not_found: 404, conflict: 409 }[e.kind];
    throw new HttpProblem(status, e.message, e.field ? { errors: [{ field: e.field, reason: e.message }] } : {});
  });

  app.get('/v1/subscriptions', adminRoute(DOCS.listSubscriptions), async () => ({ data: (await state.subscriptions.list()).sort((a, b) => a.createdAt - b.createdAt).map((s) => subscriptionView(s, now())) }));

  app.post('/v1/subscriptions', adminRoute(DOCS.createSubscription), async (request, reply) => {
    const { subscription, secret } = await admin.createSubscription(actor(request), subscriptionInput(parseBody(SubscriptionCreate, request.body)) as SubscriptionInput);
    return reply.code(201).send({ ...subscriptionView(subscription, now()), secret });
  });

  app.get('/v1/subscriptions/:id', adminRoute(DOCS.getSubscription), async (request: IdRequest) => subscriptionView(await admin.subscription(request.params.id), now()));

  app.patch('/v1/subscriptions/:id', adminRoute(DOCS.patchSubscription), async (request: IdRequest) => {
    const patch = parseBody(SubscriptionPatch, request.body);
    return subscriptionView(await admin.updateSubscription(actor(request), request.params.id, subscriptionInput(patch)), now());
  });

  app.delete('/v1/subscriptions/:id', adminRoute(DOCS.deleteSubscription), async (request: IdRequest, reply) => {
    await admin.deleteSubscription(actor(request), request.params.id);
    return reply.code(204).send();
  });

  app.post('/v1/subscriptions/:id/rotate-secret', adminRoute(DOCS.rotateSecret), async (request: IdRequest) => {
    const { subscription, secret } = await admin.rotateSecret(actor(request), request.params.id);
    return { ...subscriptionView(subscription, now()), secret };
  });

  app.post('/v1/subscriptions/:id/test', adminRoute(DOCS.testSubscription), async (request: IdRequest) => deliveryView(await admin.testSubscription(actor(request), request.params.id), false));

  app.get('/v1/subscriptions/:id/deliveries', adminRoute(DOCS.subscriptionDeliveries), async (request: IdRequest) => {
    await admin.subscription(request.params.id);
    const q = parseQuery(DeliveryListQuery, request.query);
    return { data: (await state.deliveries.list({ ...q, target: request.params.id })).map((d) => deliveryView(d, false)) };
  });

  app.get('/v1/deliveries', adminRoute(DOCS.listDeliveries), async (request) => {
    const q = parseQuery(DeliveryListQuery, request.query);
    return { data: (await state.deliveries.list(q)).map((d) => deliveryView(d, false)) };
  });

  app.get('/v1/deliveries/:id', adminRoute(DOCS.getDelivery), async (request: IdRequest) => {
    const d = await state.deliveries.get(request.params.id);
    if (!d) throw new HttpProblem(404, `no delivery with id ${request.params.id}`);
    return deliveryView(d, true);
  });

  app.post('/v1/deliveries/:id/retry', adminRoute(DOCS.retryDelivery), async (request: IdRequest) => deliveryView(await admin.retryDelivery(actor(request), request.params.id), false));

  app.get('/v1/silences', readRoute(DOCS.listSilences), async (request) => {
    const q = parseQuery(SilenceListQuery, request.query);
    const at = now();
    const views = (await state.silences.list()).map((s) => silenceView(s, silenceState(s, at)));
    return { data: views.filter((v) => q.state === undefined || v.state === q.state).sort((a, b) => b.created_at!.localeCompare(a.created_at!)) };
  });

  app.post('/v1/silences', adminRoute(DOCS.createSilence), async (request, reply) => {
    const body = parseBody(SilenceCreate, request.body);
    const startsAt = body.starts_at ? Date.parse(body.starts_at) : now();
    const [, n, unit] = body.duration ? /^(\d+)([smhd])$/.exec(body.duration)! : [];
    const endsAt = body.ends_at ? Date.parse(body.ends_at) : startsAt + Number(n) * DURATION_MS[unit as keyof typeof DURATION_MS];
    // Times are answered in RFC 3339, which has four-digit years.
    if (startsAt > MAX_TIME_MS) throw new HttpProblem(400, 'starts_at must be before year 10000', { errors: [{ field: 'starts_at', reason: 'must be before 10000-01-01T00:00:00Z' }] });
    if (endsAt > MAX_TIME_MS) {
      const field = body.ends_at ? 'ends_at' : 'duration';
      throw new HttpProblem(400, `the silence must end before year 10000`, { errors: [{ field, reason: 'ends after 9999-12-31T23:59:59.999Z' }] });
    }
    const matchers = body.matchers.map((m) => ({ name: m.name, value: m.value, isRegex: m.is_regex, isEqual: m.is_equal }));
    const silence = await admin.createSilence(actor(request), { matchers, startsAt, endsAt, comment: body.comment });
    return reply.code(201).send(silenceView(silence, silenceState(silence, now())));
  });

  app.get('/v1/silences/:id', readRoute(DOCS.getSilence), async (request: IdRequest) => {
    const s = await state.silences.get(request.params.id);
    if (!s) throw new HttpProblem(404, `no silence with id ${request.params.id}`);
    return silenceView(s, silenceState(s, now()));
  });

  app.delete('/v1/silences/:id', adminRoute(DOCS.expireSilence), async (request: IdRequest) => {
    const s = await admin.expireSilence(actor(request), request.params.id);
    return silenceView(s, silenceState(s, now()));
  });

  app.get('/v1/audit', adminRoute(DOCS.audit), async (request) => {
    const q = parseQuery(AuditQuery, request.query);
    return { data: (await state.audit.list(q)).map((e) => ({ at: new Date(e.at).toISOString(), actor: e.actor, action: e.action, target: e.target, details: e.details ?? {} })) };
  });
};

/** The API's snake_case fields to the domain's names; absent fields stay absent, so a PATCH changes only what it names. */
function subscriptionInput<T extends Partial<Record<'name' | 'url' | 'min_severity' | 'services' | 'models' | 'anomaly_types' | 'enabled', unknown>>>(b: T) {
  const out: Partial<SubscriptionInput> = {};
  if (b.name !== undefined) out.name = b.name as string;
  if (b.url !== undefined) out.url = b.url as string;
  if (b.min_severity !== undefined) out.minSeverity = b.min_severity as SubscriptionInput['minSeverity'];
  if (b.services !== undefined) out.services = b.services as string[];
  if (b.models !== undefined) out.models = b.models as string[];
  if (b.anomaly_types !== undefined) out.anomalyTypes = b.anomaly_types as string[];
  if (b.enabled !== undefined) out.enabled = b.enabled as boolean;
  return out;
}
