import { DomainError } from './errors.js';

/**
 * ISO 4217 minor units from the platform's own currency data (ICU, through Intl): 2 for USD,
 * 0 for JPY, 3 for KWD. An amount converts through its currency's units, never a fixed ×100.
 */
export function minorUnitsOf(currency: string): number {
  try {
    return new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions()
      .maximumFractionDigits as number;
  } catch {
    throw DomainError.field('currency', 'not an ISO 4217 currency code');
  }
}

/** A decimal amount in the currency's minor unit; more decimals than the currency has is an error. */
export function toMinorUnits(amount: number, currency: string, field = 'amount'): number {
  const factor = 10 ** minorUnitsOf(currency);
  const minor = Math.round(amount * factor);
  if (Math.abs(amount * factor - minor) > 1e-6) {
    throw DomainError.field(field, `${currency.toUpperCase()} has at most ${Math.log10(factor)} decimals`);
  }
  if (!Number.isSafeInteger(minor) || minor < 1) throw DomainError.field(field, 'must be a positive amount');
  return minor;
}

export function fromMinorUnits(minor: number, currency: string): number {
  return minor / 10 ** minorUnitsOf(currency);
}
