import type { FastifyPluginAsync } from 'fastify';
import { HttpProblem, parseQuery } from '@sentinel/http';
import type { Store } from '@sentinel/store';
import { answerStoreErrors } from './store-errors.js';
import { z } from 'zod';
import { AnomalyEventSchema } from '@sentinel/contracts';
import { AnomalyIdParams, AnomalyListQuery, AnomalyPageSchema, TelemetryListQuery, TelemetryRawSchema, TelemetrySeriesSchema, timeRange } from './params.js';

export interface ApiRoutesOptions {
  store: Store;
  now?: () => number;
}

const DAY_MS = 86_400_000;
const MAX_BUCKETS = 10_000;

/** Read-scope queries over stored telemetry and anomalies. */
export const apiRoutes: FastifyPluginAsync<ApiRoutesOptions> = async (app, { store, now = Date.now }) => {
  answerStoreErrors(app);
  const tags = ['query'];
  const list = { summary: 'Anomalies, newest first, filtered and paged', tags, query: AnomalyListQuery, responses: { 200: AnomalyPageSchema }, problems: [503] };
  app.get('/v1/anomalies', { config: { scope: 'read', openapi: list } }, async (request) => {
    const q = parseQuery(AnomalyListQuery, request.query);
    const page = await store.queryAnomalies({
      service: q.service,
      model: q.model,
      metric: q.metric,
      minSeverity: q.min_severity,
      type: q.type,
      method: q.method,
      from: q.from,
      to: q.to,
      limit: q.limit,
      cursor: q.cursor,
    });
    return { data: page.items, next_cursor: page.nextCursor };
  });

  const one = { summary: 'One anomaly by its alert_id', tags, params: AnomalyIdParams, responses: { 200: AnomalyEventSchema }, problems: [404, 503] };
  app.get<{ Params: { id: string } }>('/v1/anomalies/:id', { config: { scope: 'read', openapi: one } }, async (request) => {
    const anomaly = await store.getAnomaly(request.params.id);
    if (!anomaly) throw new HttpProblem(404, `no anomaly with id ${request.params.id}`);
    return anomaly;
  });

  const telemetry = {
    summary: 'Stored telemetry, raw or aggregated per time step',
    description: 'Raw rows, newest first; with `metric` and `step` (and then `service` and `model`), one aggregated value per step.',
    tags,
    query: TelemetryListQuery,
    responses: { 200: z.union([TelemetryRawSchema, TelemetrySeriesSchema]).describe('Raw rows, or one value per step when `metric` and `step` are given') },
    problems: [503],
  };
  app.get('/v1/telemetry', { config: { scope: 'read', openapi: telemetry } }, async (request) => {
    const q = parseQuery(TelemetryListQuery, request.query);
    const range = timeRange(q, now(), DAY_MS);
    if (q.metric || q.step) {
      if (!q.service || !q.model || !q.metric || !q.step) {
        const missing = (['service', 'model', 'metric', 'step'] as const).filter((k) => !q[k]);
        throw new HttpProblem(400, `an aggregate query needs service, model, metric and step`, { errors: missing.map((field) => ({ field, reason: 'is required with metric/step' })) });
      }
      if ((range.to - range.from) / q.step > MAX_BUCKETS) throw new HttpProblem(400, `the range holds more than ${MAX_BUCKETS} steps; widen step or narrow the range`, { errors: [{ field: 'step', reason: 'too small for the range' }] });
      const buckets = await store.querySeries({ ...range, service: q.service, model: q.model, metric: q.metric, stepMs: q.step, agg: q.agg });
      return { service: q.service, model: q.model, metric: q.metric, agg: q.agg, step_ms: q.step, data: buckets.map((b) => ({ timestamp: new Date(b.t).toISOString(), value: b.value, count: b.count })) };
    }
    return { data: await store.queryTelemetry({ ...range, service: q.service, model: q.model, limit: q.limit }) };
  });
};
