import { dniLetterOk, verhoeff } from '../checksums.js';
import { HAS_DIGIT, numberEndsAt, digitsOf, type Detector } from './detector.js';

export const usSsn: Detector = {
  entity: 'national_id',
  hint: /\d-\d/,
  // US SSN, dashed only (nine bare digits are too often something else). Never issued: area 000, 666 and
  // 900–999, group 00, serial 0000.
  pattern: /(?<![\w.+-])(?!000|666|9)\d{3}-(?!00)\d{2}-(?!0000)\d{4}/g,
  accept(text, m) {
    const end = m.index + m[0].length;
    return numberEndsAt(text, end) ? { start: m.index, end } : undefined;
  },
};

export const ukNino: Detector = {
  entity: 'national_id',
  hint: HAS_DIGIT,
  // UK National Insurance number: the prefix letters HMRC allocates (no D F I Q U V first, no D F I O Q U V
  // second, not BG GB KN NK NT TN ZZ), six digits, suffix A–D; "AB 12 34 56 C" or "AB123456C".
  pattern: /(?<![A-Za-z0-9])(?!BG|GB|KN|NK|NT|TN|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z](?: ?\d{2}){3} ?[A-D](?![A-Za-z0-9])/g,
  accept(_text, m) {
    return { start: m.index, end: m.index + m[0].length };
  },
};

export const spanishDni: Detector = {
  entity: 'national_id',
  hint: HAS_DIGIT,
  // Spanish DNI (8 digits) or NIE (X/Y/Z + 7 digits) and the check letter: "12345678Z", "X1234567-L".
  pattern: /(?<![A-Za-z0-9])(\d{8}|[XYZ]\d{7})[ -]?([A-Z])(?![A-Za-z0-9])/g,
  accept(_text, m) {
    return dniLetterOk(m[1]!, m[2]!) ? { start: m.index, end: m.index + m[0].length } : undefined;
  },
};

export const aadhaar: Detector = {
  entity: 'national_id',
  hint: HAS_DIGIT,
  // Indian Aadhaar as written on the card, 4-4-4 with spaces or dashes, first digit 2–9, Verhoeff check.
  // Twelve bare digits, or three groups inside a longer grouped number (a Luhn-failing "4111 1111 1111
  // 1112"), are left alone: order and account numbers pass the check 1 time in 10.
  pattern: /(?<![\w.+-]|\d[ :/-])[2-9]\d{3}([ -])\d{4}\1\d{4}(?!\1\d{3})/g,
  accept(text, m) {
    const end = m.index + m[0].length;
    return numberEndsAt(text, end) && verhoeff(digitsOf(m[0])) ? { start: m.index, end } : undefined;
  },
};
