import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { evaluate, INJECTION_CATEGORIES, parseCorpus } from '@sentinel/security';

const corpus = parseCorpus(readFileSync(new URL('../../../testdata/prompt-injection/corpus.jsonl', import.meta.url), 'utf8'));
const count = (f: (e: (typeof corpus)[number]) => boolean) => corpus.filter(f).length;

describe('prompt-injection corpus', () => {
  it('has the size and mix the issue asks for', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(300);
    expect(count((e) => e.label === 'malicious')).toBeGreaterThanOrEqual(120);
    expect(count((e) => e.label === 'benign')).toBeGreaterThanOrEqual(150);
    for (const c of INJECTION_CATEGORIES) expect(count((e) => e.label === 'malicious' && e.category === c), c).toBeGreaterThanOrEqual(15);
    expect(count((e) => e.label === 'benign' && e.category === 'security_discussion')).toBeGreaterThanOrEqual(40);
    for (const c of ['coding', 'customer_support', 'multilingual', 'encoded_data', 'general']) expect(count((e) => e.label === 'benign' && e.category === c), c).toBeGreaterThanOrEqual(15);
    const holdout = count((e) => e.split === 'holdout') / corpus.length;
    expect(holdout).toBeGreaterThan(0.25);
    expect(holdout).toBeLessThan(0.35);
    expect(new Set(corpus.map((e) => e.text)).size).toBe(corpus.length);
  });

  /** Rules were tuned on the dev split only; the holdout split is the estimate that counts. */
  it('reaches precision >= 0.95 and recall >= 0.90 on the holdout split', () => {
    const { holdout } = evaluate(corpus).splits;
    expect(holdout.precision).toBeGreaterThanOrEqual(0.95);
    expect(holdout.recall).toBeGreaterThanOrEqual(0.9);
  });

  it('flags no benign security discussion, in either split', () => {
    const fps = evaluate(corpus.filter((e) => e.category === 'security_discussion')).falsePositives;
    expect(fps.map((m) => m.id)).toEqual([]);
  });
});
