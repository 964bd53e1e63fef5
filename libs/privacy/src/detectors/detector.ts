import type { PiiEntity } from '../entities.js';

/**
 * One detector per format: a global regex that finds candidates cheaply, and a check in code that
 * validates them (check digits, issuer prefixes, boundaries) and returns the span to replace.
 *
 * Every regex is linear: quantifiers are bounded or followed by nothing that can fail, and repeated
 * groups start with a separator, so a digit run can be split into groups only one way. A leading
 * look-behind (or a rare anchor such as "@") makes a candidate start only where a token starts, so a
 * rejected candidate is retried one character later at almost no cost: the positions inside the same
 * token are skipped at once, and an unbounded candidate is never rescanned from inside.
 */
export interface Span {
  start: number;
  end: number;
}

export interface Detector {
  entity: PiiEntity;
  /** Cheap test that the text can hold a match at all; saves the scan on most text. */
  hint: RegExp;
  /** Global; reset by the caller. */
  pattern: RegExp;
  accept(text: string, m: RegExpExecArray): Span | undefined;
}

/** The hint of detectors whose candidates start with, or hold, a digit. */
export const HAS_DIGIT = /\d/;

export function isDigitCode(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** [A-Za-z0-9_], the characters that glue onto a token; NaN (out of range) is not one. */
export function isWordCode(c: number): boolean {
  return isDigitCode(c) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
}

/**
 * A number ends at `end` when no word character follows, nor a `.` or `-` followed by a digit (then it
 * is part of a decimal, a version, a date or a dashed id). Whitespace followed by a digit is a new number.
 */
export function numberEndsAt(text: string, end: number): boolean {
  const c = text.charCodeAt(end);
  if (isWordCode(c)) return false;
  return !((c === 46 || c === 45) && isDigitCode(text.charCodeAt(end + 1)));
}

export function digitsOf(s: string): string {
  return s.replace(/\D+/g, '');
}

/**
 * "4111 1111 1111 1111" or "4111-1111-…", but not "4111 1111-1111 1111", which is several numbers.
 * Parentheses around an area code are not separators.
 */
export function oneSeparatorKind(s: string): boolean {
  let kind = -1;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (isDigitCode(c) || c === 40 || c === 41) continue;
    if (kind === -1) kind = c;
    else if (c !== kind) return false;
  }
  return true;
}

/**
 * Tries the leading digit groups of a grouped-number candidate, longest first: a greedy candidate may
 * have swallowed a neighbouring number ("4111 1111 1111 1111 42"). `valid` sees the prefix and its digits.
 */
export function firstValidPrefix(
  text: string,
  m: RegExpExecArray,
  minDigits: number,
  maxDigits: number,
  valid: (prefix: string, digits: string) => boolean,
): Span | undefined {
  const s = m[0];
  const digits = digitsOf(s);
  let n = digits.length;
  for (let cut = s.length; cut > 0 && n >= minDigits; cut--) {
    if (!isDigitCode(s.charCodeAt(cut - 1))) continue;
    // `cut` ends a digit group and `n` digits precede it.
    if (n <= maxDigits && numberEndsAt(text, m.index + cut) && valid(s.slice(0, cut), digits.slice(0, n))) return { start: m.index, end: m.index + cut };
    while (cut > 0 && isDigitCode(s.charCodeAt(cut - 1))) {
      cut--;
      n--;
    }
  }
  return undefined;
}
