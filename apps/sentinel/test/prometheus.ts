import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The samples of a Prometheus text exposition (comments skipped; label values unescaped). */
export function parseExposition(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!m) throw new Error(`not an exposition line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    samples.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return samples;
}

/** The sum of the samples named `name` whose labels include `match`. */
export function total(samples: readonly Sample[], name: string, match: Record<string, string> = {}): number {
  return samples.filter((s) => s.name === name && Object.entries(match).every(([k, v]) => s.labels[k] === v)).reduce((sum, s) => sum + s.value, 0);
}

/** promtool from $PROMTOOL, the PATH, or Debian's `prometheus` package. */
const PROMTOOL = process.env.PROMTOOL ?? (existsSync('/usr/bin/promtool') ? '/usr/bin/promtool' : 'promtool');

/** `promtool check metrics` on a scrape: its exit code (0 = no problem) and what it printed. */
export function promtoolCheckMetrics(exposition: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(PROMTOOL, ['check', 'metrics'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (output += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (output += s));
    child.on('error', (e) => reject(new Error(`cannot run ${PROMTOOL} (Debian package "prometheus"; or set PROMTOOL): ${e.message}`)));
    child.on('close', (code) => resolve({ code, output }));
    child.stdin.end(exposition);
  });
}

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;

/** Label values that must never appear in a scrape: ids (unbounded) and the given strings (e.g. unlisted models). */
export function unboundedLabels(samples: readonly Sample[], forbidden: readonly string[]): string[] {
  const found: string[] = [];
  for (const s of samples) {
    for (const [k, v] of Object.entries(s.labels)) {
      if (UUID.test(v) || forbidden.some((f) => v.includes(f))) found.push(`${s.name}{${k}="${v}"}`);
    }
  }
  return found;
}
