import type { FastifyInstance } from 'fastify';
import { HttpProblem } from '@sentinel/http';
import { StoreQueryError, StoreUnavailableError } from '@sentinel/store';

/** The store's errors as HTTP: a query it cannot answer as asked is the caller's 400; a store that cannot answer now is a 503. */
export function answerStoreErrors(app: FastifyInstance): void {
  app.setErrorHandler((e) => {
    if (e instanceof StoreQueryError) throw new HttpProblem(400, e.message, { errors: [{ field: e.field, reason: e.message }] });
    if (e instanceof StoreUnavailableError) throw new HttpProblem(503, 'the store is unavailable; try again shortly', { headers: { 'retry-after': '5' } });
    throw e;
  });
}
