import type { Severity } from '@sentinel/contracts';
import { DecodeBudget, decodeAll, type EncodingKind } from './decoders.js';
import { mentionJudge } from './framing.js';
import { compact, fold, reversed, rot13, rot13Text, skeleton, type MappedText } from './normalise.js';
import { boundaryWordStarts, letterWordStarts, PatternIndex, type MatchSink } from './matcher.js';
import { fdOne, gap, lowerBound, skOne } from './patterns.js';
import {
  ENC_BASE64,
  ENC_ESCAPES,
  ENC_HEX,
  ENC_HIDDEN_TAGS,
  ENC_PERCENT,
  ENC_REVERSED,
  ENC_ROT13,
  ENC_TAGS,
  ENC_TEXT_BLOB,
  EXFIL_TO_DESTINATION,
  INDIRECT_HIDDEN,
  RULE_DEFS,
  RULESET_VERSION,
  TEXT_RULES,
  type InjectionCategory,
  type RuleDef,
} from './rules.js';

export interface InjectionMatch {
  readonly ruleId: string;
  readonly category: InjectionCategory;
  readonly severity: Severity;
  /** 'mention' when the text quotes or discusses the pattern rather than using it (see framing.ts). */
  readonly context: 'direct' | 'mention';
}

export interface InjectionVerdict {
  readonly flagged: boolean;
  /** Combined evidence in [0, 1]; flagged when it reaches FLAG_THRESHOLD. */
  readonly score: number;
  /** Highest severity among the matches that made the verdict; null when not flagged. */
  readonly severity: Severity | null;
  /** Every rule that matched, in rule-set order, whether or not the prompt was flagged. */
  readonly matches: readonly InjectionMatch[];
  readonly rulesetVersion: string;
}

/**
 * Scoring: each matched rule contributes its severity's weight once (a mention a quarter of it), and
 * the contributions combine as independent evidence, score = 1 − Π(1 − wᵢ). With a threshold of 0.7 one
 * high or critical rule flags on its own, two medium ones together flag, a medium needs two lows, and
 * lows alone need four: "a high-confidence rule, or several weaker ones that agree".
 */
const WEIGHT: Readonly<Record<Severity, number>> = { low: 0.3, medium: 0.5, high: 0.8, critical: 0.95 };
const MENTION_WEIGHT = 0.25;
export const FLAG_THRESHOLD = 0.7;
/** Decoded text needs only one medium signal to count as a payload: hiding text is suspicious in itself. */
const DECODED_THRESHOLD = 0.5;
/** The contract caps prompt text at 100,000 characters; longer input is scanned up to this point. */
export const MAX_SCAN_CHARS = 100_000;
/** Decoded payloads are re-scanned, and their own payloads once more (base64 inside base64). */
const MAX_DEPTH = 2;
/** Occurrences looked at per pattern; past this a rule counts as direct (no hiding behind mentions). */
const MAX_PER_PATTERN = 8;
const MAX_SEGMENTS = 64;
const MAX_SEGMENT_CHARS = 2000;
const MAX_DESTINATIONS = 16;
/** How much of the prompt the ROT13/backwards probe reads to decide whether to scan those readings. */
const TRANSFORM_PROBE = 4000;
const DESTINATION_REACH = 240;
/** A readable base64 blob this long is worth noting even when it says nothing suspicious. */
const TEXT_BLOB_CHARS = 200;

const SEVERITY_ORDER: readonly Severity[] = ['low', 'medium', 'high', 'critical'];
const RULE_ORDER = new Map(RULE_DEFS.map((r, i) => [r.id, i]));
const ENCODED_RULE: Readonly<Record<EncodingKind, RuleDef>> = { base64: ENC_BASE64, hex: ENC_HEX, percent: ENC_PERCENT, escapes: ENC_ESCAPES, tags: ENC_TAGS };

interface Occurrence {
  rule: RuleDef;
  /** Index in the layer's own text. */
  pos: number;
  /** Index in the scanned prompt (for decoded layers: where the encoded chunk sits); -1 when unknown. */
  at: number;
}

