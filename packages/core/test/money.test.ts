import { describe, expect, it } from 'vitest';
import { DomainError, fromMinorUnits, minorUnitsOf, toMinorUnits } from '../src/index.js';

describe('money: amounts through each currency minor units', () => {
  it('knows two-, zero- and three-decimal currencies', () => {
    expect(minorUnitsOf('USD')).toBe(2);
    expect(minorUnitsOf('usd')).toBe(2);
    expect(minorUnitsOf('JPY')).toBe(0);
    expect(minorUnitsOf('KWD')).toBe(3);
  });

  it('converts without a fixed ×100', () => {
    expect(toMinorUnits(25.5, 'USD')).toBe(2550);
    expect(toMinorUnits(0.29, 'EUR')).toBe(29); // 0.29 * 100 is 28.999… in floating point
    expect(toMinorUnits(500, 'JPY')).toBe(500);
    expect(toMinorUnits(1.234, 'KWD')).toBe(1234);
    expect(fromMinorUnits(500, 'JPY')).toBe(500);
    expect(fromMinorUnits(1234, 'KWD')).toBe(1.234);
  });

  it('refuses more decimals than the currency has, naming the field', () => {
    const err = (() => {
      try {
        toMinorUnits(10.5, 'JPY', 'paymentCollectOptions.collectionAmount');
      } catch (e) {
        return e as DomainError;
      }
    })();
    expect(err).toBeInstanceOf(DomainError);
    expect(err?.details.issues?.[0]?.path).toBe('paymentCollectOptions.collectionAmount');
    expect(() => toMinorUnits(1.005, 'USD')).toThrow(DomainError);
    expect(() => minorUnitsOf('not a currency')).toThrow(DomainError);
  });
});
