import { DomainError, type FieldIssue } from '../errors.js';

/** The clock is injected wherever "now" matters, so tests can pin it. */
export type Clock = () => Date;
export const systemClock: Clock = () => new Date();

export interface Expiry {
  /** 1–12 */
  month: number;
  /** Four-digit year, 2000–2099. */
  year4: number;
  /** Two-digit year as the seeds' `expirationYear` (YY), 0–99. */
  yy: number;
}

/** Two-digit form of a 2000–2099 year (2027 → 27). */
export function toYY(year4: number): number {
  return ((year4 % 100) + 100) % 100;
}

/**
 * Validate an expiry date. `month` must be an integer 1–12; `year` either YY (0–99, read as
 * 2000+YY, the seeds' format) or YYYY (2000–2099). Both fields are checked and every problem
 * reported at once as `DomainError.validation` issues named `${fieldPrefix}expirationMonth`
 * and `${fieldPrefix}expirationYear` (e.g. prefix 'card.'). An expired date is NOT rejected
 * here: whether that matters is the caller's rule (see isExpired).
 */
export function parseExpiry(month: number, year: number, fieldPrefix = ''): Expiry {
  const issues: FieldIssue[] = [];
  if (typeof month !== 'number' || !Number.isInteger(month) || month < 1 || month > 12) {
    issues.push({ path: `${fieldPrefix}expirationMonth`, message: 'month must be an integer from 1 to 12' });
  }
  let year4 = Number.NaN;
  if (typeof year === 'number' && Number.isInteger(year)) {
    if (year >= 0 && year <= 99) year4 = 2000 + year;
    else if (year >= 2000 && year <= 2099) year4 = year;
  }
  if (Number.isNaN(year4)) {
    issues.push({
      path: `${fieldPrefix}expirationYear`,
      message: 'year must be YY (0 to 99) or YYYY (2000 to 2099)',
    });
  }
  if (issues.length > 0) throw DomainError.validation(issues);
  return { month, year4, yy: toYY(year4) };
}

/** The first instant (UTC) at which the card is expired: 00:00 UTC on the 1st of the month after expiry. */
export function expiresAt(expiry: Pick<Expiry, 'month' | 'year4'>): Date {
  // Date.UTC months are 0-based, so `month` (1-based) is already "the next month"; Dec rolls into January.
  return new Date(Date.UTC(expiry.year4, expiry.month, 1));
}

/** The last day a card is valid (00:00 UTC): the last day of its expiry month. */
export function lastValidDay(expiry: Pick<Expiry, 'month' | 'year4'>): Date {
  // Day 0 of the next month is the last day of this one (Date.UTC months are 0-based).
  return new Date(Date.UTC(expiry.year4, expiry.month, 0));
}

/** A card is valid through the last day of its expiry month (UTC); expired from the 1st of the next month. */
export function isExpired(expiry: Pick<Expiry, 'month' | 'year4'>, now: Date): boolean {
  if (!(now instanceof Date) || Number.isNaN(now.getTime())) {
    throw new DomainError('INTERNAL', 'isExpired needs a valid Date from the clock');
  }
  return now.getTime() >= expiresAt(expiry).getTime();
}
