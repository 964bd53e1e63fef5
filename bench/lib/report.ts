/**
 * What every bench returns and how the suite prints it: a Section of Figures, each the median of several
 * runs with its spread (min–max), optionally judged against a target.
 */

export interface Target {
  op: '>=' | '<=' | '<';
  value: number;
  /** As printed next to the figure, e.g. "≥ 50,000". */
  text: string;
}

export interface Figure {
  /** Stable identifier within the section (results.json, the smoke test, cross-section ratios). */
  key: string;
  label: string;
  unit: string;
  /** One value per run, in run order. */
  samples: number[];
  median: number;
  min: number;
  max: number;
  target?: Target;
  /** Whether the median meets the target (absent without one). */
  met?: boolean;
}

export interface Section {
  id: string;
  title: string;
  figures: Figure[];
  /** Sentences printed under the section's table: what was measured, with what settings. */
  notes: string[];
  /** Anything else worth keeping in results.json (per-run step tables, raw lags, ...). */
  details?: unknown;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** The q-quantile (0..1) of an ascending array, nearest rank. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

export function target(op: Target['op'], value: number): Target {
  const sign = op === '>=' ? '≥' : op === '<=' ? '≤' : '<';
  return { op, value, text: `${sign} ${fmt(value)}` };
}

export function meets(t: Target, v: number): boolean {
  if (!Number.isFinite(v)) return false;
  return t.op === '>=' ? v >= t.value : t.op === '<=' ? v <= t.value : v < t.value;
}

/** A figure from its per-run samples; NaN samples (a run that could not measure it) are left out of the median. */
export function figure(key: string, label: string, unit: string, samples: readonly number[], t?: Target): Figure {
  const ok = samples.filter((v) => Number.isFinite(v));
  const f: Figure = {
    key,
    label,
    unit,
    samples: [...samples],
    median: median(ok),
    min: ok.length ? Math.min(...ok) : Number.NaN,
    max: ok.length ? Math.max(...ok) : Number.NaN,
  };
  if (t) {
    f.target = t;
    f.met = meets(t, f.median);
  }
  return f;
}

/** Collects one value per key per run, then turns them into figures in first-seen order. */
export class Samples {
  private readonly byKey = new Map<string, { label: string; unit: string; values: number[]; target?: Target }>();

  add(key: string, label: string, unit: string, value: number, t?: Target): void {
    let s = this.byKey.get(key);
    if (!s) {
      s = { label, unit, values: [], target: t };
      this.byKey.set(key, s);
    }
    s.values.push(value);
  }

  figures(): Figure[] {
    return [...this.byKey].map(([key, s]) => figure(key, s.label, s.unit, s.values, s.target));
  }
}

export function fmt(v: number): string {
  if (!Number.isFinite(v)) return '–';
  const abs = Math.abs(v);
  const digits = abs >= 100 ? 0 : abs >= 10 ? 1 : abs >= 1 ? 2 : 3;
  return v.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: 0 });
}

function verdict(f: Figure): string {
  if (!f.target) return '';
  return `${f.target.text} ${f.met ? '**met**' : '**not met**'}`;
}

/** One markdown table per section: measure, median, spread (min–max over the runs), unit, target. */
export function sectionMarkdown(s: Section): string {
  const lines = [`### ${s.title}`, '', '| measure | median | min – max | unit | target |', '| --- | ---: | ---: | --- | --- |'];
  for (const f of s.figures) lines.push(`| ${f.label} | ${fmt(f.median)} | ${fmt(f.min)} – ${fmt(f.max)} | ${f.unit} | ${verdict(f)} |`);
  if (s.notes.length) lines.push('', ...s.notes.map((n) => `- ${n}`));
  return lines.join('\n');
}

/** Every figure with a target, for the closing summary. */
export function targetsMarkdown(sections: readonly Section[]): string {
  const rows = sections.flatMap((s) => s.figures.filter((f) => f.target).map((f) => ({ s, f })));
  const lines = ['### Targets', '', '| target | figure | median | verdict |', '| --- | --- | ---: | --- |'];
  for (const { s, f } of rows) lines.push(`| ${f.target!.text} ${f.unit} | ${s.title}: ${f.label} | ${fmt(f.median)} | ${f.met ? 'met' : 'NOT met'} |`);
  const met = rows.filter((r) => r.f.met).length;
  lines.push('', `${met} of ${rows.length} targets met${met < rows.length ? `; not met: ${rows.filter((r) => !r.f.met).map((r) => r.f.label).join('; ')}` : ''}.`);
  return lines.join('\n');
}
