import { z } from 'zod';
import { scanPrompt, type InjectionVerdict } from './scan.js';

/** One line of testdata/prompt-injection/corpus.jsonl (see the README there). */
const CorpusEntrySchema = z.object({
  id: z.string().min(1),
  text: z.string(),
  label: z.enum(['benign', 'malicious']),
  category: z.string().min(1),
  source: z.string().min(1),
  split: z.enum(['dev', 'holdout']),
});
export type CorpusEntry = z.infer<typeof CorpusEntrySchema>;

/** Parses a JSONL corpus; throws naming the first bad line. */
export function parseCorpus(jsonl: string): CorpusEntry[] {
  const entries: CorpusEntry[] = [];
  const ids = new Set<string>();
  jsonl.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    const parsed = CorpusEntrySchema.safeParse(JSON.parse(line));
    if (!parsed.success) throw new Error(`corpus line ${i + 1}: ${parsed.error.issues.map((x) => `${x.path.join('.')}: ${x.message}`).join('; ')}`);
    if (ids.has(parsed.data.id)) throw new Error(`corpus line ${i + 1}: duplicate id ${parsed.data.id}`);
    ids.add(parsed.data.id);
    entries.push(parsed.data);
  });
  return entries;
}

export interface Metrics {
  n: number;
  tp: number;
  fp: number;
  tn: number;
  fn: number;
  precision: number;
  recall: number;
  f1: number;
}

export interface CategoryResult {
  split: 'dev' | 'holdout';
  label: 'benign' | 'malicious';
  category: string;
  n: number;
  flagged: number;
  /**
   * Malicious categories: recall, and precision/F1 of this category against every benign prompt of
   * the split (one-vs-benign). Benign categories: only the false-positive count is meaningful.
   */
  metrics: Metrics;
}

export interface Miss {
  id: string;
  split: 'dev' | 'holdout';
  category: string;
  score: number;
  rules: string[];
}

export interface EvalReport {
  splits: Record<'dev' | 'holdout' | 'all', Metrics>;
  categories: CategoryResult[];
  falsePositives: Miss[];
  falseNegatives: Miss[];
}

function metrics(tp: number, fp: number, tn: number, fn: number): Metrics {
  const precision = tp + fp === 0 ? 1 : tp / (tp + fp);
  const recall = tp + fn === 0 ? 1 : tp / (tp + fn);
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return { n: tp + fp + tn + fn, tp, fp, tn, fn, precision, recall, f1 };
}

export function evaluate(entries: readonly CorpusEntry[], scan: (text: string) => InjectionVerdict = scanPrompt): EvalReport {
  const results = entries.map((e) => ({ e, v: scan(e.text) }));
  const split = (s: 'dev' | 'holdout' | 'all') => results.filter((r) => s === 'all' || r.e.split === s);
  const score = (rs: typeof results) => {
    const count = (label: CorpusEntry['label'], flagged: boolean) => rs.filter((r) => r.e.label === label && r.v.flagged === flagged).length;
    return metrics(count('malicious', true), count('benign', true), count('benign', false), count('malicious', false));
  };
  const categories: CategoryResult[] = [];
  for (const s of ['dev', 'holdout'] as const) {
    const inSplit = split(s);
    const benign = inSplit.filter((r) => r.e.label === 'benign');
    const groups = new Map<string, typeof results>();
    for (const r of inSplit) {
      const key = `${r.e.label}/${r.e.category}`;
      groups.set(key, [...(groups.get(key) ?? []), r]);
    }
    for (const [key, rs] of [...groups].sort(([a], [b]) => a.localeCompare(b))) {
      const [label, category] = key.split('/') as ['benign' | 'malicious', string];
      categories.push({ split: s, label, category, n: rs.length, flagged: rs.filter((r) => r.v.flagged).length, metrics: score(label === 'malicious' ? [...rs, ...benign] : rs) });
    }
  }
  const miss = ({ e, v }: (typeof results)[number]): Miss => ({ id: e.id, split: e.split, category: e.category, score: v.score, rules: v.matches.map((m) => (m.context === 'mention' ? `${m.ruleId}(mention)` : m.ruleId)) });
  return {
    splits: { dev: score(split('dev')), holdout: score(split('holdout')), all: score(split('all')) },
    categories,
    falsePositives: results.filter((r) => r.e.label === 'benign' && r.v.flagged).map(miss),
    falseNegatives: results.filter((r) => r.e.label === 'malicious' && !r.v.flagged).map(miss),
  };
}
