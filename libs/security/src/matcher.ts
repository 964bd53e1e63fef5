/**
 * Runs each pattern only where it can match. Most patterns start, after a word boundary, with a word
 * from a fixed list (`\b(?:ignore|disregard|…) …`); those words are read off the pattern source once,
 * at start-up, into a trie. A scan walks every word start of the text through the trie and tries just
 * the patterns whose first word begins there, anchored at that position (a sticky match), instead of
 * running every pattern over the whole text. A pattern that starts with a literal but no boundary
 * (`!\[…`, `<\|im_start\|>…`) runs over the whole text only when the text contains that literal; one
 * whose start cannot be read off (a class, `^`, an optional group) always runs. The index never
 * changes a result, only the work.
 */

import { isLetterOrDigit } from './normalise.js';

const SPECIAL = new Set(['\\', '[', ']', '(', ')', '{', '}', '|', '?', '*', '+', '.', '^', '$']);
const WORD_START = /^[\p{L}\p{N}]/u;
const NOT_AFTER_WORD = '(?<![\\p{L}\\p{N}])';
/** Scripts written without spaces: a word there is not a token of the text, so it cannot anchor (only gate). */
const UNSPACED = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Thai}]/u;
/** `\x` with x one of these is the literal x. */
const ESCAPED_LITERAL = /[^\p{L}\p{N}\s]/u;
/** Views collapse spaces, so a literal space in a pattern is one space in the text (and a prefix may span words). */

interface Prefix {
  text: string;
  /** Starts right after a word boundary with a letter or digit (so it can anchor at word starts). */
  word: boolean;
}

export type Gate = { kind: 'words'; prefixes: string[] } | { kind: 'substrings'; prefixes: string[] } | { kind: 'always' };

/** How a pattern can be gated, read off its source. */
export function gateOf(source: string): Gate {
  const prefixes = union(splitTop(source).map((alt) => sequence(alt, false)));
  if (prefixes === undefined) return { kind: 'always' };
  const texts = prefixes.map((p) => p.text);
  return prefixes.every((p) => p.word) ? { kind: 'words', prefixes: texts } : { kind: 'substrings', prefixes: texts };
}

function union(parts: Array<Prefix[] | undefined>): Prefix[] | undefined {
  const out: Prefix[] = [];
  for (const p of parts) {
    if (p === undefined) return undefined;
    out.push(...p);
  }
  return out;
}

/** `bounded`: a word boundary (\b, or the not-after-a-letter look-behind) precedes this point. */
function sequence(s: string, bounded: boolean): Prefix[] | undefined {
  let i = 0;
  for (;;) {
    if (s.startsWith('\\b', i)) {
      bounded = true;
      i += 2;
    } else if (s.startsWith('(?<!', i) || s.startsWith('(?<=', i)) {
      const close = closeParen(s, i);
      if (s.slice(i, close + 1) === NOT_AFTER_WORD) bounded = true;
      i = close + 1;
    } else break;
  }
  if (s.startsWith('(?:', i)) {
    const close = closeParen(s, i);
    const after = s[close + 1];
    if (after === '?' || after === '*' || (after === '{' && s[close + 2] === '0')) return undefined;
    return union(splitTop(s.slice(i + 3, close)).map((alt) => sequence(alt, bounded)));
  }
  let text = '';
  let j = i;
  for (; j < s.length; j++) {
    const c = s[j] as string;
    if (c === '\\' && ESCAPED_LITERAL.test(s[j + 1] ?? 'a')) text += s[++j];
    else if (SPECIAL.has(c)) break;
    else text += c;
  }
  // A quantifier that allows zero makes the last character optional: "instructions?" needs only "instruction".
  if (s[j] === '?' || s[j] === '*' || s[j] === '{') text = text.slice(0, -1);
  if (text.length === 0) return undefined;
  return [{ text, word: bounded && WORD_START.test(text) && !UNSPACED.test(text) }];
}

/** Index of the parenthesis closing the group that opens at `open`. */
function closeParen(s: string, open: number): number {
  let depth = 0;
  for (let i = open; i < s.length; i++) {
    const c = s[i];
    if (c === '\\') i++;
    else if (c === '[') i = closeClass(s, i);
    else if (c === '(') depth++;
    else if (c === ')' && --depth === 0) return i;
  }
  throw new Error(`unbalanced group in pattern ${s}`);
}

