import { z } from 'zod';
import { SEVERITIES, validateWith } from '@sentinel/contracts';
import { HttpProblem } from '@sentinel/http';
import { AGGREGATES, TELEMETRY_METRICS } from '@sentinel/store';

/** RFC 3339 or epoch milliseconds, to epoch milliseconds. */
const instant = z
  .string()
  .transform((s, ctx) => {
    const ms = /^\d{1,16}$/.test(s) ? Number(s) : Date.parse(s);
    if (Number.isNaN(ms)) {
      ctx.addIssue({ code: 'custom', message: 'must be an RFC 3339 timestamp or epoch milliseconds' });
      return z.NEVER;
    }
    return ms;
  });

const limit = (max: number, def: number) => z.coerce.number().int().min(1).max(max).default(def);
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
  limit: limit(1000, 100),
  cursor: z.string().max(512).optional(),
});

export const TelemetryListQuery = z.object({
  service: name.optional(),
  model: name.optional(),
  from: instant.optional(),
  to: instant.optional(),
  limit: limit(10_000, 1000),
  metric: z.enum(TELEMETRY_METRICS).optional(),
  step: step.optional(),
  agg: z.enum(AGGREGATES).default('avg'),
});

/** Parses query parameters, or answers 400 naming each bad parameter. */
export function parseQuery<T>(schema: z.ZodType<T>, query: unknown): T {
  const r = validateWith(schema, query);
  if (!r.ok) throw new HttpProblem(400, `invalid query parameter(s): ${r.issues.map((i) => i.field).join(', ')}`, { errors: r.issues });
  return r.value;
}

export function timeRange(q: { from?: number; to?: number }, now: number, defaultSpanMs: number): { from: number; to: number } {
  const to = q.to ?? now;
  const from = q.from ?? to - defaultSpanMs;
  if (from >= to) throw new HttpProblem(400, '"from" must be before "to"', { errors: [{ field: 'from', reason: 'must be before to' }] });
  return { from, to };
}
