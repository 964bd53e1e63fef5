import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { SeriesBaselineSchema } from '@sentinel/contracts';
import { HttpProblem, limitParam, parseQuery } from '@sentinel/http';
import type { Store } from '@sentinel/store';
import { answerStoreErrors } from './store-errors.js';

export const SeriesListQuery = z.object({
  service: z.string().min(1).max(256).optional(),
  model: z.string().min(1).max(256).optional(),
  metric: z.string().min(1).max(256).optional(),
  limit: limitParam(1000, 100),
  cursor: z.string().max(2048).optional(),
});

const SeriesKeyParams = z.object({ key: z.string().min(1).describe('The series key, URL-encoded') });
const SeriesPageSchema = z.object({ data: z.array(SeriesBaselineSchema), next_cursor: z.string().nullable() });

/** Every series with its current baseline, as detection last published it. */
export const seriesRoutes: FastifyPluginAsync<{ store: Store }> = async (app, { store }) => {
  answerStoreErrors(app);
  const tags = ['series'];
  const list = { summary: 'Every series with its current baseline, in series-key order, paged', tags, query: SeriesListQuery, responses: { 200: SeriesPageSchema }, problems: [503] };
  app.get('/v1/series', { config: { scope: 'read', openapi: list } }, async (request) => {
    const q = parseQuery(SeriesListQuery, request.query);
    const page = await store.listSeries(q);
    return { data: page.items, next_cursor: page.nextCursor };
  });

  const one = { summary: "One series' current baseline", tags, params: SeriesKeyParams, responses: { 200: SeriesBaselineSchema }, problems: [404, 503] };
  app.get('/v1/series/:key/baseline', { config: { scope: 'read', openapi: one } }, async (request: FastifyRequest<{ Params: { key: string } }>) => {
    const series = await store.getSeries(request.params.key);
    if (!series) throw new HttpProblem(404, `no series ${request.params.key} (a series appears once detection has published its baseline)`);
    return series;
  });
};
