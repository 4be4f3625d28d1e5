import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { maskCardNumber, maskFromLast4, scrubCardNumbers, typicalPanLength } from '../../src/card/mask.js';
import { isDomainError } from '../../src/errors.js';
import { digits, luhnNumber, testCards } from './arbitraries.js';

describe('maskCardNumber', () => {
  it('masks as the seeds do', () => {
    expect(maskCardNumber('4242424242424242')).toBe('************4242');
    expect(maskCardNumber(testCards.amex)).toBe('***********0005');
    expect(maskCardNumber(testCards.amex)).toHaveLength(15);
    expect(maskCardNumber(testCards.diners14)).toBe('**********1667');
    expect(maskCardNumber(testCards.unionpay19)).toBe('***************0004');
  });

  it('ignores spaces and dashes in the input', () => {
    expect(maskCardNumber('4242 4242 4242 4242')).toBe('************4242');
    expect(maskCardNumber('4242-4242-4242-4242')).toBe('************4242');
  });

  it('masks everything when the input is not a 12–19 digit card number', () => {
    expect(maskCardNumber('1234')).toBe('****');
    expect(maskCardNumber('12345678901')).toBe('***********');
    expect(maskCardNumber('12345678901234567890')).toBe('********************');
    expect(maskCardNumber('4242x42424242424')).not.toMatch(/\d/);
    expect(maskCardNumber('')).toBe('');
  });

  it('property: same length, ends with the last 4, all other characters are *', () => {
    fc.assert(
      fc.property(digits(12, 19), (n) => {
        const m = maskCardNumber(n);
        expect(m).toHaveLength(n.length);
        expect(m.endsWith(n.slice(-4))).toBe(true);
        expect(m.slice(0, -4)).toBe('*'.repeat(n.length - 4));
        // no digit of the hidden part appears anywhere but in the last 4 positions
        expect(m.slice(0, -4)).not.toMatch(/\d/);
      }),
      { numRuns: 500 },
    );
  });

  it('property: never reveals more than 4 digits of anything', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 30 }), (s) => {
        expect((maskCardNumber(s).match(/\d/g) ?? []).length).toBeLessThanOrEqual(4);
      }),
    );
  });
});

describe('maskFromLast4', () => {
  it('builds a 16-digit mask by default and 15 for Amex', () => {
    expect(maskFromLast4('4242')).toBe('************4242');
    expect(maskFromLast4('0005', 15)).toBe('***********0005');
    expect(maskFromLast4('0005', typicalPanLength('AmericanExpress'))).toBe('***********0005');
    expect(typicalPanLength('Visa')).toBe(16);
    expect(typicalPanLength(null)).toBe(16);
  });

  it('rejects a last4 that is not 4 digits and lengths outside 12–19', () => {
    for (const bad of ['424', '42424', 'abcd', '']) {
      try {
        maskFromLast4(bad);
        expect.unreachable();
      } catch (e) {
        expect(isDomainError(e) && e.code).toBe('VALIDATION_FAILED');
      }
    }
    expect(() => maskFromLast4('4242', 11)).toThrow();
    expect(() => maskFromLast4('4242', 20)).toThrow();
    expect(() => maskFromLast4('4242', 15.5)).toThrow();
  });
});

/** `number` with its digits grouped by `sep` every `group` digits. */
const grouped = (number: string, sep: string, group: number) =>
  sep === '' ? number : (number.match(new RegExp(`.{1,${group}}`, 'g')) ?? []).join(sep);

describe('scrubCardNumbers', () => {
  it('masks plain, spaced and dashed card numbers, keeping the last 4 and the layout', () => {
    expect(scrubCardNumbers('card=4242424242424242;')).toBe('card=************4242;');
    expect(scrubCardNumbers('pan 4242 4242 4242 4242 end')).toBe('pan **** **** **** 4242 end');
    expect(scrubCardNumbers('pan 4242-4242-4242-4242')).toBe('pan ****-****-****-4242');
    expect(scrubCardNumbers('amex 3782 822463 10005')).toBe('amex **** ****** *0005');
    expect(scrubCardNumbers('{"cardNumber":"5555555555554444"}')).toBe('{"cardNumber":"************4444"}');
  });

  it('masks a card number glued to other digits', () => {
    const out = scrubCardNumbers('ref 7 4242424242424242 99');
    expect(out).not.toContain('4242424242424242');
    expect(out).toHaveLength('ref 7 4242424242424242 99'.length);
  });

  it('leaves text without Luhn-valid 12–19 digit runs alone', () => {
    const text = 'order 12345 at 2026-11-22T10:00:00Z cost 4242 cents; ts 1732270000002';
    expect(scrubCardNumbers(text)).toBe(text);
    expect(scrubCardNumbers('')).toBe('');
    expect(scrubCardNumbers('42424242424')).toBe('42424242424');
    // two spaces end a run
    expect(scrubCardNumbers('424242  4242424242')).toBe('424242  4242424242');
  });

  it('over-masks by design: any Luhn-valid 12–19 digit window of a longer run is masked', () => {
    // 4242424242424241 fails Luhn as a whole, but its first 15 digits pass: a card glued to
    // other digits looks exactly like this, so the scrubber masks it (documented trade-off).
    expect(scrubCardNumbers('id 4242424242424241')).toBe('id ***********24241');
  });

  it('keeps non-BMP characters intact around a masked number', () => {
    expect(scrubCardNumbers('💳 4242424242424242 ✓')).toBe('💳 ************4242 ✓');
  });

  it('property: a Luhn-valid number embedded in random text never survives', () => {
    const noise = fc.string({
      unit: fc.constantFrom(...'abcxyz ', '-', ' ', '\n', '"', ':', '0', '1', '5', '9', 'é', '💳'),
      maxLength: 40,
    });
    fc.assert(
      fc.property(
        noise,
        luhnNumber,
        fc.constantFrom('', ' ', '-'),
        fc.integer({ min: 3, max: 6 }),
        noise,
        (before, number, sep, group, after) => {
          const shown = grouped(number, sep, group);
          const text = before + shown + after;
          const out = scrubCardNumbers(text);
          expect(out).not.toContain(number);
          expect(out).not.toContain(shown);
          expect(out).toHaveLength(text.length);
          // only digits are ever replaced
          for (let i = 0; i < text.length; i++) {
            if (out[i] !== text[i]) {
              expect(text[i]).toMatch(/\d/);
              expect(out[i]).toBe('*');
            }
          }
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('property: text without digits is unchanged', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (s) => {
        const text = s.replace(/\d/g, '');
        expect(scrubCardNumbers(text)).toBe(text);
      }),
    );
  });
});
