import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { expiresAt, isExpired, parseExpiry, systemClock, toYY } from '../../src/card/expiry.js';
import { type DomainError, isDomainError } from '../../src/errors.js';

function issuesOf(fn: () => unknown) {
  try {
    fn();
  } catch (e) {
    expect(isDomainError(e) && e.code).toBe('VALIDATION_FAILED');
    return (e as DomainError).details.issues ?? [];
  }
  expect.unreachable('expected a validation error');
}

describe('parseExpiry', () => {
  it('reads YY as 20YY and keeps YYYY', () => {
    expect(parseExpiry(11, 17)).toEqual({ month: 11, year4: 2017, yy: 17 });
    expect(parseExpiry(2, 23)).toEqual({ month: 2, year4: 2023, yy: 23 });
    expect(parseExpiry(1, 0)).toEqual({ month: 1, year4: 2000, yy: 0 });
    expect(parseExpiry(12, 99)).toEqual({ month: 12, year4: 2099, yy: 99 });
    expect(parseExpiry(10, 2030)).toEqual({ month: 10, year4: 2030, yy: 30 });
    expect(parseExpiry(10, 2000)).toEqual({ month: 10, year4: 2000, yy: 0 });
    expect(parseExpiry(10, 2099)).toEqual({ month: 10, year4: 2099, yy: 99 });
  });

  it('rejects months outside 1..12 and non-integers', () => {
    for (const m of [0, 13, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(
        issuesOf(() => parseExpiry(m, 27)),
        String(m),
      ).toEqual([{ path: 'expirationMonth', message: 'month must be an integer from 1 to 12' }]);
    }
  });

  it('rejects years that are neither YY nor 2000..2099', () => {
    for (const y of [-1, 100, 1999, 2100, 202, 26.5, Number.NaN]) {
      expect(
        issuesOf(() => parseExpiry(6, y)),
        String(y),
      ).toEqual([{ path: 'expirationYear', message: 'year must be YY (0 to 99) or YYYY (2000 to 2099)' }]);
    }
  });

  it('reports both fields at once, under the given prefix', () => {
    const issues = issuesOf(() => parseExpiry(13, 1999, 'card.'));
    expect(issues.map((i) => i.path)).toEqual(['card.expirationMonth', 'card.expirationYear']);
  });

  it('does not reject an expired date (that is the caller’s rule)', () => {
    expect(parseExpiry(1, 1).year4).toBe(2001);
  });

  it('property: YY and 20YY parse to the same expiry', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 0, max: 99 }), (m, yy) => {
        expect(parseExpiry(m, yy)).toEqual(parseExpiry(m, 2000 + yy));
        expect(parseExpiry(m, yy).yy).toBe(yy);
      }),
    );
  });

  it('toYY', () => {
    expect(toYY(2027)).toBe(27);
    expect(toYY(2000)).toBe(0);
    expect(toYY(2099)).toBe(99);
  });
});

describe('isExpired', () => {
  const feb2024 = parseExpiry(2, 24);
  const dec2025 = parseExpiry(12, 2025);

  it('is valid through the last millisecond of the expiry month (UTC)', () => {
    expect(isExpired(feb2024, new Date('2024-02-01T00:00:00.000Z'))).toBe(false);
    expect(isExpired(feb2024, new Date('2024-02-29T23:59:59.999Z'))).toBe(false); // leap day
    expect(isExpired(feb2024, new Date('2024-03-01T00:00:00.000Z'))).toBe(true);
    expect(isExpired(feb2024, new Date('2023-12-31T12:00:00.000Z'))).toBe(false);
  });

  it('rolls December over into January of the next year', () => {
    expect(isExpired(dec2025, new Date('2025-12-31T23:59:59.999Z'))).toBe(false);
    expect(isExpired(dec2025, new Date('2026-01-01T00:00:00.000Z'))).toBe(true);
    expect(expiresAt(dec2025).toISOString()).toBe('2026-01-01T00:00:00.000Z');
  });

  it('uses UTC whatever the offset the Date was written with', () => {
    // 2024-03-01T00:30 in UTC+01:00 is still February 29th in UTC.
    expect(isExpired(feb2024, new Date('2024-03-01T00:30:00+01:00'))).toBe(false);
    // 2024-02-29T20:00 in UTC-05:00 is already March 1st in UTC.
    expect(isExpired(feb2024, new Date('2024-02-29T20:00:00-05:00'))).toBe(true);
  });

  it('works with an injected clock', () => {
    const fixed = () => new Date('2026-11-30T23:59:59.999Z');
    expect(isExpired(parseExpiry(11, 26), fixed())).toBe(false);
    expect(isExpired(parseExpiry(10, 26), fixed())).toBe(true);
    const before = Date.now();
    const now = systemClock().getTime();
    expect(now).toBeGreaterThanOrEqual(before);
    expect(now - before).toBeLessThan(1000);
  });

  it('rejects an invalid Date rather than calling the card valid', () => {
    expect(() => isExpired(feb2024, new Date('nope'))).toThrow();
  });

  it('property: expired exactly when the UTC (year, month) of now is after the expiry month', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 2000, max: 2099 }),
        fc.date({
          min: new Date('1999-01-01T00:00:00Z'),
          max: new Date('2101-01-01T00:00:00Z'),
          noInvalidDate: true,
        }),
        (month, year, now) => {
          const expected = now.getUTCFullYear() * 12 + now.getUTCMonth() + 1 > year * 12 + month;
          expect(isExpired(parseExpiry(month, year), now)).toBe(expected);
        },
      ),
      { numRuns: 1000 },
    );
  });
});
