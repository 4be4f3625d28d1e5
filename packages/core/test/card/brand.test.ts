import creditCardType from 'credit-card-type';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  type CardType,
  cardTypeInfo,
  cardTypes,
  detectCardType,
  isCardType,
  matchCardType,
} from '../../src/card/brand.js';
import { luhnCheckDigit } from '../../src/card/luhn.js';
import { cardNumberFrom, rangePrefix, testCards } from './arbitraries.js';

/**
 * Prefix ranges per brand (the networks' published IIN ranges) and the lengths each brand
 * issues. BINs of other networks inside these ranges (Elo, Naranja, Troy…) count as the
 * enclosing brand, so no exclusions are needed.
 */
const brandSpecs: Record<CardType, { prefixes: fc.Arbitrary<string>; lengths: number[] }> = {
  Visa: { prefixes: fc.constant('4'), lengths: [16, 18, 19] },
  MasterCard: {
    prefixes: fc.oneof(rangePrefix(51, 55), rangePrefix(2221, 2720)),
    lengths: [16],
  },
  AmericanExpress: { prefixes: fc.constantFrom('34', '37'), lengths: [15] },
  Discover: {
    prefixes: fc.oneof(
      fc.constant('6011'),
      rangePrefix(644, 649),
      fc.constant('65'), // includes Troy and Elo BINs
    ),
    lengths: [16, 19],
  },
  DinersClub: {
    prefixes: fc.oneof(rangePrefix(300, 305), fc.constantFrom('36', '38', '39')),
    lengths: [14, 16, 19],
  },
  JCB: { prefixes: rangePrefix(3528, 3589), lengths: [16, 17, 18, 19] },
  UnionPay: {
    prefixes: fc.oneof(fc.constant('620'), rangePrefix(623, 626), rangePrefix(8110, 8171)),
    lengths: [14, 15, 16, 17, 18, 19],
  },
  Maestro: {
    prefixes: fc.oneof(
      rangePrefix(56, 59),
      rangePrefix(602, 609),
      fc.constantFrom('63', '67'),
      rangePrefix(500000, 504174),
    ),
    lengths: [12, 13, 14, 15, 16, 17, 18, 19],
  },
};

