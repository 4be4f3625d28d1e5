import { DomainError } from '../errors.js';

/**
 * Luhn (mod 10) check used by every card network's numbering scheme (ISO/IEC 7812-1).
 * Both functions take digit strings only; they never echo their input in an error.
 */

const DIGITS = /^\d+$/;

/** Sum of the Luhn-weighted digits; `doubleFirst` says whether the rightmost digit is doubled. */
function luhnSum(digits: string, doubleFirst: boolean): number {
  let sum = 0;
  let double = doubleFirst;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum;
}

/** True when `digits` is a non-empty string of ASCII digits whose Luhn checksum is 0. */
export function isLuhnValid(digits: string): boolean {
  if (typeof digits !== 'string' || !DIGITS.test(digits)) return false;
  return luhnSum(digits, false) % 10 === 0;
}

/**
 * The check digit ('0'–'9') to append to `partial` so that `partial + digit` is Luhn-valid.
 * Throws DomainError('INTERNAL') when `partial` is not a non-empty digit string (a programming error).
 */
export function luhnCheckDigit(partial: string): string {
  if (typeof partial !== 'string' || !DIGITS.test(partial)) {
    throw new DomainError('INTERNAL', 'luhnCheckDigit expects a non-empty string of digits');
  }
  // The check digit will be the rightmost digit, so the rightmost digit of `partial` gets doubled.
  const sum = luhnSum(partial, true);
  return String((10 - (sum % 10)) % 10);
}
