import { z } from 'zod';
import { validateWith } from '@sentinel/contracts';
import { HttpProblem } from './problem.js';

/** RFC 3339 or epoch milliseconds, to epoch milliseconds. */
export const instant = z.string().transform((s, ctx) => {
  const ms = /^\d{1,16}$/.test(s) ? Number(s) : Date.parse(s);
  if (Number.isNaN(ms)) {
    ctx.addIssue({ code: 'custom', message: 'must be an RFC 3339 timestamp or epoch milliseconds' });
    return z.NEVER;
  }
  return ms;
}).meta({ description: 'RFC 3339 (2025-01-31T12:00:00Z) or epoch milliseconds', examples: ['2025-01-31T12:00:00Z', '1738324800000'] });

/** A `limit` query parameter: 1..max, `def` when absent. */
export const limitParam = (max: number, def: number) => z.coerce.number().int().min(1).max(max).default(def);

/** Parses query parameters, or answers 400 naming each bad parameter. */
export function parseQuery<T>(schema: z.ZodType<T>, query: unknown): T {
  const r = validateWith(schema, query);
  if (!r.ok) throw new HttpProblem(400, `invalid query parameter(s): ${r.issues.map((i) => i.field).join(', ')}`, { errors: r.issues });
  return r.value;
}

/** Parses a JSON body, or answers 400 naming each bad field. */
export function parseBody<T>(schema: z.ZodType<T>, body: unknown): T {
  const r = validateWith(schema, body ?? {});
  if (!r.ok) throw new HttpProblem(400, `invalid request body: ${r.issues.map((i) => i.field || '(body)').join(', ')}`, { errors: r.issues });
  return r.value;
}