describe('card brands', () => {
  it('cardTypes is the tuple of our brands and works as a zod enum', () => {
    expect(cardTypes).toEqual([
      'Visa',
      'MasterCard',
      'AmericanExpress',
      'Discover',
      'DinersClub',
      'JCB',
      'UnionPay',
      'Maestro',
    ]);
    const schema = z.enum(cardTypes);
    expect(schema.parse('AmericanExpress')).toBe('AmericanExpress');
    expect(schema.safeParse('Amex').success).toBe(false);
    expect(isCardType('Visa')).toBe(true);
    expect(isCardType('visa')).toBe(false);
  });

  it('detects the brands of Stripe test cards', () => {
    const expected: Record<keyof typeof testCards, CardType> = {
      visa: 'Visa',
      visaDebit: 'Visa',
      mastercard: 'MasterCard',
      mastercard2Series: 'MasterCard',
      mastercardDebit: 'MasterCard',
      mastercardPrepaid: 'MasterCard',
      amex: 'AmericanExpress',
      amex2: 'AmericanExpress',
      discover: 'Discover',
      discover2: 'Discover',
      discoverDebit: 'Discover',
      diners: 'DinersClub',
      diners14: 'DinersClub',
      jcb: 'JCB',
      unionpay: 'UnionPay',
      unionpayDebit: 'UnionPay',
      unionpay19: 'UnionPay',
      maestro: 'Maestro',
    };
    for (const [name, number] of Object.entries(testCards)) {
      expect(detectCardType(number), name).toBe(expected[name as keyof typeof testCards]);
    }
  });

  it('Mastercard covers 2221–2720 and 51–55, and nothing just outside', () => {
    const make = (prefix: string) => {
      const body = prefix.padEnd(15, '0');
      return body + luhnCheckDigit(body);
    };
    for (const p of ['2221', '2229', '2230', '2299', '2300', '2699', '2700', '2719', '2720', '51', '55']) {
      expect(detectCardType(make(p)), p).toBe('MasterCard');
    }
    for (const p of ['2220', '2721', '50', '2800']) expect(detectCardType(make(p)), p).not.toBe('MasterCard');
  });

  it('takes the most specific prefix when several brands claim a number', () => {
    const make = (prefix: string, length = 16) => {
      const body = prefix.padEnd(length - 1, '0');
      return body + luhnCheckDigit(body);
    };
    // Maestro's table claims every 6…; Discover, UnionPay are more specific.
    expect(detectCardType(make('6011'))).toBe('Discover');
    expect(detectCardType(make('65'))).toBe('Discover');
    expect(detectCardType(make('62'))).toBe('UnionPay');
    expect(detectCardType(make('60'))).toBe('Maestro');
  });

  it('counts BINs of networks we do not support inside our ranges as the enclosing brand', () => {
    const make = (prefix: string, length = 16) => {
      const body = prefix.padEnd(length - 1, '0');
      return body + luhnCheckDigit(body);
    };
    expect(detectCardType(make('401178'))).toBe('Visa'); // Elo
    expect(detectCardType(make('402918'))).toBe('Visa'); // Naranja
    expect(detectCardType(make('527572'))).toBe('MasterCard'); // Naranja
    expect(detectCardType(make('650052'))).toBe('Discover'); // Troy
    expect(detectCardType(make('655000', 19))).toBe('Discover'); // Elo, 19 digits is a Discover length
    expect(detectCardType(make('606282'))).toBe('Maestro'); // Hipercard, inside Maestro's 6…
    expect(detectCardType(make('493698'))).toBe('Maestro'); // the table's Maestro BIN inside Visa's 4…
    // …but networks outside all our ranges are unknown.
    expect(matchCardType(make('2200'))).toEqual({ kind: 'unknown' }); // Mir
    expect(matchCardType(make('9792'))).toEqual({ kind: 'unknown' }); // Troy
    expect(matchCardType(make('1234'))).toEqual({ kind: 'unknown' });
  });

  it('checks the length against the brand', () => {
    const make = (prefix: string, length: number) => {
      const body = prefix.padEnd(length - 1, '0');
      return body + luhnCheckDigit(body);
    };
    expect(detectCardType(make('37', 15))).toBe('AmericanExpress');
    expect(matchCardType(make('37', 16))).toEqual({ kind: 'bad-length', type: 'AmericanExpress' });
    expect(detectCardType(make('5555', 19))).toBeNull();
    expect(detectCardType(make('4', 17))).toBeNull();
    expect(detectCardType(make('4', 16))).toBe('Visa');
  });

  it('returns null for partial or non-digit input', () => {
    expect(detectCardType('')).toBeNull();
    expect(detectCardType('4')).toBeNull();
    expect(detectCardType('4242 4242 4242 4242')).toBeNull();
    expect(detectCardType('9999999999999995')).toBeNull();
  });

  for (const type of cardTypes) {
    it(`property: numbers from ${type} prefix ranges and lengths are detected as ${type}`, () => {
      const spec = brandSpecs[type];
      fc.assert(
        fc.property(cardNumberFrom(spec.prefixes, spec.lengths), (number) => {
          // credit-card-type's table gives this one BIN inside Visa's 4… to Maestro (ours too).
          fc.pre(!number.startsWith('493698'));
          expect(detectCardType(number)).toBe(type);
          expect(cardTypeInfo(type).lengths).toContain(number.length);
        }),
        { numRuns: 300 },
      );
    });
  }

  it('cardTypeInfo gives CVV sizes: 4 for Amex, 3 otherwise', () => {
    for (const type of cardTypes) {
      expect(cardTypeInfo(type).cvvLength, type).toBe(type === 'AmericanExpress' ? 4 : 3);
    }
    expect(cardTypeInfo('AmericanExpress').lengths).toEqual([15]);
  });
});

describe('matchCardType answers per prefix and length', () => {
  it('looks at no more leading digits than it keeps answers by: the table has no longer pattern', () => {
    let widest = 0;
    for (const type of Object.values(creditCardType.types)) {
      for (const pattern of creditCardType.getTypeInfo(type).patterns) {
        widest = Math.max(widest, String(Array.isArray(pattern) ? pattern[0] : pattern).length);
      }
    }
    expect(widest).toBeLessThanOrEqual(8);
  });

  it('gives a number the answer of its first classification, and numbers of another length theirs', () => {
    expect(matchCardType('4111111111111111')).toEqual({ kind: 'ok', type: 'Visa' });
    expect(matchCardType('4111111111111111')).toEqual({ kind: 'ok', type: 'Visa' });
    expect(matchCardType('41111111111111')).toEqual({ kind: 'bad-length', type: 'Visa' });
    expect(matchCardType('5555555555554444')).toEqual({ kind: 'ok', type: 'MasterCard' });
  });
});