type Locate = (pos: number) => number;

interface Pattern {
  readonly rule: RuleDef;
  readonly re: RegExp;
}

const patternsOf = (view: 'skeleton' | 'folded' | 'compact'): Pattern[] => TEXT_RULES.flatMap((rule) => rule[view].map((re) => ({ rule, re })));
const SKELETON_PATTERNS = new PatternIndex(patternsOf('skeleton'));
const FOLDED_PATTERNS = new PatternIndex(patternsOf('folded'));
/** The compact view has no word boundaries: its few patterns run over the whole text when it contains their first word. */
const COMPACT_PATTERNS = new PatternIndex(patternsOf('compact'));

export function scanPrompt(text: string): InjectionVerdict {
  const raw = text.length > MAX_SCAN_CHARS ? text.slice(0, MAX_SCAN_CHARS) : text;
  const top = scanLayer(raw, 0, new DecodeBudget(), (pos) => pos);
  if (top.occurrences.length === 0) return { flagged: false, score: 0, severity: null, matches: [], rulesetVersion: RULESET_VERSION };

  const judge = mentionJudge(raw, top.skel);
  const direct = new Map<string, boolean>();
  const rules = new Map<string, RuleDef>();
  for (const o of top.occurrences) {
    rules.set(o.rule.id, o.rule);
    if (direct.get(o.rule.id) !== true) direct.set(o.rule.id, !judge.isMention(o.at));
  }
  const ordered = [...rules.values()].sort((a, b) => (RULE_ORDER.get(a.id) ?? 0) - (RULE_ORDER.get(b.id) ?? 0));
  const matches: InjectionMatch[] = ordered.map((r) => ({ ruleId: r.id, category: r.category, severity: r.severity, context: direct.get(r.id) === true ? 'direct' : 'mention' }));
  const score = combine(matches.map((m) => WEIGHT[m.severity] * (m.context === 'direct' ? 1 : MENTION_WEIGHT)));
  const flagged = score >= FLAG_THRESHOLD;
  return { flagged, score, severity: flagged ? highest(matches) : null, matches, rulesetVersion: RULESET_VERSION };
}

function combine(weights: readonly number[]): number {
  let clear = 1;
  for (const w of weights) clear *= 1 - w;
  return 1 - clear;
}

/** Highest severity among direct matches (among all when every match is a mention). */
function highest(matches: readonly InjectionMatch[]): Severity {
  const pool = matches.some((m) => m.context === 'direct') ? matches.filter((m) => m.context === 'direct') : matches;
  return pool.reduce<Severity>((best, m) => (SEVERITY_ORDER.indexOf(m.severity) > SEVERITY_ORDER.indexOf(best) ? m.severity : best), 'low');
}

/** Evidence from a set of occurrences, counting each rule once, without mention discounts. */
function evidence(occurrences: readonly Occurrence[]): number {
  const seen = new Map<string, number>();
  for (const o of occurrences) seen.set(o.rule.id, WEIGHT[o.rule.severity]);
  return combine([...seen.values()]);
}

interface Layer {
  skel: MappedText;
  occurrences: Occurrence[];
}

/** One piece of text (the prompt, or a decoded payload): every rule, the structural checks, the decoders. */
function scanLayer(raw: string, depth: number, budget: DecodeBudget, locate: Locate): Layer {
  const folded = fold(raw);
  const skel = skeleton(folded);
  const occurrences: Occurrence[] = [];
  matchText(folded, skel, compact(skel), locate, occurrences);
  checkHiddenSegments(raw, folded, skel, locate, occurrences);
  checkDestinations(folded, skel, locate, occurrences);
  if (depth === 0) checkTransforms(folded, skel, locate, occurrences);
  if (depth < MAX_DEPTH) checkEncoded(raw, depth, budget, locate, occurrences);
  return { skel, occurrences };
}

