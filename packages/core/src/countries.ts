import countries from 'i18n-iso-countries';

/**
 * ISO 3166-1 country codes, from the `i18n-iso-countries` table (house rule 8, docs/architecture.md).
 *
 * The seeds carry a country as `countryId` (ISO 3166-1 numeric, e.g. 124) plus `country`
 * (alpha-3, e.g. "CAN"); gateways speak alpha-2 ("CA"). These helpers convert between them.
 */

export interface SeedCountry {
  /** ISO 3166-1 numeric code, e.g. 124 for Canada. */
  countryId: number;
  /** ISO 3166-1 alpha-3 code, e.g. 'CAN'. */
  country: string;
}

const ALPHA2 = /^[A-Za-z]{2}$/;
const ALPHA3 = /^[A-Za-z]{3}$/;

/** `'CA'` → `{ countryId: 124, country: 'CAN' }`; unknown or malformed input → null. Case-insensitive. */
export function countryFromAlpha2(alpha2: string | null | undefined): SeedCountry | null {
  if (typeof alpha2 !== 'string' || !ALPHA2.test(alpha2)) return null;
  const a2 = alpha2.toUpperCase();
  const numeric = countries.alpha2ToNumeric(a2);
  const alpha3 = countries.alpha2ToAlpha3(a2);
  if (numeric === undefined || alpha3 === undefined) return null;
  return { countryId: Number.parseInt(numeric, 10), country: alpha3 };
}

/** `124` → `'CA'`; unknown id → null. */
export function alpha2FromCountryId(countryId: number | null | undefined): string | null {
  if (typeof countryId !== 'number' || !Number.isInteger(countryId) || countryId <= 0 || countryId > 999) {
    return null;
  }
  return countries.numericToAlpha2(countryId) ?? null;
}

/** `'CAN'` → `'CA'`; unknown → null. Case-insensitive. */
export function alpha2FromAlpha3(alpha3: string | null | undefined): string | null {
  if (typeof alpha3 !== 'string' || !ALPHA3.test(alpha3)) return null;
  return countries.alpha3ToAlpha2(alpha3.toUpperCase()) ?? null;
}

/**
 * Best-effort alpha-2 for a free-text country as gateways hold it (Stripe's card
 * `address_country` is whatever was typed: "US", "USA", "United States", "canada"):
 * alpha-2, alpha-3, numeric, or an English name. Unknown → null.
 */
export function normalizeCountryToAlpha2(input: string | null | undefined): string | null {
  if (typeof input !== 'string') return null;
  const value = input.trim();
  if (value.length === 0) return null;
  if (ALPHA2.test(value)) {
    const a2 = value.toUpperCase();
    return countries.isValid(a2) ? a2 : null;
  }
  if (ALPHA3.test(value)) {
    const a2 = alpha2FromAlpha3(value);
    if (a2) return a2;
  }
  if (/^\d{1,3}$/.test(value)) return alpha2FromCountryId(Number.parseInt(value, 10));
  return countries.getAlpha2Code(value, 'en') ?? null;
}
