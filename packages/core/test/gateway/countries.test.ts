import { describe, expect, it } from 'vitest';
import {
  alpha2FromAlpha3,
  alpha2FromCountryId,
  countryFromAlpha2,
  normalizeCountryToAlpha2,
} from '../../src/countries.js';

describe('countries (ISO 3166-1 via i18n-iso-countries)', () => {
  it("gives the seed's countryId and alpha-3 for an alpha-2", () => {
    expect(countryFromAlpha2('CA')).toEqual({ countryId: 124, country: 'CAN' });
    expect(countryFromAlpha2('us')).toEqual({ countryId: 840, country: 'USA' });
    expect(countryFromAlpha2('DE')).toEqual({ countryId: 276, country: 'DEU' });
    expect(countryFromAlpha2('AD')).toEqual({ countryId: 20, country: 'AND' });
  });

  it('returns null for unknown or malformed input', () => {
    for (const input of ['XX', 'CAN', '', ' C', null, undefined, '12']) {
      expect(countryFromAlpha2(input as string)).toBeNull();
    }
  });

  it('maps numeric ids and alpha-3 back to alpha-2', () => {
    expect(alpha2FromCountryId(124)).toBe('CA');
    expect(alpha2FromCountryId(840)).toBe('US');
    expect(alpha2FromCountryId(20)).toBe('AD');
    expect(alpha2FromCountryId(999)).toBeNull();
    expect(alpha2FromCountryId(0)).toBeNull();
    expect(alpha2FromCountryId(1.5)).toBeNull();
    expect(alpha2FromAlpha3('can')).toBe('CA');
    expect(alpha2FromAlpha3('ZZZ')).toBeNull();
  });

  it('normalises free-text countries as gateways hold them', () => {
    expect(normalizeCountryToAlpha2('US')).toBe('US');
    expect(normalizeCountryToAlpha2(' usa ')).toBe('US');
    expect(normalizeCountryToAlpha2('United States')).toBe('US');
    expect(normalizeCountryToAlpha2('canada')).toBe('CA');
    expect(normalizeCountryToAlpha2('124')).toBe('CA');
    expect(normalizeCountryToAlpha2('XX')).toBeNull();
    expect(normalizeCountryToAlpha2('')).toBeNull();
  });

  it('round-trips every alpha-2 it knows', () => {
    for (const a2 of ['CA', 'US', 'GB', 'FR', 'JP', 'BR', 'ZA', 'AU', 'IN', 'MX']) {
      const c = countryFromAlpha2(a2)!;
      expect(alpha2FromCountryId(c.countryId)).toBe(a2);
      expect(alpha2FromAlpha3(c.country)).toBe(a2);
    }
  });
});