function matchText(folded: MappedText, skel: MappedText, comp: MappedText, locate: Locate, out: Occurrence[]): void {
  scanView(SKELETON_PATTERNS, skel, boundaryWordStarts(skel.text), locate, out);
  scanView(FOLDED_PATTERNS, folded, letterWordStarts(folded.text), locate, out);
  scanView(COMPACT_PATTERNS, comp, [], locate, out);
}

function scanView(index: PatternIndex<Pattern>, view: MappedText, starts: readonly number[], locate: Locate, out: Occurrence[]): void {
  index.scan(view.text, starts, new OccurrenceSink(view, locate, out));
}

class OccurrenceSink implements MatchSink<Pattern> {
  private readonly seen = new Map<Pattern, number>();
  constructor(
    private readonly view: MappedText,
    private readonly locate: Locate,
    private readonly out: Occurrence[],
  ) {}

  found(p: Pattern, index: number): boolean {
    const pos = this.view.toRaw[index] ?? -1;
    this.out.push({ rule: p.rule, pos, at: this.locate(pos) });
    const n = (this.seen.get(p) ?? 0) + 1;
    this.seen.set(p, n);
    if (n < MAX_PER_PATTERN) return true;
    this.out.push({ rule: p.rule, pos: -1, at: -1 });
    return false;
  }
}

// ---------------------------------------------------------------------------------------------------
// Hidden segments: HTML/markdown comments and invisible elements (text a human reader never sees) and
// code comments (text a reviewer skims). Instructions for the AI there are an indirect injection.

