/**
 * Pattern compilers for the text views of normalise.ts.
 *
 * Skeleton patterns are written in plain lower-case English and compiled the way the skeleton is
 * built: `l` becomes `i` (the skeleton merges l/1/|/! into i), so they must not use `\p{L}`-style
 * escapes. Words in the skeleton are separated by exactly one space, which keeps every gap
 * unambiguous (`(?: [^ ]+){0,n}` can split a run of words only one way): no pattern can backtrack
 * catastrophically, whatever the input.
 */
export function skOne(source: string): RegExp {
  return new RegExp(source.replace(/l/g, 'i'), 'g');
}

export function sk(...sources: string[]): RegExp[] {
  return sources.map(skOne);
}

/** Folded-view patterns: lower case, accents stripped from Latin letters, punctuation and scripts kept. */
export function fdOne(source: string): RegExp {
  return new RegExp(source, 'gu');
}

export function fd(...sources: string[]): RegExp[] {
  return sources.map(fdOne);
}

/** Up to n arbitrary skeleton words. */
export const gap = (n: number): string => `(?: [^ ]+){0,${n}}`;

/** Word boundaries that also hold for non-Latin scripts in the folded view (`\b` is ASCII-only). */
export const B = '(?<![\\p{L}\\p{N}])';
export const E = '(?![\\p{L}\\p{N}])';

/** Index of the first entry of a non-decreasing array that is >= value (the array's length if none). */
export function lowerBound(sorted: ArrayLike<number>, value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] as number) < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
