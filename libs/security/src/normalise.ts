/**
 * Text views the rules match against. Attackers dodge keyword rules with case, spacing, punctuation,
 * invisible characters, compatibility forms (ｆｕｌｌｗｉｄｔｈ, 𝐛𝐨𝐥𝐝), look-alike letters from other scripts
 * and leetspeak; each view removes one family of tricks while keeping a map back to the raw text, so
 * a match can still be located (to tell a quoted mention from a direct instruction).
 *
 * - folded:   NFKC, lower case, invisible characters dropped, accents stripped from Latin letters
 *             (é → e) but other scripts left intact, punctuation and line breaks kept. Multilingual
 *             rules and markup rules (chat-template tokens, comments) read this view.
 * - skeleton: folded, then look-alikes and leetspeak mapped to Latin letters, every run of
 *             punctuation/space turned into one space, apostrophes dropped (don't → dont) and
 *             letter-spaced words re-joined (i g n o r e → ignore). English rules read this view.
 * - compact:  only the skeleton's long words, for phrases written run-together (IgnoreAllPrevious…,
 *             or letter-spaced without word gaps); ordinary text never reaches these patterns.
 */

export interface MappedText {
  readonly text: string;
  /** Raw-text index of each code unit of `text` (non-decreasing, except in the reversed view). */
  readonly toRaw: ArrayLike<number>;
}

/**
 * Builds a view in shared scratch buffers (no per-character strings, no allocation per view but the
 * result). Views are built one at a time, so one builder serves every view.
 */
class ViewBuilder {
  private codes = new Uint16Array(1024);
  private map = new Int32Array(1024);
  length = 0;

  reset(capacity: number): this {
    if (capacity > this.codes.length) this.grow(capacity);
    this.length = 0;
    return this;
  }

  private grow(capacity: number): void {
    const size = Math.max(capacity, this.codes.length * 2);
    const codes = new Uint16Array(size);
    codes.set(this.codes);
    const map = new Int32Array(size);
    map.set(this.map);
    this.codes = codes;
    this.map = map;
  }

  push(code: number, at: number): void {
    if (this.length === this.codes.length) this.grow(this.length + 1);
    this.codes[this.length] = code;
    this.map[this.length++] = at;
  }

  last(): number {
    return this.length === 0 ? -1 : (this.codes[this.length - 1] as number);
  }

  build(): MappedText {
    const n = this.length;
    const codes = this.codes.subarray(0, n);
    // Short views: fromCharCode and a plain array are cheaper than a decoder and a typed-array allocation.
    if (n <= SHORT_VIEW) {
      const toRaw = new Array<number>(n);
      for (let i = 0; i < n; i++) toRaw[i] = this.map[i] as number;
      return { text: String.fromCharCode.apply(null, codes as unknown as number[]), toRaw };
    }
    return { text: UTF16.decode(codes), toRaw: this.map.slice(0, n) };
  }
}

const BUILDER = new ViewBuilder();
const SHORT_VIEW = 1024;
const UTF16 = new TextDecoder('utf-16le');

/**
 * Code points that render as nothing or only steer rendering: soft hyphen, combining grapheme joiner,
 * Hangul fillers, Mongolian and Khmer vowel separators, zero-width space/joiners and directional marks,
 * word joiner and invisible operators, variation selectors, BOM, musical formatting marks, tag
 * characters (decoded separately in decoders.ts) and the supplementary variation selectors.
 */
function isInvisible(cp: number): boolean {
  return (
    cp === 0xad ||
    cp === 0x34f ||
    cp === 0x61c ||
    cp === 0x115f ||
    cp === 0x1160 ||
    cp === 0x17b4 ||
    cp === 0x17b5 ||
    (cp >= 0x180b && cp <= 0x180f) ||
    (cp >= 0x200b && cp <= 0x200f) ||
    (cp >= 0x202a && cp <= 0x202e) ||
    (cp >= 0x2060 && cp <= 0x206f) ||
    cp === 0x3164 ||
    (cp >= 0xfe00 && cp <= 0xfe0f) ||
    cp === 0xfeff ||
    cp === 0xffa0 ||
    (cp >= 0x1d173 && cp <= 0x1d17a) ||
    (cp >= 0xe0000 && cp <= 0xe007f) ||
    (cp >= 0xe0100 && cp <= 0xe01ef)
  );
}

const MARKS = /\p{M}/gu;
const ONLY_MARKS = /^\p{M}+$/u;
const LATIN_BASE = /^[a-z]/;

/** Folding one non-ASCII code point is costly (two normalisations), and prompts repeat their letters. */
const foldCache = new Map<string, string>();
const FOLD_CACHE_LIMIT = 4096;

/** CJK ideographs and Hangul syllables: NFKC-stable and caseless, and too many to cache. */
function isStableScript(cp: number): boolean {
  return (cp >= 0x4e00 && cp <= 0x9fff) || (cp >= 0x3400 && cp <= 0x4dbf) || (cp >= 0xac00 && cp <= 0xd7a3);
}

