/**
 * Check digits of the formats that have them. Validating them is what keeps the detectors precise:
 * a random digit run passes Luhn 1 time in 10, an IBAN's mod-97 1 time in 97.
 */

/** Luhn (ISO/IEC 7812) over a string of digits. */
export function luhn(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

/**
 * Whether a digit string starts with the issuer prefix of a card network and has a length that network
 * issues. Most 13–19 digit numbers in text (ids, timestamps, ISBNs) start with a digit no network uses.
 */
export function cardNetworkOk(digits: string): boolean {
  const n = digits.length;
  const p2 = Number(digits.slice(0, 2));
  const p3 = Number(digits.slice(0, 3));
  const p4 = Number(digits.slice(0, 4));
  if (digits.startsWith('4')) return n === 13 || n === 16 || n === 19; // Visa
  if ((p2 >= 51 && p2 <= 55) || (p4 >= 2221 && p4 <= 2720)) return n === 16; // Mastercard
  if (p2 === 34 || p2 === 37) return n === 15; // American Express
  if (p4 >= 2200 && p4 <= 2204) return n >= 16; // Mir
  if (p4 >= 3528 && p4 <= 3589) return n >= 16; // JCB
  if ((p3 >= 300 && p3 <= 305) || p2 === 36 || p2 === 38 || p2 === 39) return n >= 14; // Diners Club
  // Discover (6011, 644–649, 65), UnionPay (62), Maestro and RuPay (50, 56–69): 12–19 digits.
  return p2 === 50 || (p2 >= 56 && p2 <= 69);
}

/** IBAN length per country (SWIFT IBAN registry); the country code also rules out most look-alikes. */
const IBAN_LENGTHS: Readonly<Record<string, number>> = {
  AD: 24, AE: 23, AL: 28, AT: 20, AZ: 28, BA: 20, BE: 16, BG: 22, BH: 22, BI: 27, BR: 29, BY: 28, CH: 21,
  CR: 22, CY: 28, CZ: 24, DE: 22, DJ: 27, DK: 18, DO: 28, EE: 20, EG: 29, ES: 24, FI: 18, FK: 18, FO: 18,
  FR: 27, GB: 22, GE: 22, GI: 23, GL: 18, GR: 27, GT: 28, HR: 21, HU: 28, IE: 22, IL: 23, IQ: 23, IS: 26,
  IT: 27, JO: 30, KW: 30, KZ: 20, LB: 28, LC: 32, LI: 21, LT: 20, LU: 20, LV: 21, LY: 25, MC: 27, MD: 24,
  ME: 22, MK: 19, MN: 20, MR: 27, MT: 31, MU: 30, NI: 28, NL: 18, NO: 15, OM: 23, PK: 24, PL: 28, PS: 29,
  PT: 25, QA: 29, RO: 24, RS: 22, RU: 33, SA: 24, SC: 31, SD: 18, SE: 24, SI: 19, SK: 24, SM: 27, SO: 23,
  ST: 25, SV: 28, TL: 23, TN: 24, TR: 26, UA: 29, VA: 22, VG: 24, XK: 20, YE: 30,
};

export function ibanLength(countryCode: string): number | undefined {
  return Object.hasOwn(IBAN_LENGTHS, countryCode) ? IBAN_LENGTHS[countryCode] : undefined;
}

/** ISO 13616 check: move the first four characters to the end, letters to 10..35, the number mod 97 is 1. */
export function ibanChecksumOk(compactUpper: string): boolean {
  const rearranged = compactUpper.slice(4) + compactUpper.slice(0, 4);
  let rest = 0;
  for (let i = 0; i < rearranged.length; i++) {
    const c = rearranged.charCodeAt(i);
    // Digits feed one decimal place, letters (A = 10) two; the remainder stays below 97 * 100.
    rest = c <= 57 ? (rest * 10 + (c - 48)) % 97 : (rest * 100 + (c - 55)) % 97;
  }
  return rest === 1;
}

// Verhoeff's dihedral-group tables, as digit strings to index without bounds checks.
const VERHOEFF_D = '0123456789123406789523401789563401289567401239567859876043216598710432765982104387659321049876543210';
const VERHOEFF_P = '01234567891576283094580379614289160435279453126870428657390127938064157046913258';

/** Verhoeff check digit (used by Aadhaar): catches every single-digit error and adjacent transposition. */
export function verhoeff(digits: string): boolean {
  let c = 0;
  for (let i = 0; i < digits.length; i++) {
    const d = digits.charCodeAt(digits.length - 1 - i) - 48;
    const p = VERHOEFF_P.charCodeAt((i % 8) * 10 + d) - 48;
    c = VERHOEFF_D.charCodeAt(c * 10 + p) - 48;
  }
  return c === 0;
}

const DNI_LETTERS = 'TRWAGMYFPDXBNJZSQVHLCKE';

/** Spanish DNI (8 digits) or NIE (X/Y/Z + 7 digits): the letter is the number mod 23 in a fixed table. */
export function dniLetterOk(number: string, letter: string): boolean {
  const lead = 'XYZ'.indexOf(number.charAt(0));
  const value = Number(lead >= 0 ? `${lead}${number.slice(1)}` : number);
  return DNI_LETTERS.charAt(value % 23) === letter;
}
