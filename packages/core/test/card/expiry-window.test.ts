import { describe, expect, it } from 'vitest';
import { lastValidDay } from '../../src/card/expiry.js';
import { expiryCutoff, isoDate, lastExpiryMonthBy, parseExpiryWindow } from '../../src/card/expiry-window.js';
import { expiringPaymentMethodsInput } from '../../src/payment-method/expiring-schemas.js';

const at = (iso: string) => new Date(iso);
const cutoff = (within: Parameters<typeof expiryCutoff>[0], now: string) =>
  isoDate(expiryCutoff(within, at(now)));

describe('parseExpiryWindow', () => {
  it('reads days, weeks, months and years, and a bare number as days', () => {
    expect(parseExpiryWindow('30d')).toEqual({ ok: true, window: { amount: 30, unit: 'd' } });
    expect(parseExpiryWindow('12w')).toEqual({ ok: true, window: { amount: 12, unit: 'w' } });
    expect(parseExpiryWindow('3m')).toEqual({ ok: true, window: { amount: 3, unit: 'm' } });
    expect(parseExpiryWindow(' 2 Y ')).toEqual({ ok: true, window: { amount: 2, unit: 'y' } });
    expect(parseExpiryWindow('90')).toEqual({ ok: true, window: { amount: 90, unit: 'd' } });
    expect(parseExpiryWindow(90)).toEqual({ ok: true, window: { amount: 90, unit: 'd' } });
    expect(parseExpiryWindow(0)).toEqual({ ok: true, window: { amount: 0, unit: 'd' } });
  });

  it('allows five years at most, in every unit', () => {
    for (const ok of ['1826d', '260w', '60m', '5y', 1826])
      expect(parseExpiryWindow(ok).ok, String(ok)).toBe(true);
    // The message never repeats the value (a card number typed into the wrong field).
    for (const tooLong of ['1827d', '261w', '61m', '6y', 1827, '9999999999', '4242424242424242d']) {
      expect(parseExpiryWindow(tooLong), String(tooLong)).toEqual({
        ok: false,
        message: 'must be at most 5 years (1826d, 260w, 60m or 5y)',
      });
    }
  });

  it('refuses anything else, without repeating it', () => {
    for (const bad of [
      '',
      '60x',
      'd',
      '-5d',
      '1.5m',
      '60 days',
      '3mo',
      '4242 4242 4242 4242',
      -1,
      1.5,
      Number.NaN,
    ]) {
      const parsed = parseExpiryWindow(bad);
      expect(parsed.ok, String(bad)).toBe(false);
      if (!parsed.ok) {
        expect(parsed.message).toMatch(/^must be a duration like 30d, 12w, 3m or 1y/);
        expect(parsed.message).not.toContain('4242');
      }
    }
  });
});

describe('expiryCutoff', () => {
  it('adds days and weeks to the UTC date', () => {
    expect(cutoff('60d', '2026-11-15T10:00:00Z')).toBe('2027-01-14');
    expect(cutoff('0d', '2026-11-15T23:59:59Z')).toBe('2026-11-15');
    expect(cutoff('2w', '2026-12-25T00:00:00Z')).toBe('2027-01-08');
  });

  it('adds calendar months and years, clamped to the end of the target month', () => {
    expect(cutoff('1m', '2027-01-31T12:00:00Z')).toBe('2027-02-28');
    expect(cutoff('1m', '2028-01-31T12:00:00Z')).toBe('2028-02-29');
    expect(cutoff('3m', '2026-11-30T00:00:00Z')).toBe('2027-02-28');
    expect(cutoff('1y', '2028-02-29T00:00:00Z')).toBe('2029-02-28');
    expect(cutoff('12m', '2026-11-15T00:00:00Z')).toBe('2027-11-15');
  });

  it('accepts the canonical text the input schema produces', () => {
    expect(cutoff({ amount: 60, unit: 'd' }, '2026-11-15T10:00:00Z')).toBe(
      cutoff('60d', '2026-11-15T10:00:00Z'),
    );
  });
});

describe('lastExpiryMonthBy', () => {
  it("is the cutoff's month on its last day, else the month before", () => {
    expect(lastExpiryMonthBy(at('2027-01-31T00:00:00Z'))).toEqual({ year4: 2027, month: 1 });
    expect(lastExpiryMonthBy(at('2027-01-30T00:00:00Z'))).toEqual({ year4: 2026, month: 12 });
    expect(lastExpiryMonthBy(at('2028-02-29T00:00:00Z'))).toEqual({ year4: 2028, month: 2 });
    expect(lastExpiryMonthBy(at('2027-02-28T00:00:00Z'))).toEqual({ year4: 2027, month: 2 });
  });

  it('agrees with lastValidDay: a month is included exactly when its last day is on or before the cutoff', () => {
    const start = Date.UTC(2026, 0, 1);
    for (let day = 0; day < 800; day += 1) {
      const c = new Date(start + day * 86_400_000);
      const { year4, month } = lastExpiryMonthBy(c);
      expect(lastValidDay({ year4, month }).getTime()).toBeLessThanOrEqual(c.getTime());
      const next = month === 12 ? { year4: year4 + 1, month: 1 } : { year4, month: month + 1 };
      expect(lastValidDay(next).getTime()).toBeGreaterThan(c.getTime());
    }
  });
});

describe('expiringPaymentMethodsInput', () => {
  it('turns `within` into its canonical text, which parses again to itself', () => {
    const parsed = expiringPaymentMethodsInput.parse({ within: 90 });
    expect(parsed).toEqual({ within: '90d', limit: 10 });
    expect(expiringPaymentMethodsInput.parse(parsed)).toEqual(parsed);
    expect(expiringPaymentMethodsInput.parse({ within: ' 3M ' }).within).toBe('3m');
  });

  it('names `within` in every refusal', () => {
    for (const within of [undefined, true, null, '60x', '6y', -3]) {
      const result = expiringPaymentMethodsInput.safeParse({ within });
      expect(result.success, String(within)).toBe(false);
      expect(result.error?.issues.map((i) => i.path)).toEqual([['within']]);
    }
    const missing = expiringPaymentMethodsInput.safeParse({});
    expect(missing.error?.issues[0]?.message).toMatch(/^required: a duration like 30d/);
  });
});
