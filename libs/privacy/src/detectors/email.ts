import { isWordCode, type Detector } from './detector.js';

/** File names such as `icon@2x.png` look like addresses; these endings are not top-level domains. */
const FILE_EXTENSIONS = new Set(
  'png jpg jpeg gif svg webp ico bmp tif tiff js mjs cjs ts tsx jsx css scss less json yaml yml html htm txt lock log toml xml csv pdf gz tgz map wasm'.split(' '),
);

function validTld(label: string): boolean {
  return (/^[A-Za-z]{2,63}$/.test(label) && !FILE_EXTENSIONS.has(label.toLowerCase())) || /^xn--[A-Za-z0-9-]{2,59}$/.test(label);
}

/** [A-Za-z0-9_.%+-], the characters of an address's local part as people write them. */
function isLocalCode(c: number): boolean {
  return isWordCode(c) || c === 46 || c === 37 || c === 43 || c === 45;
}

// A dotted domain is required: `a@b`, `user@localhost` and npm specifiers (`pkg@1.2.3`) never match.
const DOMAIN = /[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){1,8}/y;

export const email: Detector = {
  entity: 'email',
  hint: /@/,
  // Anchored on the "@" (rare in text): scanning for local parts would start at every word.
  pattern: /@/g,
  accept(text, m) {
    const at = m.index;
    // Walks back over the local part; linear overall, as the runs before two "@"s never overlap.
    let start = at;
    while (start > 0 && isLocalCode(text.charCodeAt(start - 1))) start--;
    while (text.charCodeAt(start) === 46) start++; // "...john@x.io": the dots are punctuation
    const local = text.slice(start, at);
    if (local === '' || local.length > 64 || local.endsWith('.') || local.includes('..')) return undefined;
    DOMAIN.lastIndex = at + 1;
    const domain = DOMAIN.exec(text)?.[0];
    if (domain === undefined) return undefined;
    const labels = domain.split('.');
    // Drop trailing labels until the last one is a top-level domain ("john@example.com.42").
    for (let n = labels.length; n >= 2; n--) {
      const kept = labels.slice(0, n);
      if (!validTld(kept[n - 1]!)) continue;
      if (kept.some((l) => l.startsWith('-') || l.endsWith('-'))) return undefined;
      return { start, end: at + 1 + kept.join('.').length };
    }
    return undefined;
  },
};
