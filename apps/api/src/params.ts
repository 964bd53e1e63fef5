import { z } from 'zod';
import { SEVERITIES } from '@sentinel/contracts';
import { HttpProblem, instant, limitParam } from '@sentinel/http';
import { AGGREGATES, TELEMETRY_METRICS } from '@sentinel/store';

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
