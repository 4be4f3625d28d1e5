import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isLuhnValid, luhnCheckDigit } from '../../src/card/luhn.js';
import { isDomainError } from '../../src/errors.js';
import { digits, testCards } from './arbitraries.js';

describe('Luhn', () => {
  it('accepts known valid numbers and rejects known invalid ones', () => {
    expect(isLuhnValid('79927398713')).toBe(true);
    expect(isLuhnValid('79927398710')).toBe(false);
    for (const n of Object.values(testCards)) expect(isLuhnValid(n), n.slice(-4)).toBe(true);
    expect(isLuhnValid('4242424242424241')).toBe(false);
    expect(isLuhnValid('0')).toBe(true);
  });

  it('rejects empty and non-digit input instead of ignoring characters', () => {
    expect(isLuhnValid('')).toBe(false);
    expect(isLuhnValid('4242 4242 4242 4242')).toBe(false);
    expect(isLuhnValid('4242-4242-4242-4242')).toBe(false);
    expect(isLuhnValid('42424242424242a2')).toBe(false);
    expect(isLuhnValid('٤٢٤٢')).toBe(false); // non-ASCII digits
  });

  it('luhnCheckDigit computes the documented examples', () => {
    expect(luhnCheckDigit('7992739871')).toBe('3');
    expect(luhnCheckDigit('424242424242424')).toBe('2');
    expect(luhnCheckDigit('37828224631000')).toBe('5');
  });

  it('luhnCheckDigit rejects non-digits without echoing them', () => {
    for (const bad of ['', '12a4', '4242 4242']) {
      try {
        luhnCheckDigit(bad);
        expect.unreachable();
      } catch (e) {
        expect(isDomainError(e) && e.code).toBe('INTERNAL');
        if (bad) expect((e as Error).message).not.toContain(bad);
      }
    }
  });

  it('property: a number with its check digit appended is valid', () => {
    fc.assert(
      fc.property(digits(1, 30), (partial) => {
        const d = luhnCheckDigit(partial);
        expect(d).toMatch(/^\d$/);
        expect(isLuhnValid(partial + d)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('property: exactly one check digit makes a partial number valid', () => {
    fc.assert(
      fc.property(digits(1, 19), (partial) => {
        const valid = [...'0123456789'].filter((d) => isLuhnValid(partial + d));
        expect(valid).toEqual([luhnCheckDigit(partial)]);
      }),
    );
  });

  it('property: changing any one digit of a valid number makes it invalid', () => {
    fc.assert(
      fc.property(digits(11, 18), fc.nat(), fc.integer({ min: 1, max: 9 }), (partial, where, delta) => {
        const valid = partial + luhnCheckDigit(partial);
        const i = where % valid.length;
        const changed = String((Number(valid[i]) + delta) % 10);
        const mutated = valid.slice(0, i) + changed + valid.slice(i + 1);
        expect(mutated).not.toBe(valid);
        expect(isLuhnValid(mutated)).toBe(false);
      }),
      { numRuns: 1000 },
    );
  });
});