function foldCodePoint(ch: string, cp: number): string {
  if (isStableScript(cp)) return ch;
  if (isInvisible(cp)) return '';
  const cached = foldCache.get(ch);
  if (cached !== undefined) return cached;
  const nfkc = ch.normalize('NFKC').toLowerCase();
  let out: string;
  if (ONLY_MARKS.test(nfkc)) out = ''; // a stray combining mark (zalgo text, decomposed accents)
  else {
    const nfd = nfkc.normalize('NFD');
    out = LATIN_BASE.test(nfd) ? nfd.replace(MARKS, '') : nfkc;
  }
  if (foldCache.size >= FOLD_CACHE_LIMIT) foldCache.clear();
  foldCache.set(ch, out);
  return out;
}

export function fold(raw: string): MappedText {
  const out = BUILDER.reset(raw.length + 16);
  for (let i = 0; i < raw.length; ) {
    const c = raw.charCodeAt(i);
    if (c < 0x80) {
      emitFolded(out, c >= 0x41 && c <= 0x5a ? c | 0x20 : c < 0x20 && c !== 0x0a && c !== 0x0d ? 0x20 : c, i);
      i++;
      continue;
    }
    const cp = raw.codePointAt(i) ?? c;
    const width = cp > 0xffff ? 2 : 1;
    const folded = foldCodePoint(raw.slice(i, i + width), cp);
    for (let k = 0; k < folded.length; k++) emitFolded(out, folded.charCodeAt(k), i);
    i += width;
  }
  return out.build();
}

/**
 * Runs of spaces and tabs collapse to one space (so folded patterns can use a literal space); line
 * breaks stay, for the rules that look at line starts.
 */
function emitFolded(out: ViewBuilder, code: number, at: number): void {
  const c = code === 0x09 ? 0x20 : code;
  if (c !== 0x20 || out.last() !== 0x20) out.push(c, at);
}

/**
 * Letters from other scripts (after lower-casing and NFKC) that render like a Latin letter, plus a few
 * Latin letters NFKC leaves alone. Only the skeleton uses this, so Russian or Greek prose stays
 * readable in the folded view for the multilingual rules.
 */
const HOMOGLYPHS: Readonly<Record<string, string>> = {
  а: 'a', в: 'b', е: 'e', ё: 'e', ѕ: 's', і: 'i', ї: 'i', ј: 'j', к: 'k', м: 'm', н: 'h', о: 'o', п: 'n',
  р: 'p', с: 'c', т: 't', у: 'y', х: 'x', ԁ: 'd', ԛ: 'q', ԝ: 'w', һ: 'h', ӏ: 'l', ɡ: 'g', ɑ: 'a',
  α: 'a', β: 'b', γ: 'y', ε: 'e', η: 'n', ι: 'i', κ: 'k', μ: 'u', ν: 'v', ο: 'o', ρ: 'p', τ: 't',
  υ: 'u', χ: 'x', ω: 'w', ς: 's', ı: 'i', ł: 'l', ø: 'o', đ: 'd', ħ: 'h', ŀ: 'l', ß: 's',
};

/**
 * Leetspeak digits and symbols, mapped only inside words that have Latin letters (a11, pr3v10us, !gnore;
 * "2024" stays a number). 1, l, |, ! and i all become `i`: fonts and attackers use them
 * interchangeably, so the skeleton merges them and skeleton patterns are compiled the same way
 * (see `sk` in patterns.ts).
 */
const LEET: Readonly<Record<string, string>> = { '0': 'o', '1': 'i', '3': 'e', '4': 'a', '5': 's', '7': 't', '@': 'a', $: 's', '|': 'i', '!': 'i' };
const LEET_SYMBOLS = new Set(['@', '$', '|', '!'].map((c) => c.charCodeAt(0)));
const APOSTROPHES = new Set(["'", '’', 'ʼ', '‘'].map((c) => c.charCodeAt(0)));
const LETTER_OR_DIGIT = /[\p{L}\p{N}]/u;

/** Character classes of the skeleton: an output code unit (>= 0) or one of these. */
const SEPARATOR = -1;
const LEETABLE = -2;
const JOINER = -3; // apostrophes: dropped without splitting the word (don't → dont)

const I = 0x69;
const latinCode = (ch: string) => (ch === 'l' ? I : ch.charCodeAt(0));

function computeClass(c: number): number {
  const ch = String.fromCharCode(c);
  if (c >= 0x61 && c <= 0x7a) return latinCode(ch);
  if (ch in LEET) return LEETABLE;
  if (APOSTROPHES.has(c)) return JOINER;
  const h = HOMOGLYPHS[ch];
  if (h !== undefined) return latinCode(h);
  return LETTER_OR_DIGIT.test(ch) ? c : SEPARATOR;
}

const ASCII_CLASS = Int32Array.from({ length: 128 }, (_, c) => computeClass(c));
const classCache = new Map<number, number>();

function classOf(c: number): number {
  if (c < 0x80) return ASCII_CLASS[c] as number;
  let cls = classCache.get(c);
  if (cls === undefined) {
    cls = computeClass(c);
    if (classCache.size >= FOLD_CACHE_LIMIT) classCache.clear();
    classCache.set(c, cls);
  }
  return cls;
}

