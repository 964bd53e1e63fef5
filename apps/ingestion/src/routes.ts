import type { FastifyBaseLogger, FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { TelemetryEventSchema, validateTelemetryBatch, validateTelemetryEvent, type FieldIssue, type TelemetryEvent } from '@sentinel/contracts';
import { FieldIssueSchema, HttpProblem, type RouteDoc } from '@sentinel/http';
import { pipelineMetrics, type Span } from '@sentinel/observability';
import type { IngestAdmission } from './admission.js';
import type { TelemetryPublisher } from './publisher.js';
import { recordIngest, traceIngestRequest } from './tracing.js';

export interface IngestionRoutesOptions {
  publisher: TelemetryPublisher;
  admission: IngestAdmission;
  maxBatchEvents: number;
}

/** What POST /v1/telemetry validates each event with: one event, or a batch of them. */
export const TelemetryIngestBody = z.union([TelemetryEventSchema, z.array(TelemetryEventSchema).min(1)]);

export const IngestResultSchema = z.object({
  accepted: z.number().int().min(0),
  rejected: z.number().int().min(0),
  errors: z.array(FieldIssueSchema).describe('The failing fields of the rejected events, by index (`[1].model`)'),
});

const ingestDoc: RouteDoc = {
  summary: 'Ingests one telemetry event or a batch',
  description: 'Each event of a batch is validated on its own: valid ones are accepted even when others are not, and the answer names the rejected ones. A batch in which nothing is valid is a 400; a batch over `server.maxBatchEvents` a 413.',
  tags: ['ingestion'],
  body: TelemetryIngestBody,
  responses: { 202: IngestResultSchema.describe('Accepted (all or some) events') },
  problems: [429, 503],
};

/**
 * POST /v1/telemetry: one anchor-format event, or an array of them. Each event is validated on its own:
 * valid ones are accepted even when others in the batch are not, and the answer lists every rejected
 * event with its failing fields. A request with nothing valid is a 400.
 */
export const ingestionRoutes: FastifyPluginAsync<IngestionRoutesOptions> = async (app: FastifyInstance, options) => {
  app.post('/v1/telemetry', { config: { scope: 'ingest', openapi: ingestDoc } }, (request, reply) => traceIngestRequest('http', '/v1/telemetry', request.headers, (span) => ingest(request, reply, span)));

  async function ingest(request: FastifyRequest, reply: FastifyReply, span: Span) {
    const body = request.body;
    if (Array.isArray(body)) {
      if (body.length === 0) throw new HttpProblem(400, 'the batch is empty');
      if (body.length > options.maxBatchEvents) throw new HttpProblem(413, `the batch has ${body.length} events; the limit is ${options.maxBatchEvents}`);
      await options.admission.admit(request.principal ?? 'anonymous', body.length);
      const { accepted, rejected } = validateTelemetryBatch(body);
      count(accepted.length, rejected.length);
      recordIngest(span, accepted, rejected.length);
      if (accepted.length === 0) throw new HttpProblem(400, `all ${body.length} events failed validation`, { errors: rejected.flatMap((r) => r.issues), rejected: rejected.map((r) => r.index) });
      await publish(options.publisher, accepted, request.log);
      return reply.code(202).send({ accepted: accepted.length, rejected: rejected.length, errors: rejected.flatMap((r) => r.issues) satisfies FieldIssue[] });
    }
    if (typeof body !== 'object' || body === null) throw new HttpProblem(400, 'the body must be a JSON object (one event) or an array of events');
    await options.admission.admit(request.principal ?? 'anonymous', 1);
    const result = validateTelemetryEvent(body);
    if (!result.ok) {
      count(0, 1);
      recordIngest(span, [], 1);
      throw new HttpProblem(400, `the event failed validation on ${result.issues.length} field(s)`, { errors: result.issues });
    }
    count(1, 0);
    recordIngest(span, [result.value], 0);
    await publish(options.publisher, [result.value], request.log);
    return reply.code(202).send({ accepted: 1, rejected: 0, errors: [] });
  }
};

function count(accepted: number, rejected: number): void {
  if (accepted) pipelineMetrics.recordsIn.inc({ stage: 'ingestion', source: 'http', result: 'accepted' }, accepted);
  if (rejected) pipelineMetrics.recordsIn.inc({ stage: 'ingestion', source: 'http', result: 'rejected' }, rejected);
}

/**
 * A bus that cannot take the events (Kafka down past the producer's retries) is the server's trouble, not
 * the caller's: 503 with Retry-After, so the client sends the same events again. Ids make that idempotent.
 */
async function publish(publisher: TelemetryPublisher, events: TelemetryEvent[], log: FastifyBaseLogger): Promise<void> {
  try {
    await publisher.publish(events);
  } catch (e) {
    log.error({ err: e, events: events.length }, 'publishing telemetry failed');
    throw new HttpProblem(503, 'the event bus is unavailable; nothing was accepted, send the same events again', { headers: { 'retry-after': '2' } });
  }
}
