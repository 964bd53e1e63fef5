/**
 * Finds encoded chunks in a prompt and decodes them, so scan.ts can re-scan the decoded text with the
 * text rules. Work is bounded per prompt: a fixed number of decode attempts and decoded characters,
 * and a cap on each chunk's length, whatever the input size.
 */

export type EncodingKind = 'base64' | 'hex' | 'percent' | 'escapes' | 'tags';

export interface Decoded {
  kind: EncodingKind;
  /** Raw index of the encoded chunk (of the first escape, for whole-text decodes). */
  at: number;
  /** Encoded length in raw characters. */
  length: number;
  text: string;
  /** A whole-text decode: the result still contains the plain parts of the prompt. */
  whole: boolean;
}

export class DecodeBudget {
  attempts = 0;
  chars = 0;
  constructor(
    readonly maxAttempts = 32,
    readonly maxChars = 64 * 1024,
  ) {}
  get spent(): boolean {
    return this.attempts >= this.maxAttempts || this.chars >= this.maxChars;
  }
  take(text: string | undefined): string | undefined {
    this.attempts++;
    if (text === undefined) return undefined;
    const room = this.maxChars - this.chars;
    const kept = text.length > room ? text.slice(0, room) : text;
    this.chars += kept.length;
    return kept;
  }
}

/** Longest encoded chunk decoded (a multiple of 4 and of 2, so base64 and hex stay aligned). */
const MAX_CHUNK = 16 * 1024;
/** Whole-text decodes need at least this many escapes: one stray %20 or &amp; is not an encoding. */
const MIN_ESCAPES = 3;

const BASE64 = /[A-Za-z0-9+/_-]{16,}={0,2}(?:\r?\n[A-Za-z0-9+/_-]{8,}={0,2}){0,256}/g;
const HEX = /(?<![0-9a-fA-F])(?:0x)?[0-9a-fA-F]{16,}/g;
const HEX_SPACED = /(?<![0-9a-fA-F])[0-9a-fA-F]{2}(?:[ :,-][0-9a-fA-F]{2}){7,}(?![0-9a-fA-F])/g;
const BINARY = /(?<![01])[01]{8}(?:[ ,]?[01]{8}){3,}(?![01])/g;
const PERCENT = /%[0-9a-fA-F]{2}/g;
const PERCENT_RUN = /(?:%[0-9a-fA-F]{2})+/g;
const ESCAPE = /&#x[0-9a-fA-F]{1,6};|&#\d{1,7};|\\u\{[0-9a-fA-F]{1,6}\}|\\u[0-9a-fA-F]{4}|\\x[0-9a-fA-F]{2}/gi;
const NAMED_ENTITIES: Readonly<Record<string, string>> = { '&lt;': '<', '&gt;': '>', '&amp;': '&', '&quot;': '"', '&apos;': "'", '&nbsp;': ' ' };
const ENTITY_OR_ESCAPE = /&#x([0-9a-fA-F]{1,6});|&#(\d{1,7});|\\u\{([0-9a-fA-F]{1,6})\}|\\u([0-9a-fA-F]{4})|\\x([0-9a-fA-F]{2})|&(?:lt|gt|amp|quot|apos|nbsp);/gi;

export function decodeAll(raw: string, budget: DecodeBudget): Decoded[] {
  const out: Decoded[] = [];
  const seen = survey(raw);
  if (seen.base64Run) {
    for (const m of matches(BASE64, raw, budget)) add(out, budget, 'base64', m, decodeBase64(m[0]));
    for (const m of matches(HEX, raw, budget)) add(out, budget, 'hex', m, readable(Buffer.from(evenHex(m[0].replace(/^0x/i, '')), 'hex')));
  }
  if (seen.hexPairs >= 8) for (const m of matches(HEX_SPACED, raw, budget)) add(out, budget, 'hex', m, readable(Buffer.from(m[0].replace(/[ :,-]/g, ''), 'hex')));
  if (seen.binaryDigits >= 32) for (const m of matches(BINARY, raw, budget)) add(out, budget, 'hex', m, readable(Buffer.from((m[0].replace(/[ ,]/g, '').match(/[01]{8}/g) ?? []).map((b) => parseInt(b, 2)))));
  if (seen.percents >= MIN_ESCAPES && !budget.spent) {
    const first = firstIndex(PERCENT, raw);
    if (first >= 0) addWhole(out, budget, 'percent', raw, first, raw.replace(PERCENT_RUN, decodePercentRun));
  }
  if (seen.escapes >= MIN_ESCAPES && !budget.spent) {
    const first = firstIndex(ESCAPE, raw);
    if (first >= 0) addWhole(out, budget, 'escapes', raw, first, raw.replace(ENTITY_OR_ESCAPE, decodeEscape));
  }
  if (!budget.spent) {
    const tags = tagText(raw);
    if (tags !== undefined) {
      const kept = budget.take(tags.text);
      if (kept !== undefined) out.push({ kind: 'tags', at: tags.at, length: tags.text.length * 2, text: kept, whole: false });
    }
  }
  return out;
}

function add(out: Decoded[], budget: DecodeBudget, kind: EncodingKind, m: RegExpExecArray, text: string | undefined): void {
  const kept = budget.take(text);
  if (kept !== undefined) out.push({ kind, at: m.index, length: m[0].length, text: kept, whole: false });
}

