/**
 * "Which cards expire within 60 days": the window a caller gives (`30d`, `12w`, `3m`, `1y`, or
 * a bare number of days) and the cutoff date it reaches from now.
 *
 * Written out rather than taken from `ms` or date-fns: `ms` reads `3m` as three minutes and has
 * no months, and date-fns computes in the process's local time zone, while card expiry is a
 * calendar month in UTC (expiry.ts). What is needed is a dozen lines of `Date.UTC`.
 */
import type { Expiry } from './expiry.js';

export const expiryWindowUnits = ['d', 'w', 'm', 'y'] as const;
export type ExpiryWindowUnit = (typeof expiryWindowUnits)[number];

/** A window in its canonical text form (`60d`): what the input schema hands the service. */
export type ExpiryWindowText = `${number}${ExpiryWindowUnit}`;

export interface ExpiryWindow {
  amount: number;
  unit: ExpiryWindowUnit;
}

/** Five years, in each unit (5 × 365 days and a leap day). */
const maxAmount: Record<ExpiryWindowUnit, number> = { d: 1826, w: 260, m: 60, y: 5 };

export const expiryWindowHelp =
  'a duration like 30d, 12w, 3m or 1y (days, weeks, months, years), or a number of days';
const tooLong = `must be at most 5 years (${maxAmount.d}d, ${maxAmount.w}w, ${maxAmount.m}m or ${maxAmount.y}y)`;

const windowText = /^(\d+)\s*([dwmy])?$/i;

export type ParsedExpiryWindow = { ok: true; window: ExpiryWindow } | { ok: false; message: string };

/**
 * `60d`, `12w`, `3m`, `1y` (any case, a space allowed before the unit), `90` or the number 90
 * (days). Zero is allowed: `0d` lists the cards already expired (and those whose last day is
 * today). Messages never repeat the value.
 */
export function parseExpiryWindow(value: string | number): ParsedExpiryWindow {
  let window: ExpiryWindow;
  if (typeof value === 'number') {
    if (!Number.isInteger(value) || value < 0) {
      return { ok: false, message: `must be ${expiryWindowHelp}; a number is whole days, 0 or more` };
    }
    window = { amount: value, unit: 'd' };
  } else {
    const m = windowText.exec(value.trim());
    if (!m) return { ok: false, message: `must be ${expiryWindowHelp}` };
    window = { amount: Number(m[1]), unit: (m[2]?.toLowerCase() ?? 'd') as ExpiryWindowUnit };
  }
  if (window.amount > maxAmount[window.unit]) return { ok: false, message: tooLong };
  return { ok: true, window };
}

export const formatExpiryWindow = (w: ExpiryWindow): ExpiryWindowText => `${w.amount}${w.unit}`;

/** The canonical text back into its parts (it was validated on the way in). */
function windowOf(text: ExpiryWindowText): ExpiryWindow {
  return { amount: Number.parseInt(text, 10), unit: text.at(-1) as ExpiryWindowUnit };
}

const daysInMonth = (year: number, month0: number) => new Date(Date.UTC(year, month0 + 1, 0)).getUTCDate();

/**
 * The last date (00:00 UTC) the window reaches: today (UTC) plus the window. Months and years
 * are calendar months, clamped to the target month's end (Jan 31 + 1m = Feb 28 or 29).
 */
export function expiryCutoff(within: ExpiryWindowText | ExpiryWindow, now: Date): Date {
  const { amount, unit } = typeof within === 'string' ? windowOf(within) : within;
  const [year, month0, day] = [now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()];
  if (unit === 'd' || unit === 'w') {
    return new Date(Date.UTC(year, month0, day + amount * (unit === 'w' ? 7 : 1)));
  }
  const target = new Date(Date.UTC(year, month0 + amount * (unit === 'y' ? 12 : 1), 1));
  const lastDay = daysInMonth(target.getUTCFullYear(), target.getUTCMonth());
  return new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth(), Math.min(day, lastDay)));
}

/**
 * The latest expiry month whose last day is on or before `cutoff`: the cutoff's own month when
 * the cutoff is that month's last day, else the month before.
 */
export function lastExpiryMonthBy(cutoff: Date): Pick<Expiry, 'month' | 'year4'> {
  const year = cutoff.getUTCFullYear();
  const month0 = cutoff.getUTCMonth();
  const through = cutoff.getUTCDate() === daysInMonth(year, month0) ? month0 : month0 - 1;
  const d = new Date(Date.UTC(year, through, 1));
  return { year4: d.getUTCFullYear(), month: d.getUTCMonth() + 1 };
}

/** `2027-02-28`: the UTC calendar date of an instant. */
export const isoDate = (d: Date): string => d.toISOString().slice(0, 10);