function closeClass(s: string, open: number): number {
  for (let i = open + 1; i < s.length; i++) {
    if (s[i] === '\\') i++;
    else if (s[i] === ']') return i;
  }
  throw new Error(`unbalanced class in pattern ${s}`);
}

/** Top-level alternatives of a pattern (or of a group's body). */
function splitTop(s: string): string[] {
  const parts: string[] = [];
  let from = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '\\') i++;
    else if (c === '[') i = closeClass(s, i);
    else if (c === '(') i = closeParen(s, i);
    else if (c === '|') {
      parts.push(s.slice(from, i));
      from = i + 1;
    }
  }
  parts.push(s.slice(from));
  return parts;
}

interface TrieNode {
  children: Map<number, TrieNode>;
  /** Patterns (by index) that may match at a word with this prefix. */
  patterns: number[];
}

export interface Gated {
  readonly re: RegExp;
}

/** Receives matches; returns false once it wants no more of that pattern. */
export interface MatchSink<T> {
  found(pattern: T, index: number): boolean;
}

export class PatternIndex<T extends Gated> {
  private readonly root: TrieNode = { children: new Map(), patterns: [] };
  private readonly global: Array<{ index: number; substrings: string[] | undefined }> = [];
  private readonly sticky: RegExp[];
  // Per-scan state, reused across scans (a scan never runs inside another scan of the same index).
  private generation = 0;
  private readonly doneIn: Float64Array;
  private readonly triedIn: Float64Array;
  private readonly triedAt: Int32Array;

  constructor(readonly patterns: readonly T[]) {
    this.sticky = patterns.map((p) => new RegExp(p.re.source, p.re.flags.replace('g', '') + 'y'));
    this.doneIn = new Float64Array(patterns.length);
    this.triedIn = new Float64Array(patterns.length);
    this.triedAt = new Int32Array(patterns.length);
    patterns.forEach((p, index) => {
      const gate = gateOf(p.re.source);
      if (gate.kind === 'words') for (const w of gate.prefixes) this.insert(w, index);
      else this.global.push({ index, substrings: gate.kind === 'substrings' ? gate.prefixes : undefined });
    });
  }

  private insert(word: string, index: number): void {
    let node = this.root;
    for (let k = 0; k < word.length; k++) {
      const c = word.charCodeAt(k);
      let next = node.children.get(c);
      if (next === undefined) node.children.set(c, (next = { children: new Map(), patterns: [] }));
      node = next;
    }
    node.patterns.push(index);
  }

  /** `wordStarts` must include every position where a pattern's boundary holds before a letter or digit. */
  scan(text: string, wordStarts: readonly number[], sink: MatchSink<T>): void {
    const gen = ++this.generation;
    for (const { index, substrings } of this.global) {
      if (substrings !== undefined && !containsAny(text, substrings)) continue;
      const p = this.patterns[index] as T;
      p.re.lastIndex = 0;
      for (let m = p.re.exec(text); m !== null && sink.found(p, m.index); m = p.re.exec(text)) if (m[0].length === 0) p.re.lastIndex++;
    }
    for (const start of wordStarts) {
      let node: TrieNode | undefined = this.root;
      for (let k = start; k < text.length; k++) {
        node = node.children.get(text.charCodeAt(k));
        if (node === undefined) break;
        for (const i of node.patterns) {
          // Two anchors ("you", "your") can lead to one pattern at one start: try it once.
          if (this.doneIn[i] === gen || (this.triedIn[i] === gen && this.triedAt[i] === start)) continue;
          this.triedIn[i] = gen;
          this.triedAt[i] = start;
          const re = this.sticky[i] as RegExp;
          re.lastIndex = start;
          if (re.test(text) && !sink.found(this.patterns[i] as T, start)) this.doneIn[i] = gen;
        }
      }
    }
  }
}

function containsAny(text: string, needles: readonly string[]): boolean {
  for (const n of needles) if (text.includes(n)) return true;
  return false;
}

/** Where `\b` holds before a word character, in lower-case text (the skeleton's patterns). */
export function boundaryWordStarts(text: string): number[] {
  const starts: number[] = [];
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const w = (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x5f;
    if (w && !inWord) starts.push(i);
    inWord = w;
  }
  return starts;
}

/** Where a letter or digit follows something else: the folded patterns' `(?<![\p{L}\p{N}])` (a superset is fine). */
export function letterWordStarts(text: string): number[] {
  const starts: number[] = [];
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    const w = isLetterOrDigit(text.charCodeAt(i));
    if (w && !inWord) starts.push(i);
    inWord = w;
  }
  return starts;
}