function addWhole(out: Decoded[], budget: DecodeBudget, kind: EncodingKind, raw: string, first: number, text: string): void {
  const kept = budget.take(text);
  if (kept !== undefined) out.push({ kind, at: first, length: raw.length - first, text: kept, whole: true });
}

interface Survey {
  /** A run of 16+ base64-alphabet characters (hex runs are such runs too). */
  base64Run: boolean;
  /** Separators right after a lone pair of hex digits (de:ad:be:ef). */
  hexPairs: number;
  binaryDigits: number;
  percents: number;
  escapes: number;
}

/** One cheap pass that tells which decoders can find anything, so most prompts skip their regexes. */
function survey(raw: string): Survey {
  let run = 0;
  let base64Run = false;
  let hexPairs = 0;
  let binaryDigits = 0;
  let percents = 0;
  let escapes = 0;
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    run = isBase64(c) ? run + 1 : 0;
    if (run >= 16) base64Run = true;
    if (c === 0x30 || c === 0x31) binaryDigits++;
    else if (c === 0x25) percents++;
    else if ((c === 0x26 && raw.charCodeAt(i + 1) === 0x23) || (c === 0x5c && (raw.charCodeAt(i + 1) | 0x20) === 0x75) || (c === 0x5c && (raw.charCodeAt(i + 1) | 0x20) === 0x78)) escapes++;
    else if ((c === 0x20 || c === 0x3a || c === 0x2c || c === 0x2d) && isHex(raw.charCodeAt(i - 1)) && isHex(raw.charCodeAt(i - 2)) && !isHex(raw.charCodeAt(i - 3))) hexPairs++;
  }
  return { base64Run, hexPairs, binaryDigits, percents, escapes };
}

function isBase64(c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x2b || c === 0x2f || c === 0x5f || c === 0x2d;
}

function isHex(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46);
}

/** Matches of a global pattern while the budget lasts, each capped to MAX_CHUNK characters. */
function* matches(re: RegExp, raw: string, budget: DecodeBudget): Generator<RegExpExecArray> {
  re.lastIndex = 0;
  let m: RegExpExecArray | null;
  while (!budget.spent && (m = re.exec(raw)) !== null) {
    if (m[0].length > MAX_CHUNK) m[0] = m[0].slice(0, MAX_CHUNK);
    yield m;
  }
}

/** Raw index of the first escape when there are at least MIN_ESCAPES of them, else -1. */
function firstIndex(re: RegExp, raw: string): number {
  re.lastIndex = 0;
  let first = -1;
  for (let n = 0; n < MIN_ESCAPES; n++) {
    const m = re.exec(raw);
    if (m === null) return -1;
    if (n === 0) first = m.index;
  }
  return first;
}

function decodeBase64(chunk: string): string | undefined {
  const body = chunk.replace(/\s+/g, '');
  // A chunk glued to a preceding word ("isSWdub3Jl…") is misaligned: try the four alignments.
  for (let offset = 0; offset < 4 && offset + 16 <= body.length; offset++) {
    const text = readable(Buffer.from(body.slice(offset), 'base64'));
    if (text !== undefined) return text;
  }
  return undefined;
}

function evenHex(hex: string): string {
  return hex.length % 2 === 0 ? hex : hex.slice(0, -1);
}

/**
 * The bytes as text when they look like text: valid UTF-8, almost no control characters, a few letters.
 * Images, hashes, keys and compressed data fail this and are not scanned further.
 */
function readable(bytes: Buffer): string | undefined {
  if (bytes.length < 8) return undefined;
  const text = bytes.toString('utf8');
  let bad = 0;
  let letters = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0xfffd || c === 0x7f || (c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d)) bad++;
    else if ((c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c >= 0xc0) letters++;
  }
  return bad <= text.length * 0.05 && letters >= 4 ? text : undefined;
}

function decodePercentRun(run: string): string {
  try {
    return decodeURIComponent(run);
  } catch {
    return Buffer.from(run.slice(1).split('%').map((h) => parseInt(h, 16))).toString('latin1');
  }
}

function decodeEscape(match: string, hexEntity?: string, decEntity?: string, braced?: string, u4?: string, x2?: string): string {
  const hex = hexEntity ?? braced ?? u4 ?? x2;
  const cp = hex !== undefined ? parseInt(hex, 16) : decEntity !== undefined ? parseInt(decEntity, 10) : -1;
  if (cp < 0) return NAMED_ENTITIES[match.toLowerCase()] ?? match;
  return cp <= 0x10ffff ? String.fromCodePoint(cp) : match;
}

/**
 * Unicode tag characters (U+E0020–U+E007E) mirror ASCII but render as nothing: "ASCII smuggling"
 * hides a whole instruction in them. Emoji subdivision flags (🏴 + tags) use them legitimately.
 */
function tagText(raw: string): { at: number; text: string } | undefined {
  if (!raw.includes('\udb40')) return undefined; // every tag character's high surrogate
  let text = '';
  let at = -1;
  let inFlag = false;
  for (let i = 0; i < raw.length; i++) {
    const cp = raw.codePointAt(i) as number;
    if (cp > 0xffff) i++;
    if (cp === 0x1f3f4) inFlag = true;
    else if (cp >= 0xe0000 && cp <= 0xe007f) {
      if (!inFlag && cp >= 0xe0020 && cp <= 0xe007e) {
        if (at < 0) at = i - 1;
        text += String.fromCharCode(cp - 0xe0000);
      }
    } else inFlag = false;
  }
  return text.length >= 8 ? { at, text } : undefined;
}
