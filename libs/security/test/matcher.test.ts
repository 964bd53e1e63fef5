import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseCorpus } from '@sentinel/security';
import { boundaryWordStarts, gateOf, letterWordStarts, PatternIndex } from '../src/matcher.js';
import { compact, fold, skeleton, type MappedText } from '../src/normalise.js';
import { TEXT_RULES } from '../src/rules.js';

const corpus = parseCorpus(readFileSync(new URL('../../../testdata/prompt-injection/corpus.jsonl', import.meta.url), 'utf8'));

describe('gateOf', () => {
  it('reads the first words after a boundary, through nested groups and optional last letters', () => {
    expect(gateOf('\\b(?:ignore|disregard) (?:all|any)')).toEqual({ kind: 'words', prefixes: ['ignore', 'disregard'] });
    expect(gateOf('\\b(?:(?:a|b)c|instructions?) x')).toEqual({ kind: 'words', prefixes: ['a', 'b', 'instruction'] });
    expect(gateOf('(?<![\\p{L}\\p{N}])(?:i am|im) your')).toEqual({ kind: 'words', prefixes: ['i am', 'im'] });
  });

  it('falls back to a substring gate without a boundary, and to always running when it cannot tell', () => {
    expect(gateOf('!\\[[^\\]]{0,9}\\]')).toEqual({ kind: 'substrings', prefixes: ['!['] });
    expect(gateOf('<\\|im_start\\|>system|<<sys>>')).toEqual({ kind: 'substrings', prefixes: ['<|im_start|>system', '<<sys>>'] });
    expect(gateOf('(?:^|\\n)system:')).toEqual({ kind: 'always' });
    expect(gateOf('\\b(?:foo )?bar')).toEqual({ kind: 'always' });
    expect(gateOf('[a-z]+ing')).toEqual({ kind: 'always' });
  });
});

/** The index must find exactly the patterns a plain scan of every pattern finds: it only saves work. */
describe('PatternIndex', () => {
  const views = {
    skeleton: { index: new PatternIndex(TEXT_RULES.flatMap((r) => r.skeleton.map((re) => ({ re })))), starts: boundaryWordStarts },
    folded: { index: new PatternIndex(TEXT_RULES.flatMap((r) => r.folded.map((re) => ({ re })))), starts: letterWordStarts },
    compact: { index: new PatternIndex(TEXT_RULES.flatMap((r) => r.compact.map((re) => ({ re })))), starts: () => [] },
  };

  const agree = (raw: string) => {
    const f = fold(raw);
    const s = skeleton(f);
    const texts: Record<keyof typeof views, MappedText> = { skeleton: s, folded: f, compact: compact(s) };
    for (const [name, { index, starts }] of Object.entries(views)) {
      const text = texts[name as keyof typeof views].text;
      const plain = index.patterns.filter((p) => new RegExp(p.re.source, p.re.flags.replace('g', '')).test(text));
      const indexed = new Set<{ re: RegExp }>();
      index.scan(text, starts(text), { found: (p) => (indexed.add(p), true) });
      expect([...indexed].map((p) => p.re.source).sort(), `${name} view of ${JSON.stringify(raw)}`).toEqual(plain.map((p) => p.re.source).sort());
    }
  };

  it('agrees with a plain scan on the corpus', () => {
    for (const e of corpus) agree(e.text);
  });

  it('agrees with a plain scan on random mixes of trigger words', () => {
    const words = ['ignore', 'all', 'previous', 'instructions', 'your', 'system', 'prompt', 'you', 'are', 'now', 'dan', 'mode', 'enabled', 'god', 'reveal', 'print', 'the', 'text', 'above', 'ai', 'assistant', 'reading', 'this', 'note', 'to', 'begin', 'new', '<|im_start|>', '[INST]', '![x](http://a.b/?q={p})', 'ignora', 'las', 'instrucciones', 'anteriores', 'никогда', 'игнорируй', 'все', 'инструкции', '忽略', '之前', '指令', 'stay', 'in', 'character', 'never', 'refuse', ',', ':', '\n', '.', 'i', 'am', 'developer', 'my', 'late', 'grandma', 'ignoreallpreviousinstructions'];
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...words), { maxLength: 14 }), fc.constantFrom(' ', '', '  ', '\n'), (parts, sep) => agree(parts.join(sep))),
      { numRuns: 500, seed: 7 },
    );
  });
});
