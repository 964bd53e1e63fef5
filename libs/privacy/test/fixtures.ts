import type { PiiEntity } from '@sentinel/privacy';

/**
 * Secrets are assembled at run time so that no scanner mistakes this file for a leak; none of them is
 * live (the AWS one is AWS's documented example, the JWT is jwt.io's).
 */
const alnum = (n: number, seed: number): string => {
  const chars = 'aB3dE5gH7jK9mN2pQ4sT6vW8yZ0cF1';
  let out = '';
  for (let i = 0; i < n; i++) out += chars[(i * 7 + seed) % chars.length];
  return out;
};

export const SECRETS = {
  openai: ['sk', 'proj', alnum(48, 1)].join('-'),
  openaiLegacy: ['sk', alnum(48, 2)].join('-'),
  anthropic: ['sk', 'ant', 'api03', alnum(80, 3), 'AA'].join('-'),
  aws: ['AKIA', 'IOSFODNN7EXAMPLE'].join(''),
  awsSession: ['ASIA', 'Y34FZKBOKMUTVV7A'].join(''),
  github: ['ghp', alnum(36, 4)].join('_'),
  githubPat: ['github', 'pat', alnum(22, 5), alnum(59, 6)].join('_'),
  slack: ['xoxb', '1234567890', '1234567890123', alnum(24, 7)].join('-'),
  google: ['AI', 'za', 'Sy', alnum(33, 8)].join(''),
  stripe: ['sk', 'live', alnum(24, 9)].join('_'),
  stripeRestricted: ['rk', 'live', alnum(24, 10)].join('_'),
  bearerToken: alnum(40, 11),
  jwt: [
    'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9',
    'eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ',
    'SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c',
  ].join('.'),
};

/** Values of every entity, several formats each; the property test seeds text with them. */
export const SEEDS: Record<PiiEntity, string[]> = {
  email: ['jane.doe@example.com', 'J.Smith+billing@mail.example.co.uk', 'ops_team-1@sub.example.org'],
  phone: ['+44 20 7946 0958', '+1 (415) 555-2671', '(415) 555-2671', '415-555-2671', '020 7946 0958', '+4915123456789', '06 12 34 56 78'],
  payment_card: ['4111 1111 1111 1111', '5555-5555-5555-4444', '378282246310005', '6011111111111117', '3782 822463 10005'],
  iban: ['DE89 3704 0044 0532 0130 00', 'GB82WEST12345698765432', 'FR14 2004 1010 0505 0001 3M02 606', 'NO93 8601 1117 947'],
  ip_address: ['203.0.113.42', '198.51.100.7', '2001:db8::8a2e:370:7334', 'fe80::1ff:fe23:4567:890a', '::ffff:192.0.2.128'],
  api_key: [SECRETS.openai, SECRETS.anthropic, SECRETS.aws, SECRETS.github, SECRETS.slack, SECRETS.google, SECRETS.stripe],
  jwt: [SECRETS.jwt],
  national_id: ['219-09-9999', 'AB 12 34 56 C', 'JG103759A', '12345678Z', 'X1234567L', '2341 2341 2346'],
};
