import { describe, expect, it } from 'vitest';
import { findPii, type PiiEntity } from '@sentinel/privacy';
import { SECRETS, SEEDS } from './fixtures.js';

/** What findPii reports, as "entity:value". */
function found(text: string): string[] {
  return findPii(text).map((m) => `${m.entity}:${text.slice(m.start, m.end)}`);
}

/** Each value is found, whole, as `entity`, in a sentence and on its own. */
function expectFound(entity: PiiEntity, values: string[]): void {
  for (const v of values) {
    expect(found(v), v).toEqual([`${entity}:${v}`]);
    expect(found(`see (${v}), then`), v).toEqual([`${entity}:${v}`]);
  }
}

function expectNothing(values: string[]): void {
  for (const v of values) expect(found(`value ${v} here`), v).toEqual([]);
}

describe('email', () => {
  it('finds addresses with dots, plus tags, subdomains and punycode', () => {
    expectFound('email', [...SEEDS.email, 'USER@EXAMPLE.COM', 'x@xn--bcher-kva.example']);
    expect(found('mailto:jane@example.com.')).toEqual(['email:jane@example.com']);
    expect(found('...jane@example.com')).toEqual(['email:jane@example.com']);
  });

  it('leaves code and file names alone', () => {
    expectNothing(['a@b', 'user@localhost', 'icon@2x.png', 'lodash@4.17.21', '@types/node@20.1.0', '@decorator', 'x@y.z', 'a..b@example.com', 'me@-bad-.com']);
  });
});

describe('phone', () => {
  it('finds international and national formats', () => {
    expectFound('phone', [...SEEDS.phone, '+33 1 23 45 67 89', '+1-415-555-2671', '+1.415.555.2671', '(+49) 30 123456', '1-800-555-0199', '415.555.2671', '07700 900123', '(020) 7946 0958']);
  });

  it('cuts a number that runs into the next one back to the phone number', () => {
    expect(found('call 020 7946 0958 24 hours a day')).toEqual(['phone:020 7946 0958']);
    expect(found('call +44 20 7946 0958 or not')).toEqual(['phone:+44 20 7946 0958']);
  });

  it('leaves ordinary numbers alone', () => {
    expectNothing([
      '12345678', // token count
      '1,234,567', // count with separators
      '2024', // year
      '$1,299.99', // price
      '19.99 24.99 39.99', // prices
      '10.0.1', // version
      '2025-06-01T12:00:00Z', // timestamp
      '2025-06-01 12:00:00.123', // timestamp
      '1717243200', // epoch seconds
      '1717243200000', // epoch milliseconds
      '550e8400-e29b-41d4-a716-446655440000', // UUID
      '12345678-1234-1234-1234-123456789012', // UUID of digits only
      '978-3-16-148410-0', // ISBN
      '01.02.2024', // date
      '3.14159265358979', // decimal
      '+12345678', // signed count
      'x+1234567890', // arithmetic
      '+100.00 200.00 300.00', // list of prices
      '555-1234', // seven digits: too short to tell
      '4111 1111 1111 1111', // a card, found as a card below
    ].filter((v) => v !== '4111 1111 1111 1111'));
    expect(found('4111 1111 1111 1111')).toEqual(['payment_card:4111 1111 1111 1111']);
  });

  it('does not take digit groups inside a longer grouped number for a phone number', () => {
    expectNothing(['DE89 3704 0044 0532 0130 01', '0044 0532 0130 01 77']);
  });
});

