import fc from 'fast-check';
import { luhnCheckDigit } from '../../src/card/luhn.js';

/** A string of `min`..`max` random digits. */
export const digits = (min: number, max: number): fc.Arbitrary<string> =>
  fc.array(fc.integer({ min: 0, max: 9 }), { minLength: min, maxLength: max }).map((a) => a.join(''));

/** An integer range as a digit-string prefix arbitrary, zero-padded to `width`. */
export const rangePrefix = (min: number, max: number, width = String(min).length): fc.Arbitrary<string> =>
  fc.integer({ min, max }).map((n) => String(n).padStart(width, '0'));

/** A Luhn-valid card number: one of `prefixes`, random digits up to one of `lengths` - 1, then the check digit. */
export const cardNumberFrom = (
  prefixes: fc.Arbitrary<string>,
  lengths: readonly number[],
): fc.Arbitrary<string> =>
  fc.tuple(prefixes, fc.constantFrom(...lengths), digits(19, 19)).map(([prefix, length, fill]) => {
    const body = (prefix + fill).slice(0, length - 1);
    return body + luhnCheckDigit(body);
  });

/** Luhn-valid 16-digit Visa numbers. */
export const visaNumber: fc.Arbitrary<string> = cardNumberFrom(fc.constant('4'), [16]);

/** Any Luhn-valid 12–19 digit number (brand not considered). */
export const luhnNumber: fc.Arbitrary<string> = fc
  .tuple(fc.integer({ min: 12, max: 19 }), digits(19, 19))
  .map(([length, fill]) => {
    const body = fill.slice(0, length - 1);
    return body + luhnCheckDigit(body);
  });

/** Card numbers from Stripe's test card table (https://docs.stripe.com/testing) plus a Maestro test number. */
export const testCards = {
  visa: '4242424242424242',
  visaDebit: '4000056655665556',
  mastercard: '5555555555554444',
  mastercard2Series: '2223003122003222',
  mastercardDebit: '5200828282828210',
  mastercardPrepaid: '5105105105105100',
  amex: '378282246310005',
  amex2: '371449635398431',
  discover: '6011111111111117',
  discover2: '6011000990139424',
  discoverDebit: '6011981111111113',
  diners: '3056930009020004',
  diners14: '36227206271667',
  jcb: '3566002020360505',
  unionpay: '6200000000000005',
  unionpayDebit: '6200000000000047',
  unionpay19: '6205500000000000004',
  maestro: '6759649826438453',
} as const;
