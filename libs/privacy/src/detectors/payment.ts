import { cardNetworkOk, ibanChecksumOk, ibanLength, luhn } from '../checksums.js';
import { HAS_DIGIT, isWordCode, oneSeparatorKind, firstValidPrefix, type Detector } from './detector.js';

/**
 * Printed card numbers are grouped 4-4-4-4, 4-6-5, 4-6-4 or 4-4-4-4-3, with one kind of separator; a run
 * of other numbers ("1 2 0 6 0 3 16 2 98 …", "4096 4096 12345678") is not a card.
 */
function cardGrouping(prefix: string): boolean {
  if (!oneSeparatorKind(prefix)) return false;
  const groups = prefix.split(/[ -]/);
  if (groups.length === 1) return true;
  return groups.every((g, i) => (i === 0 ? g.length === 4 : g.length >= (i === groups.length - 1 ? 3 : 4) && g.length <= 6));
}

export const paymentCard: Detector = {
  entity: 'payment_card',
  hint: HAS_DIGIT,
  // 13–19 digits, optionally grouped by spaces or dashes; validated by grouping, issuer prefix, length
  // and Luhn.
  pattern: /(?<![\w.+-])\d(?:[ -]?\d){12,18}/g,
  accept(text, m) {
    // Cheap early exit for runs of small numbers ("1 2 3 …"), which no prefix can rescue.
    if (!/^\d{4}/.test(m[0])) return undefined;
    return firstValidPrefix(text, m, 13, 19, (prefix, digits) => cardGrouping(prefix) && cardNetworkOk(digits) && luhn(digits));
  },
};


export const iban: Detector = {
  entity: 'iban',
  hint: HAS_DIGIT,
  // Country code, check digits, then the BBAN compact or in groups of four: "DE89 3704 0044 0532 0130 00".
  pattern: /(?<![A-Za-z0-9])[A-Za-z]{2}\d{2}(?: ?[A-Za-z0-9]{4}){1,7}(?: ?[A-Za-z0-9]{1,3})?/g,
  accept(text, m) {
    const s = m[0];
    const length = ibanLength(s.slice(0, 2).toUpperCase());
    if (length === undefined) return undefined;
    // The country fixes the length, so a candidate that ran into the next word is cut back to it.
    let alnum = 0;
    let cut = 0;
    while (cut < s.length && alnum < length) if (s.charCodeAt(cut++) !== 32) alnum++;
    if (alnum < length || isWordCode(text.charCodeAt(m.index + cut))) return undefined;
    const compact = s.slice(0, cut).replace(/ /g, '').toUpperCase();
    return ibanChecksumOk(compact) ? { start: m.index, end: m.index + cut } : undefined;
  },
};