describe('payment_card', () => {
  it('finds Luhn-valid numbers of every major network, grouped or not', () => {
    expectFound('payment_card', [
      ...SEEDS.payment_card,
      '4111-1111-1111-1111',
      '4222222222222', // Visa, 13 digits
      '2223 0031 2200 3222', // Mastercard 2-series
      '3530 1113 3330 0000', // JCB
      '3056 930902 5904', // Diners, 14 digits
      '6200 0000 0000 0005', // UnionPay
      '5105105105105100',
    ]);
  });

  it('falls back to the card when neighbouring numbers run into it', () => {
    expect(found('42 4111 1111 1111 1111')).toEqual(['payment_card:4111 1111 1111 1111']);
    expect(found('4111 1111 1111 1111 12/27')).toEqual(['payment_card:4111 1111 1111 1111']);
  });

  it('rejects Luhn failures, unknown issuers, odd grouping and longer digit runs', () => {
    expectNothing([
      '4111 1111 1111 1112', // Luhn fails (and is not a national id either)
      '4111111111111112',
      '1234567890123452', // Luhn-valid, no network starts with 1
      '9111111111111111',
      '4111 1111-1111 1111', // mixed separators
      '4 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1', // small numbers
      '41111111111111111111', // 20 digits
      '1.4111111111111111', // part of a decimal
      '378282246310005-2', // dashed id
    ]);
  });
});

describe('iban', () => {
  it('finds mod-97-valid IBANs with or without spaces', () => {
    expectFound('iban', [...SEEDS.iban, 'DE89370400440532013000', 'GB82 WEST 1234 5698 7654 32', 'NL91ABNA0417164300', 'BE68 5390 0754 7034', 'CH93 0076 2011 6238 5295 7', 'de89 3704 0044 0532 0130 00']);
    expect(found('IBAN DE89 3704 0044 0532 0130 00 100 EUR')).toEqual(['iban:DE89 3704 0044 0532 0130 00']);
  });

  it('rejects bad checksums, wrong lengths and unknown countries', () => {
    expectNothing(['DE89 3704 0044 0532 0130 01', 'GB82WEST12345698765433', 'DE89 3704 0044 0532 0130', 'DE89370400440532013000X', 'QQ89 3704 0044 0532 0130 00']);
  });
});

describe('ip_address', () => {
  it('finds IPv4 and IPv6 addresses, compressed and IPv4-mapped', () => {
    expectFound('ip_address', [...SEEDS.ip_address, '10.0.0.1', '192.168.1.254', '81.2.69.160', '2001:0db8:85a3:0000:0000:8a2e:0370:7334', 'fe80::1', '2606:4700::1111']);
    expect(found('from 203.0.113.42:8443.')).toEqual(['ip_address:203.0.113.42']);
    expect(found('at 2001:db8::1: timeout')).toEqual(['ip_address:2001:db8::1']);
  });

  it('treats a four-part number of valid octets as an address unless it is glued to a word', () => {
    // Decision: 10.0.1.2 may be a version, but leaking an address costs more than masking a version.
    expect(found('version 10.0.1.2')).toEqual(['ip_address:10.0.1.2']);
    expectNothing(['v10.0.1.2', 'V10.0.1.2']);
    expect(found('10.0.0.1-10.0.0.255')).toEqual(['ip_address:10.0.0.1', 'ip_address:10.0.0.255']);
  });

  it('leaves versions, times, scopes and non-identifying addresses alone', () => {
    expectNothing([
      '1.2.3',
      '10.0.1',
      '1.2.3.4.5',
      '256.1.1.1',
      '01.02.03.04',
      '1.2.3.4', // four single digits: section numbers and versions
      '7.6.1.1',
      '127.0.0.1',
      '0.0.0.0',
      '255.255.255.0',
      '::1',
      '::',
      '::ffff:127.0.0.1',
      '10:30:00',
      '12:00:00.123',
      'std::vector',
      'a::b',
      'de:ad:be:ef',
      '00:1a:2b:3c:4d:5e', // MAC address
      '1:2:3:4:5:6:7:8:9',
      '2001:db8::1::2',
    ]);
  });
});

