import { DomainError } from '../errors.js';
import type { CardType } from './brand.js';
import { isLuhnValid } from './luhn.js';

/**
 * Masking as in the seeds: one `*` per hidden digit, the last four shown
 * (a 16-digit number → `************4242`). PCI DSS 3.4.1 would allow
 * BIN + last 4; we show at most the last 4 everywhere.
 */

export const MASK_CHAR = '*';

/**
 * Mask a card number: every digit but the last four becomes `*`, so the result has the
 * input's length. Input that is not 12–19 digits (after removing spaces and dashes) is not
 * a card number and is masked entirely, so this never reveals more than 4 digits of a PAN
 * and never throws (it sits in DTO mappers and logs).
 */
export function maskCardNumber(cardNumber: string): string {
  if (typeof cardNumber !== 'string') return '';
  const digits = cardNumber.replace(/[\s-]/g, '');
  if (!/^\d{12,19}$/.test(digits)) return MASK_CHAR.repeat(digits.length);
  return MASK_CHAR.repeat(digits.length - 4) + digits.slice(-4);
}

/** The usual card number length of a brand, for masking cards known only by last 4: 15 for Amex, else 16. */
export function typicalPanLength(type: CardType | null | undefined): number {
  return type === 'AmericanExpress' ? 15 : 16;
}

/**
 * Mask for a card we know only by its last four digits (held in a gateway's vault):
 * `length - 4` stars and the last 4. Default length 16; pass 15 for Amex (see typicalPanLength).
 */
export function maskFromLast4(last4: string, length = 16): string {
  if (typeof last4 !== 'string' || !/^\d{4}$/.test(last4)) {
    throw DomainError.field('last4', 'last4 must be exactly 4 digits');
  }
  if (!Number.isInteger(length) || length < 12 || length > 19) {
    throw new DomainError('INTERNAL', 'maskFromLast4: length must be an integer from 12 to 19');
  }
  return MASK_CHAR.repeat(length - 4) + last4;
}

/**
 * A run of digits where groups may be separated by a single space or dash
 * (groups of 4 separated by single spaces or dashes, or one unbroken run).
 */
const DIGIT_RUN = /\d(?:[ -]?\d)*/g;
const MIN_PAN = 12;
const MAX_PAN = 19;

/**
 * Last-resort log scrubber (docs/architecture.md, "What card data and its owners are owed": Card data → Logs): masks every Luhn-valid run of
 * 12–19 digits, also when its groups are separated by single spaces or dashes, keeping the
 * last 4 digits and the separators. Text length is unchanged.
 *
 * Every 12–19 digit window inside a longer digit run is checked too, so a card number glued
 * to other digits (e.g. an id written right before a card number) is still caught. The price is that some
 * non-card numbers are masked as well: each 12–19 digit window passes Luhn with odds 1 in 10,
 * so a 13-digit number is touched ~27% of the time and a 16-digit one ~80%. Acceptable for
 * a last resort; it means a logger should not emit long bare numbers it needs intact (use
 * ISO timestamps, not epoch milliseconds — masking a bare JSON number also breaks the JSON).
 */
export function scrubCardNumbers(text: string): string {
  if (typeof text !== 'string' || text.length < MIN_PAN) return text;
  let out: string[] | null = null;
  for (const m of text.matchAll(DIGIT_RUN)) {
    const run = m[0];
    if (run.length < MIN_PAN) continue;
    // Positions (in `text`) of the digits of this run, and the digits themselves.
    const positions: number[] = [];
    let digits = '';
    for (let i = 0; i < run.length; i++) {
      const c = run.charCodeAt(i);
      if (c >= 48 && c <= 57) {
        positions.push(m.index + i);
        digits += run[i];
      }
    }
    const n = digits.length;
    if (n < MIN_PAN) continue;
    const hide = new Uint8Array(n);
    let any = false;
    for (let start = 0; start + MIN_PAN <= n; start++) {
      for (let len = MIN_PAN; len <= MAX_PAN && start + len <= n; len++) {
        if (isLuhnValid(digits.slice(start, start + len))) {
          hide.fill(1, start, start + len - 4);
          any = true;
        }
      }
    }
    if (!any) continue;
    out ??= text.split(''); // UTF-16 code units, matching m.index
    for (let k = 0; k < n; k++) {
      if (hide[k] === 1) out[positions[k]!] = MASK_CHAR;
    }
  }
  return out === null ? text : out.join('');
}

/** Card numbers are 13–19 digits for the input check (12-digit numbers are too often something else). */
const MIN_TYPED_PAN = 13;

/**
 * True when `text` holds something a person would recognise as a card number: a Luhn-valid
 * run of 13–19 digits, whose groups may be separated by single spaces or dashes. Free-text
 * fields (names, address lines, reference…) refuse such input, so it is never stored or echoed.
 *
 * Unlike the scrubber, windows are aligned on the groups a person typed ("ref 1234 4242…" is
 * still caught, as 4242… starts a group), not on every digit, so a long reference number is
 * refused only when it is itself Luhn-valid (1 in 10), not whenever some slice of it is.
 */
export function containsCardNumber(text: string): boolean {
  if (typeof text !== 'string' || text.length < MIN_TYPED_PAN) return false;
  for (const m of text.matchAll(DIGIT_RUN)) {
    if (m[0].length < MIN_TYPED_PAN) continue;
    const groups = m[0].split(/[ -]/);
    for (let first = 0; first < groups.length; first++) {
      let digits = '';
      for (let last = first; last < groups.length; last++) {
        digits += groups[last];
        if (digits.length > MAX_PAN) break;
        if (digits.length >= MIN_TYPED_PAN && isLuhnValid(digits)) return true;
      }
    }
  }
  return false;
}
