import { HAS_DIGIT, numberEndsAt, oneSeparatorKind, firstValidPrefix, type Detector } from './detector.js';

export const phoneInternational: Detector = {
  entity: 'phone',
  hint: /\+/,
  // "+44 20 7946 0958", "+1 (415) 555-2671", "(+49) 30 123456", "+4915123456789". Not after a word
  // character or `)`, so arithmetic and exponents ("x+12345678", "1e+10") are left alone.
  pattern: /(?<![\w+)])(?:\(\+[1-9]\d{0,3}\)|\+[1-9]\d{0,14})(?:[ .-]?\(\d{1,5}\)[ .-]?\d{1,14}|[ .-]\d{1,14}){0,7}/g,
  accept(text, m) {
    // 15 digits is the E.164 maximum.
    return firstValidPrefix(text, m, 8, 15, (prefix, digits) => {
      // Without separators a sign-prefixed count ("+12345678") is likelier than a short phone number.
      if (/^\+\d+$/.test(prefix)) return digits.length >= 10;
      // Dots only as the sole separator ("+1.415.555.2671"): "+100.00 200.00" is a list of prices.
      return !prefix.includes('.') || !/[ -]/.test(prefix);
    });
  },
};

export const phoneNorthAmerican: Detector = {
  entity: 'phone',
  hint: HAS_DIGIT,
  // NANP with its rules (area code and exchange start with 2–9) and the same separator twice:
  // "(415) 555-2671", "415-555-2671", "415.555.2671", "1 800 555 0199".
  pattern: /(?<![\w.+-])(?:1[ .-]?)?(?:\([2-9]\d\d\) ?[2-9]\d\d[ .-]|[2-9]\d\d([ .-])[2-9]\d\d\1)\d{4}/g,
  accept(text, m) {
    const end = m.index + m[0].length;
    return numberEndsAt(text, end) ? { start: m.index, end } : undefined;
  },
};

export const phoneTrunkPrefix: Detector = {
  entity: 'phone',
  hint: HAS_DIGIT,
  // National numbers dialled with a trunk 0, grouped by one kind of separator: "020 7946 0958",
  // "07700 900123", "06 12 34 56 78", "(030) 1234567". The leading 0 plus 9–11 digits rules out years,
  // prices, dates ("01.02.2024" has 8) and counts. Not right after another digit group: "0044 0532 0130"
  // inside an account number, a table of numbers or "14:32:07 12345678" is not a phone number.
  pattern: /(?<![\w.+-]|\d[ .:/-])(?:\(0[1-9]\d{0,3}\) ?\d{2,8}(?:[ .-]\d{2,8}){0,3}|0[1-9]\d{0,3}([ .-])\d{2,8}(?:\1\d{2,8}){0,3})/g,
  accept(text, m) {
    return firstValidPrefix(text, m, 9, 11, (prefix) => oneSeparatorKind(prefix));
  },
};