describe('api_key', () => {
  it('finds provider keys', () => {
    expectFound('api_key', [
      SECRETS.openai,
      SECRETS.openaiLegacy,
      SECRETS.anthropic,
      SECRETS.aws,
      SECRETS.awsSession,
      SECRETS.github,
      SECRETS.githubPat,
      SECRETS.slack,
      SECRETS.google,
      SECRETS.stripe,
      SECRETS.stripeRestricted,
    ]);
  });

  it('replaces the token of a Bearer header and keeps the word', () => {
    expect(found(`Authorization: Bearer ${SECRETS.bearerToken}`)).toEqual([`api_key:${SECRETS.bearerToken}`]);
  });

  it('leaves slugs, placeholders and look-alikes alone', () => {
    expectNothing([
      'sk-learn-something-very-long-name',
      'task-sk-' + 'a1b2c3d4e5f6g7h8i9j0k1l2',
      'Bearer YOUR_ACCESS_TOKEN_GOES_HERE',
      'Bearer authentication',
      'AKIA' + 'IOSFODNN7EXAMPLEX', // 17 characters after the prefix
      'ghp_short',
    ]);
  });
});

describe('jwt', () => {
  it('finds a JWT, also behind Bearer, as one jwt rather than an api_key', () => {
    expectFound('jwt', [SECRETS.jwt]);
    expect(found(`Authorization: Bearer ${SECRETS.jwt}`)).toEqual([`jwt:${SECRETS.jwt}`]);
    const unsigned = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from('{"sub":"1"}').toString('base64url')}.`;
    expect(found(unsigned)).toEqual([`jwt:${unsigned}`]);
  });

  it('requires a header that decodes to JSON with alg', () => {
    const noAlg = `${Buffer.from('{"typ":"JWT"}').toString('base64url')}.eyJzdWIiOiIxIn0.c2ln`;
    expectNothing([noAlg, 'eyJhbGciOiJIUzI1NiJ9', 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0', 'eyJub3QganNvbg.eyJzdWIiOiIxIn0.c2ln']);
  });
});

describe('national_id', () => {
  it('finds US SSNs, UK NINOs, Spanish DNI/NIE and Aadhaar with valid check digits', () => {
    expectFound('national_id', [...SEEDS.national_id, '123-45-6789', 'AB123456C', '87654321X', 'Y7654321G', '12345678-Z', '4987 6543 2102', '7345-6789-0125']);
  });

  it('rejects never-issued SSNs, invalid NINO prefixes and bad check digits', () => {
    expectNothing([
      '000-12-3456',
      '666-12-3456',
      '912-34-5678',
      '123-00-4567',
      '123-45-0000',
      '123456789', // bare digits: too often something else
      '123-45-6789-0',
      'QQ123456C', // Q is never a first letter
      'GB123456A', // excluded prefix
      'AB123456E', // suffix beyond D
      'ab123456c',
      '12345678A', // DNI letter should be Z
      'X1234567A',
      '2341 2341 2347', // Verhoeff fails
      '234123412346', // Aadhaar without grouping
      '1341 2341 2346', // Aadhaar never starts with 0 or 1
    ]);
  });
});

describe('overlaps', () => {
  it('resolves to the longest match, and the more specific entity on a tie', () => {
    expect(found('4111111111111111@example.com')).toEqual(['email:4111111111111111@example.com']);
    expect(found('DE89 3704 0044 0532 0130 00')).toEqual(['iban:DE89 3704 0044 0532 0130 00']);
    expect(found('+1 415 555 2671')).toEqual(['phone:+1 415 555 2671']);
  });

  it('reports several entities in one text in order', () => {
    const text = `Jane (jane@example.com, +44 20 7946 0958) paid with 4111 1111 1111 1111 from 203.0.113.42 using ${SECRETS.aws}; SSN 219-09-9999.`;
    expect(found(text)).toEqual([
      'email:jane@example.com',
      'phone:+44 20 7946 0958',
      'payment_card:4111 1111 1111 1111',
      'ip_address:203.0.113.42',
      `api_key:${SECRETS.aws}`,
      'national_id:219-09-9999',
    ]);
  });

  it('detects only the requested entities', () => {
    const text = 'jane@example.com 203.0.113.42';
    expect(findPii(text, new Set(['ip_address'])).map((m) => m.entity)).toEqual(['ip_address']);
  });
});
