import type { Detector } from './detector.js';
import { email } from './email.js';
import { phoneInternational, phoneNorthAmerican, phoneTrunkPrefix } from './phone.js';
import { iban, paymentCard } from './payment.js';
import { ipv4, ipv6 } from './ip.js';
import { apiKey, jwt } from './secrets.js';
import { aadhaar, spanishDni, ukNino, usSsn } from './national-id.js';

export type { Detector, Span } from './detector.js';

/** Every detector, in no particular order: overlaps are resolved after all have run (see find.ts). */
export const DETECTORS: readonly Detector[] = [
  email,
  phoneInternational,
  phoneNorthAmerican,
  phoneTrunkPrefix,
  paymentCard,
  iban,
  ipv4,
  ipv6,
  apiKey,
  jwt,
  usSsn,
  ukNino,
  spanishDni,
  aadhaar,
];
