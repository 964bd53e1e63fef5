import { z } from 'zod';
import { AnomalyEventSchema, SEVERITIES } from '@sentinel/contracts';
import { HttpProblem, instant, limitParam } from '@sentinel/http';
import { AGGREGATES, TELEMETRY_METRICS, type TelemetryPoint } from '@sentinel/store';

const name = z.string().min(1).max(256);

/** Duration such as 30s, 5m, 1h, 1d, to milliseconds. */
const step = z
  .string()
  .regex(/^\d{1,6}(ms|s|m|h|d)$/, { message: 'must be a duration such as 30s, 5m, 1h or 1d' })
  .transform((s) => {
    const [, n, unit] = /^(\d+)(ms|s|m|h|d)$/.exec(s)!;
    return Number(n) * { ms: 1, s: 1e3, m: 6e4, h: 36e5, d: 864e5 }[unit as 'ms' | 's' | 'm' | 'h' | 'd'];
  })
  .refine((ms) => ms >= 1000, { message: 'must be at least 1s' });

export const AnomalyListQuery = z.object({
  service: name.optional(),
  model: name.optional(),
  metric: name.optional(),
  min_severity: z.enum(SEVERITIES).optional(),
  type: name.optional(),
  method: name.optional(),
  from: instant.optional(),
  to: instant.optional(),
  limit: limitParam(1000, 100),
  cursor: z.string().max(512).optional(),
});

export const TelemetryListQuery = z.object({
  service: name.optional(),
  model: name.optional(),
  from: instant.optional(),
  to: instant.optional(),
  limit: limitParam(10_000, 1000),
  metric: z.enum(TELEMETRY_METRICS).optional(),
  step: step.optional(),
  agg: z.enum(AGGREGATES).default('avg'),
});

export function timeRange(q: { from?: number; to?: number }, now: number, defaultSpanMs: number): { from: number; to: number } {
  const to = q.to ?? now;
  const from = q.from ?? to - defaultSpanMs;
  if (from >= to) throw new HttpProblem(400, '"from" must be before "to"', { errors: [{ field: 'from', reason: 'must be before to' }] });
  return { from, to };
}

export const AnomalyIdParams = z.object({ id: z.string().max(256) });

export const AnomalyPageSchema = z.object({
  data: z.array(AnomalyEventSchema),
  next_cursor: z.string().nullable().describe('Pass as `cursor` for the next page; null on the last one'),
});

/** One stored telemetry row (TelemetryPoint of @sentinel/store): numbers only, never the texts. */
export const TelemetryPointSchema = z.object({
  event_id: z.string(),
  timestamp: z.string(),
  service_name: z.string(),
  model: z.string(),
  latency_ms: z.number(),
  time_to_first_token_ms: z.number().nullable(),
  prompt_tokens: z.number(),
  completion_tokens: z.number(),
  total_tokens: z.number(),
  cost_usd: z.number(),
  error: z.boolean(),
  finish_reason: z.string(),
  trace_id: z.string().nullable(),
}) satisfies z.ZodType<TelemetryPoint>;

export const TelemetryRawSchema = z.object({ data: z.array(TelemetryPointSchema) }).meta({ title: 'TelemetryRaw' });

export const TelemetrySeriesSchema = z
  .object({
    service: z.string(),
    model: z.string(),
    metric: z.enum(TELEMETRY_METRICS),
    agg: z.enum(AGGREGATES),
    step_ms: z.number().int(),
    data: z.array(z.object({ timestamp: z.string(), value: z.number().nullable(), count: z.number().int() })),
  })
  .meta({ title: 'TelemetrySeries', description: 'One value per step of the range; a step without data has value null and count 0' });