function isLatin(cls: number): boolean {
  return cls >= 0x61 && cls <= 0x7a;
}

/** \p{L} or \p{N}, for one UTF-16 code unit (surrogate halves count as neither). */
export function isLetterOrDigit(c: number): boolean {
  if (c < 0x80) return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39);
  const cls = classOf(c);
  return cls >= 0 || cls === LEETABLE;
}

/** Runs of at least this many one-letter words, one separator apart, are a letter-spaced word. */
const SPACED_RUN = 3;

/** Scratch for the skeleton's per-character classes (skeletons are built one at a time). */
let classes = new Int32Array(1024);

export function skeleton(folded: MappedText): MappedText {
  const text = folded.text;
  const n = text.length;
  if (classes.length < n) classes = new Int32Array(Math.max(n, classes.length * 2));
  const cls = classes;
  for (let i = 0; i < n; i++) cls[i] = classOf(text.charCodeAt(i));

  // Pass 1: words (runs of non-separators) that emit at least one character.
  const starts: number[] = [];
  const ends: number[] = [];
  const lettered: boolean[] = [];
  for (let i = 0; i < n; ) {
    if (cls[i] === SEPARATOR) {
      i++;
      continue;
    }
    const start = i;
    let hasLetter = false;
    for (; i < n && cls[i] !== SEPARATOR; i++) if (isLatin(cls[i] as number)) hasLetter = true;
    let end = i;
    // Trailing symbols are punctuation (instructions!!!), not leetspeak.
    while (end > start && LEET_SYMBOLS.has(text.charCodeAt(end - 1))) end--;
    let any = false;
    for (let k = start; k < end && !any; k++) any = skeletonCode(text, cls, k, hasLetter) >= 0;
    if (any) {
      starts.push(start);
      ends.push(end);
      lettered.push(hasLetter);
    }
  }

  // Pass 2: emit, re-joining letter-spaced words (i g n o r e, i.g.n.o.r.e).
  const out = BUILDER.reset(n);
  for (let t = 0; t < starts.length; ) {
    let runEnd = t;
    while (runEnd + 1 < starts.length && isSingle(starts, ends, runEnd) && isSingle(starts, ends, runEnd + 1) && oneApart(folded, ends[runEnd] as number, starts[runEnd + 1] as number)) runEnd++;
    const last = runEnd - t + 1 >= SPACED_RUN ? runEnd : t;
    if (out.length > 0) out.push(0x20, folded.toRaw[(starts[t] as number) - 1] ?? 0);
    for (let w = t; w <= last; w++) {
      for (let k = starts[w] as number; k < (ends[w] as number); k++) {
        const code = skeletonCode(text, cls, k, lettered[w] as boolean);
        if (code >= 0) out.push(code, folded.toRaw[k] as number);
      }
    }
    t = last + 1;
  }
  return out.build();
}

/** The skeleton code unit for folded position k, or -1 when it is dropped. */
function skeletonCode(text: string, cls: Int32Array, k: number, hasLetter: boolean): number {
  const c = cls[k] as number;
  if (c >= 0) return c;
  if (c !== LEETABLE) return -1;
  if (hasLetter) return (LEET[text[k] as string] as string).charCodeAt(0);
  const code = text.charCodeAt(k);
  return LEET_SYMBOLS.has(code) ? -1 : code; // a lone number stays a number
}

/**
 * One separator between two words, in the raw text too: fold collapses "i g n o r e   a l l" to single
 * spaces, and the wider raw gap is what tells the words apart.
 */
function oneApart(folded: MappedText, separator: number, next: number): boolean {
  return next === separator + 1 && folded.toRaw[next] === (folded.toRaw[separator] as number) + 1;
}

function isSingle(starts: readonly number[], ends: readonly number[], t: number): boolean {
  return (ends[t] as number) - (starts[t] as number) === 1;
}

/** Shorter words cannot hold a run-together phrase worth a rule ("doanythingnow" is 13). */
const RUN_TOGETHER = 10;

export function compact(skel: MappedText): MappedText {
  const text = skel.text;
  const out = BUILDER.reset(text.length);
  for (let start = 0; start < text.length; ) {
    let end = text.indexOf(' ', start);
    if (end < 0) end = text.length;
    if (end - start >= RUN_TOGETHER) {
      if (out.length > 0) out.push(0x20, skel.toRaw[start] as number);
      for (let i = start; i < end; i++) out.push(text.charCodeAt(i), skel.toRaw[i] as number);
    }
    start = end + 1;
  }
  return out.build();
}

export function rot13Text(text: string): string {
  return text.replace(/[a-z]/g, (c) => String.fromCharCode(((c.charCodeAt(0) - 97 + 13) % 26) + 97));
}

/** ROT13 of the ASCII letters; positions are unchanged, so the map carries over. */
export function rot13(view: MappedText): MappedText {
  return { text: rot13Text(view.text), toRaw: view.toRaw };
}

/** The text read backwards (tpmorp metsys ruoy laever). */
export function reversed(view: MappedText): MappedText {
  return { text: view.text.split('').reverse().join(''), toRaw: Array.from(view.toRaw).reverse() };
}
