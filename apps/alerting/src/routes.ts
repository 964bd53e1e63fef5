import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { AdminError, silenceState, type AlertAdmin, type AlertState, type SubscriptionInput } from '@sentinel/alerts';
import { HttpProblem, parseBody, parseQuery } from '@sentinel/http';
import { AuditQuery, DeliveryListQuery, SilenceCreate, SilenceListQuery, SubscriptionCreate, SubscriptionPatch, deliveryView, silenceView, subscriptionView } from './schemas.js';

export interface AlertingRoutesOptions {
  admin: AlertAdmin;
  state: AlertState;
  now?: () => number;
}

type IdRequest = FastifyRequest<{ Params: { id: string } }>;
const DURATION_MS = { s: 1e3, m: 6e4, h: 36e5, d: 864e5 } as const;

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

  app.get('/v1/subscriptions', async () => ({ data: (await state.subscriptions.list()).sort((a, b) => a.createdAt - b.createdAt).map((s) => subscriptionView(s, now())) }));

  app.post('/v1/subscriptions', async (request, reply) => {
    const { subscription, secret } = await admin.createSubscription(actor(request), subscriptionInput(parseBody(SubscriptionCreate, request.body)) as SubscriptionInput);
    return reply.code(201).send({ ...subscriptionView(subscription, now()), secret });
  });

  app.get('/v1/subscriptions/:id', async (request: IdRequest) => subscriptionView(await admin.subscription(request.params.id), now()));

  app.patch('/v1/subscriptions/:id', async (request: IdRequest) => {
    const patch = parseBody(SubscriptionPatch, request.body);
    return subscriptionView(await admin.updateSubscription(actor(request), request.params.id, subscriptionInput(patch)), now());
  });

  app.delete('/v1/subscriptions/:id', async (request: IdRequest, reply) => {
    await admin.deleteSubscription(actor(request), request.params.id);
    return reply.code(204).send();
  });

  app.post('/v1/subscriptions/:id/rotate-secret', async (request: IdRequest) => {
    const { subscription, secret } = await admin.rotateSecret(actor(request), request.params.id);
    return { ...subscriptionView(subscription, now()), secret };
  });

  app.post('/v1/subscriptions/:id/test', async (request: IdRequest) => deliveryView(await admin.testSubscription(actor(request), request.params.id), false));

  app.get('/v1/subscriptions/:id/deliveries', async (request: IdRequest) => {
    await admin.subscription(request.params.id);
    const q = parseQuery(DeliveryListQuery, request.query);
    return { data: (await state.deliveries.list({ ...q, target: request.params.id })).map((d) => deliveryView(d, false)) };
  });

  app.get('/v1/deliveries', async (request) => {
    const q = parseQuery(DeliveryListQuery, request.query);
    return { data: (await state.deliveries.list(q)).map((d) => deliveryView(d, false)) };
  });

  app.get('/v1/deliveries/:id', async (request: IdRequest) => {
    const d = await state.deliveries.get(request.params.id);
    if (!d) throw new HttpProblem(404, `no delivery with id ${request.params.id}`);
    return deliveryView(d, true);
  });

  app.post('/v1/deliveries/:id/retry', async (request: IdRequest) => deliveryView(await admin.retryDelivery(actor(request), request.params.id), false));

  app.get('/v1/silences', { config: { scope: 'read' } }, async (request) => {
    const q = parseQuery(SilenceListQuery, request.query);
    const at = now();
    const views = (await state.silences.list()).map((s) => silenceView(s, silenceState(s, at)));
    return { data: views.filter((v) => q.state === undefined || v.state === q.state).sort((a, b) => b.created_at!.localeCompare(a.created_at!)) };
  });

  app.post('/v1/silences', async (request, reply) => {
    const body = parseBody(SilenceCreate, request.body);
    const startsAt = body.starts_at ? Date.parse(body.starts_at) : now();
    const [, n, unit] = body.duration ? /^(\d+)([smhd])$/.exec(body.duration)! : [];
    const endsAt = body.ends_at ? Date.parse(body.ends_at) : startsAt + Number(n) * DURATION_MS[unit as keyof typeof DURATION_MS];
    const matchers = body.matchers.map((m) => ({ name: m.name, value: m.value, isRegex: m.is_regex, isEqual: m.is_equal }));
    const silence = await admin.createSilence(actor(request), { matchers, startsAt, endsAt, comment: body.comment });
    return reply.code(201).send(silenceView(silence, silenceState(silence, now())));
  });

  app.get('/v1/silences/:id', { config: { scope: 'read' } }, async (request: IdRequest) => {
    const s = await state.silences.get(request.params.id);
    if (!s) throw new HttpProblem(404, `no silence with id ${request.params.id}`);
    return silenceView(s, silenceState(s, now()));
  });

  app.delete('/v1/silences/:id', async (request: IdRequest) => {
    const s = await admin.expireSilence(actor(request), request.params.id);
    return silenceView(s, silenceState(s, now()));
  });

  app.get('/v1/audit', async (request) => {
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
