import type { z } from 'zod';

/** One failing field: `field` is a dotted path into the input (`prompt.tokens`, `[3].latency_ms`). */
export interface FieldIssue {
  field: string;
  reason: string;
}

export type Validated<T> = { ok: true; value: T } | { ok: false; issues: FieldIssue[] };

export function formatPath(path: ReadonlyArray<PropertyKey>, prefix = ''): string {
  let out = prefix;
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out === '' ? '(root)' : out;
}

export function toFieldIssues(error: z.ZodError, prefix = ''): FieldIssue[] {
  return error.issues.map((issue) => ({ field: formatPath(issue.path, prefix), reason: issue.message }));
}

/** Runs a schema and returns every failing field, never throws. */
export function validateWith<T>(schema: z.ZodType<T>, input: unknown, prefix = ''): Validated<T> {
  const result = schema.safeParse(input);
  return result.success ? { ok: true, value: result.data } : { ok: false, issues: toFieldIssues(result.error, prefix) };
}
