import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readText, repoPath } from './tools.js';

/** Instructions of a Dockerfile, continuation lines joined and comments dropped. */
function instructions(text: string): Array<{ op: string; args: string }> {
  return text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => {
      const [op, ...rest] = line.split(/\s+/);
      return { op: op!.toUpperCase(), args: rest.join(' ') };
    });
}

describe('deploy/Dockerfile', () => {
  const steps = instructions(readText('deploy/Dockerfile'));
  const stages = steps.reduce<Array<typeof steps>>((acc, step) => (step.op === 'FROM' ? [...acc, [step]] : (acc.at(-1)?.push(step), acc)), []);
  const final = stages.at(-1)!;
  const ignored = readText('.dockerignore')
    .split('\n')
    .filter((l) => l && !l.startsWith('#'));

  it('builds with every dependency in one stage and ships runtime dependencies only', () => {
    expect(stages.length).toBeGreaterThanOrEqual(3);
    const runs = steps.filter((s) => s.op === 'RUN').map((s) => s.args);
    expect(runs.some((r) => /npm ci(?!.*--omit=dev)/.test(r))).toBe(true);
    expect(runs.some((r) => r.includes('npm ci --omit=dev'))).toBe(true);
    // tsx runs the sources: its locked version is read from the lockfile.
    const lock = JSON.parse(readText('package-lock.json')) as { packages: Record<string, { version: string }> };
    expect(lock.packages['node_modules/tsx']?.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(final.filter((s) => s.op === 'COPY').every((s) => s.args.startsWith('--from='))).toBe(true);
  });

  it('runs as a numeric non-root user, checks /health/live, and starts the CLI through tsx', () => {
    const user = final.filter((s) => s.op === 'USER').at(-1)?.args ?? '';
    expect(user).toMatch(/^\d+(:\d+)?$/);
    expect(Number(user.split(':')[0])).toBeGreaterThan(0);
    expect(final.find((s) => s.op === 'HEALTHCHECK')?.args).toContain('/health/live');
    expect(JSON.parse(final.find((s) => s.op === 'ENTRYPOINT')!.args)).toEqual(['node', '--import', 'tsx', 'apps/sentinel/src/main.ts']);
  });

  it('copies from the build context only what exists and .dockerignore lets through', () => {
    const sources = steps.filter((s) => s.op === 'COPY' && !s.args.startsWith('--from=')).flatMap((s) => s.args.split(/\s+/).slice(0, -1));
    expect(sources.length).toBeGreaterThan(0);
    for (const source of sources) {
      expect(existsSync(repoPath(source)), source).toBe(true);
      expect(ignored, source).not.toContain(source);
    }
  });
});