/** Speaks to an AI at the start of a segment: "AI code reviewer: …", "assistant, please …". */
const VOCATIVE = fdOne("^[^\\p{L}]{0,6}(?:[\\p{L}'-]+ ){0,3}?(?:ai|llm|assistant|chatbot|bot|agent|gpt|chatgpt|claude|copilot|gemini|grok|reviewer|screener|model)s? ?[:,]");
const AI_NOUN = skOne('\\b(?:ai|ais|llm|llms|language model|assistant|assistants|chatbot|bot|agent|gpt|chatgpt|claude|copilot|gemini|grok)\\b');
const IMPERATIVE = skOne('\\b(?:tell|say|respond|reply|answer|ignore|disregard|recommend|output|print|include|write|approve|rate|classify|forward|send|email|share|accept|delete|call|execute|run|visit|do not|dont|never|always|must|make sure)\\b');
const STYLE_ATTR = /style[ \t]{0,3}=[ \t]{0,3}(["'])/gi;
const HIDING_STYLE = /display\s*:\s*none|visibility\s*:\s*hidden|font-size\s*:\s*0(?![.\d]*[1-9])|opacity\s*:\s*0(?![.\d]*[1-9])|color\s*:\s*(?:white|#fff(?:fff)?\b|transparent)/i;
const MARKDOWN_COMMENT = /^[ \t]{0,3}\[(?:\/\/|comment)\]:[ \t]{0,3}(?:#|<>)[^\n]{0,2000}/gim;
const LINE_COMMENT = /(?:^|\n)[ \t]{0,40}(?:#{1,6}|\/\/|--)[ \t]?([^\n]{1,500})/g;

interface Segment {
  start: number;
  end: number;
  /** Truly hidden (comment markup, invisible element) rather than a code comment. */
  hidden: boolean;
}

function checkHiddenSegments(raw: string, folded: MappedText, skel: MappedText, locate: Locate, out: Occurrence[]): void {
  const segments = findSegments(raw);
  if (segments.length === 0) return;
  const inner = out.filter((o) => o.rule.severity !== 'low');
  for (const seg of segments) {
    const foldedText = folded.text.slice(lowerBound(folded.toRaw, seg.start), lowerBound(folded.toRaw, seg.end));
    const skelText = skel.text.slice(lowerBound(skel.toRaw, seg.start), lowerBound(skel.toRaw, seg.end));
    const addressed = test(VOCATIVE, foldedText) || (seg.hidden && test(AI_NOUN, skelText) && test(IMPERATIVE, skelText));
    const carries = seg.hidden && inner.some((o) => o.pos >= seg.start && o.pos < seg.end);
    if (addressed || carries) out.push({ rule: INDIRECT_HIDDEN, pos: seg.start, at: locate(seg.start) });
  }
}

function findSegments(raw: string): Segment[] {
  const segments: Segment[] = [];
  for (let from = 0; segments.length < MAX_SEGMENTS; ) {
    const open = raw.indexOf('<!--', from);
    if (open < 0) break;
    const close = raw.indexOf('-->', open + 4);
    addSegment(segments, open + 4, close < 0 ? raw.length : close, true); // an unclosed comment hides the rest
    if (close < 0) break;
    from = close + 3;
  }
  if (raw.includes(']:')) for (const m of raw.matchAll(MARKDOWN_COMMENT)) addSegment(segments, m.index, m.index + m[0].length, true);
  STYLE_ATTR.lastIndex = 0;
  for (let m = STYLE_ATTR.exec(raw); m !== null && segments.length < MAX_SEGMENTS; m = STYLE_ATTR.exec(raw)) {
    const valueStart = m.index + m[0].length;
    const valueEnd = raw.indexOf(m[1] as string, valueStart);
    if (valueEnd < 0 || valueEnd - valueStart > 300) continue;
    if (!HIDING_STYLE.test(raw.slice(valueStart, valueEnd))) continue;
    const tagEnd = raw.indexOf('>', valueEnd);
    if (tagEnd < 0) break;
    const closeTag = raw.indexOf('</', tagEnd);
    addSegment(segments, tagEnd + 1, closeTag < 0 ? raw.length : closeTag, true);
  }
  if (raw.includes('#') || raw.includes('//') || raw.includes('--')) {
    for (const m of raw.matchAll(LINE_COMMENT)) {
      if (segments.length >= MAX_SEGMENTS) break;
      const body = m[1] as string;
      addSegment(segments, m.index + m[0].length - body.length, m.index + m[0].length, false);
    }
  }
  return segments;
}

function addSegment(segments: Segment[], start: number, end: number, hidden: boolean): void {
  if (segments.length < MAX_SEGMENTS && end > start) segments.push({ start, end: Math.min(end, start + MAX_SEGMENT_CHARS), hidden });
}

function test(re: RegExp, text: string): boolean {
  re.lastIndex = 0;
  return re.test(text);
}

// ---------------------------------------------------------------------------------------------------
// "… send the conversation … to https://…": a send verb and sensitive data just before a destination.

const DESTINATION = /(?<![\p{L}\p{N}])to\s{1,3}(?:https?:\/\/|www\.|[\w.+-]{1,64}@[\w-]{1,63}\.[a-z]{2,})/gu;
const SEND_DATA = skOne(
  `\\b(?:send|sends|post|forward|exfiltrate|upload|transmit|email|e mail|mail|submit|leak|copy|share|wire|report|append|encode)${gap(10)} (?:conversation|conversations|chat history|chat log|chat logs|conversation history|transcript|system prompt|system message|context|credentials|passwords?|api keys?|secrets?|tokens|inbox|contacts|calendar|previous messages|user data|users data|personal data|customer data|customer list|users emails|history of (?:this|the|our) (?:conversation|chat))\\b`,
);

function checkDestinations(folded: MappedText, skel: MappedText, locate: Locate, out: Occurrence[]): void {
  if (!folded.text.includes('http') && !folded.text.includes('www.') && !folded.text.includes('@')) return;
  DESTINATION.lastIndex = 0;
  for (let n = 0; n < MAX_DESTINATIONS; n++) {
    const m = DESTINATION.exec(folded.text);
    if (m === null) return;
    const pos = folded.toRaw[m.index] ?? 0;
    const window = skel.text.slice(lowerBound(skel.toRaw, pos - DESTINATION_REACH), lowerBound(skel.toRaw, pos));
    if (test(SEND_DATA, window)) out.push({ rule: EXFIL_TO_DESTINATION, pos, at: locate(pos) });
  }
}

// ---------------------------------------------------------------------------------------------------
// ROT13 and backwards text. Scanning both readings of every prompt would triple the cost, so a probe
// first counts common English words in each reading (by looking up their ROT13 and reversed
// spellings among the prompt's words): a reading is scanned only when it reads more like English than
// the prompt itself does.

const STOPWORDS = ['the', 'and', 'you', 'your', 'all', 'to', 'of', 'is', 'are', 'this', 'that', 'with', 'for', 'in', 'it', 'be', 'not', 'now', 'me', 'my', 'ignore', 'instructions', 'system', 'prompt', 'previous', 'reveal', 'print'];
/** Bit per reading (plain, ROT13, backwards) of each probe word, spelled the skeleton's way (l → i). */
const PROBE_WORDS = new Map<string, number>();
const READINGS: ReadonlyArray<{ rule: RuleDef; transform: (v: MappedText) => MappedText; spell: (w: string) => string }> = [
  { rule: ENC_ROT13, transform: rot13, spell: rot13Text },
  { rule: ENC_REVERSED, transform: reversed, spell: (w) => [...w].reverse().join('') },
];
for (const w of STOPWORDS) {
  const spellings = [w, ...READINGS.map((r) => r.spell(w))];
  spellings.forEach((spelling, bit) => {
    const key = spelling.replace(/l/g, 'i');
    PROBE_WORDS.set(key, (PROBE_WORDS.get(key) ?? 0) | (1 << bit));
  });
}

function checkTransforms(folded: MappedText, skel: MappedText, locate: Locate, out: Occurrence[]): void {
  const counts = [0, 0, 0];
  for (const word of skel.text.slice(0, TRANSFORM_PROBE).split(' ')) {
    const bits = PROBE_WORDS.get(word) ?? 0;
    for (let b = 0; b < counts.length; b++) if (bits & (1 << b)) counts[b] = (counts[b] as number) + 1;
  }
  let seen: Set<string> | undefined;
  for (const [r, reading] of READINGS.entries()) {
    const english = counts[r + 1] as number;
    if (english < 2 || english <= (counts[0] as number)) continue;
    seen ??= new Set(out.map((o) => o.rule.id));
    const view = reading.transform(folded);
    const readingSkel = skeleton(view);
    const found: Occurrence[] = [];
    matchText(view, readingSkel, compact(readingSkel), locate, found);
    const fresh = found.filter((o) => !(seen as Set<string>).has(o.rule.id));
    if (evidence(fresh) >= DECODED_THRESHOLD) out.push({ rule: reading.rule, pos: fresh[0]?.pos ?? -1, at: fresh[0]?.at ?? -1 }, ...fresh);
  }
}

// ---------------------------------------------------------------------------------------------------

function checkEncoded(raw: string, depth: number, budget: DecodeBudget, locate: Locate, out: Occurrence[]): void {
  const plain = new Set(out.map((o) => o.rule.id));
  for (const d of decodeAll(raw, budget)) {
    const at = locate(d.at);
    const inner = scanLayer(d.text, depth + 1, budget, () => at).occurrences;
    // A whole-text decode still holds the plain prompt: only what decoding revealed counts.
    const revealed = d.whole ? inner.filter((o) => !plain.has(o.rule.id)) : inner;
    const here = (rule: RuleDef): Occurrence => ({ rule, pos: d.at, at });
    if (evidence(revealed) >= DECODED_THRESHOLD) out.push(here(ENCODED_RULE[d.kind]), ...revealed.map((o) => ({ ...o, pos: d.at })));
    else if (d.kind === 'tags') out.push(here(ENC_HIDDEN_TAGS));
    else if (d.kind === 'base64' && d.length >= TEXT_BLOB_CHARS) out.push(here(ENC_TEXT_BLOB));
  }
}
