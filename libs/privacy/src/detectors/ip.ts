import { isDigitCode, isWordCode, type Detector } from './detector.js';

/**
 * 0.0.0.0/8, loopback and broadcast or netmasks (255.…) identify nobody; masking them only hurts debugging.
 * Nor do four single digits: those are section numbers and versions ("7.6.1.1", "1.2.3.4") far more
 * often than an address, and the addresses of that shape are public resolvers (1.1.1.1, 8.8.8.8).
 */
function identifyingIpv4(address: string): boolean {
  if (/^\d\.\d\.\d\.\d$/.test(address)) return false;
  const first = address.slice(0, address.indexOf('.'));
  return first !== '0' && first !== '127' && first !== '255';
}

export const ipv4: Detector = {
  entity: 'ip_address',
  hint: /\d\.\d/,
  // Four octets 0–255 without leading zeros. Three-part versions never match; a four-part "version"
  // such as 10.0.1.2 is indistinguishable from an address and is treated as one, unless glued to a
  // word ("v10.0.1.2"), followed by a fifth part, or made of single digits (see identifyingIpv4).
  pattern: /(?<![\w.])(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)/g,
  accept(text, m) {
    const end = m.index + m[0].length;
    const c = text.charCodeAt(end);
    if (isWordCode(c) || (c === 46 && isDigitCode(text.charCodeAt(end + 1)))) return undefined;
    return identifyingIpv4(m[0]) ? { start: m.index, end } : undefined;
  },
};

const HEX_GROUP = /^[0-9A-Fa-f]{1,4}$/;
const IPV4_TAIL = /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

/** The hex groups of a valid IPv6 address (full or `::`-compressed, optional IPv4 tail), else undefined. */
function ipv6Groups(s: string): string[] | undefined {
  const halves = s.split('::');
  if (halves.length > 2) return undefined;
  const groups = halves.flatMap((h) => (h === '' ? [] : h.split(':')));
  let count = groups.length;
  const last = groups.at(-1);
  if (last?.includes('.')) {
    if (!IPV4_TAIL.test(last)) return undefined;
    groups.pop();
    count += 1; // an IPv4 tail stands for two groups
  }
  if (!groups.every((g) => HEX_GROUP.test(g))) return undefined;
  return (halves.length === 2 ? count <= 7 : count === 8) ? groups : undefined;
}

export const ipv6: Detector = {
  entity: 'ip_address',
  // An address has "::" or at least three colons in a row of hex groups; times ("12:00:00") have two.
  // Starting with a literal colon keeps this check fast on prose, where the full scan is the slowest.
  hint: /::|:[0-9A-Fa-f]{1,4}:[0-9A-Fa-f]{1,4}:/,
  // Candidates are hex-and-colon runs with a colon early on; the structure is checked in code.
  pattern: /(?<![\w:.])(?=[0-9A-Fa-f]{0,4}:)[0-9A-Fa-f:]{2,39}(?:\.\d{1,3}){0,3}/g,
  accept(text, m) {
    const after = m.index + m[0].length;
    const next = text.charCodeAt(after);
    if (isWordCode(next) || next === 58 || (next === 46 && isDigitCode(text.charCodeAt(after + 1)))) return undefined;
    // A colon that ends a sentence or a log prefix ("at 2001:db8::1: timeout") is not part of the address.
    const s = m[0].endsWith(':') && !m[0].endsWith('::') ? m[0].slice(0, -1) : m[0];
    const end = m.index + s.length;
    const groups = ipv6Groups(s);
    // Require a group of 3+ characters: it rules out times ("10:30:00" is also too short), ratios and
    // C++ scopes ("a::b"), and keeps every real prefix (2001:, fe80:, fd00:, ::ffff:).
    // Loopback "::1" and "::" fail this too, and identify nobody.
    if (!groups?.some((g) => g.length >= 3)) return undefined;
    // An IPv4-mapped address ("::ffff:127.0.0.1") identifies whoever its IPv4 part identifies.
    const tail = /[\d.]+$/.exec(s)?.[0] ?? '';
    if (tail.includes('.') && groups.every((g) => /^(?:0{1,4}|ffff)$/i.test(g)) && !identifyingIpv4(tail)) return undefined;
    return { start: m.index, end };
  },
};
