/**
 * Prompt-injection rules against the labelled corpus (testdata/prompt-injection/corpus.jsonl):
 * precision, recall and F1 per split and per category, every false positive and false negative by id,
 * and throughput on the corpus and on long prompts.
 *
 *   node --import tsx bench/injection-eval.ts                 (or from bench/run.ts)
 *   node --import tsx bench/injection-eval.ts --misses dev    list misses of the dev split only (for tuning)
 *
 * Rules are tuned on the dev split only; the holdout split is the honest estimate.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { evaluate, parseCorpus, RULES, RULESET_VERSION, scanPrompt, type EvalReport, type Metrics, type Miss } from '@sentinel/security';

const CORPUS = fileURLToPath(new URL('../testdata/prompt-injection/corpus.jsonl', import.meta.url));
/** Each throughput case runs for at least this long. */
const MIN_MS = 1000;

export interface InjectionEvalOptions {
  /** List false positives/negatives of this split only ('all' lists both). */
  misses?: 'dev' | 'holdout' | 'all';
}

export function runInjectionEval(options: InjectionEvalOptions = {}): EvalReport {
  const entries = parseCorpus(readFileSync(CORPUS, 'utf8'));
  const report = evaluate(entries);
  const misses = options.misses ?? 'all';
  const listed = (m: Miss) => misses === 'all' || m.split === misses;

  console.log(`\nPrompt injection, rule set ${RULESET_VERSION} (${RULES.length} rules), corpus of ${entries.length} prompts`);
  console.log('\n| split | prompts | TP | FP | TN | FN | precision | recall | F1 |\n| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const s of ['dev', 'holdout', 'all'] as const) console.log(row(s, report.splits[s]));

  console.log('\n| split | label | category | prompts | flagged | recall | precision (vs benign) | F1 |\n| --- | --- | --- | ---: | ---: | ---: | ---: | ---: |');
  for (const c of report.categories) {
    const m = c.metrics;
    const detail = c.label === 'malicious' ? `${pct(m.recall)} | ${pct(m.precision)} | ${pct(m.f1)}` : '— | — | —';
    console.log(`| ${c.split} | ${c.label} | ${c.category} | ${c.n} | ${c.flagged} | ${detail} |`);
  }

  const fps = report.falsePositives.filter(listed);
  const fns = report.falseNegatives.filter(listed);
  console.log(`\nfalse positives (${misses}): ${fps.length === 0 ? 'none' : ''}`);
  for (const m of fps) console.log(`  ${m.id}  score ${m.score.toFixed(2)}  ${m.rules.join(' ')}`);
  console.log(`false negatives (${misses}): ${fns.length === 0 ? 'none' : ''}`);
  for (const m of fns) console.log(`  ${m.id}  score ${m.score.toFixed(2)}  ${m.rules.join(' ') || '(no rule matched)'}`);

  const texts = entries.map((e) => e.text);
  const corpus = throughput(texts);
  const long = throughput([longPrompt()]);
  console.log('\n| throughput | prompts/s | MB/s |\n| --- | ---: | ---: |');
  console.log(`| corpus prompts (mean ${Math.round(corpus.bytes / texts.length)} B) | ${Math.round(corpus.promptsPerSecond).toLocaleString('en-US')} | ${corpus.mbPerSecond.toFixed(1)} |`);
  console.log(`| 100 KB prompt (prose, code, base64) | ${long.promptsPerSecond.toFixed(1)} | ${long.mbPerSecond.toFixed(1)} |`);
  return report;
}

function row(name: string, m: Metrics): string {
  return `| ${name} | ${m.n} | ${m.tp} | ${m.fp} | ${m.tn} | ${m.fn} | ${pct(m.precision)} | ${pct(m.recall)} | ${pct(m.f1)} |`;
}

function pct(x: number): string {
  return (100 * x).toFixed(1) + ' %';
}

function throughput(texts: readonly string[]): { promptsPerSecond: number; mbPerSecond: number; bytes: number } {
  const bytes = texts.reduce((sum, t) => sum + Buffer.byteLength(t), 0);
  for (const t of texts) scanPrompt(t); // warm-up: JIT and the fold cache
  let prompts = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < MIN_MS) {
    for (const t of texts) scanPrompt(t);
    prompts += texts.length;
    elapsed = performance.now() - start;
  }
  const seconds = elapsed / 1000;
  return { promptsPerSecond: prompts / seconds, mbPerSecond: ((prompts / texts.length) * bytes) / 1e6 / seconds, bytes };
}

/** A benign 100,000-character prompt mixing prose, code and a base64 attachment: the per-prompt worst case of ingestion. */
function longPrompt(): string {
  const prose = 'The quarterly review covers latency, token usage and cost per model. Please summarise the main findings for the team. ';
  const code = '```ts\nexport function add(a: number, b: number): number {\n  // keep it simple\n  return a + b;\n}\n```\n';
  const blob = Buffer.from('{"config":{"retries":3,"endpoints":["https://api.example.com"]}}'.repeat(40)).toString('base64');
  let text = '';
  while (text.length < 100_000) text += prose + code + prose + blob + '\n';
  return text.slice(0, 100_000);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const at = process.argv.indexOf('--misses');
  const value = at >= 0 ? process.argv[at + 1] : undefined;
  runInjectionEval({ misses: value === 'dev' || value === 'holdout' ? value : 'all' });
}
