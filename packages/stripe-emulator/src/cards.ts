import { cardError, invalidRequest, missingParam } from './errors.js';
import { type FormObject, nullableStr, str } from './form.js';
import { fingerprint, nowSeconds } from './ids.js';
import type { AccountSpace, CardFacts, CardRecord, Metadata, Store } from './store.js';
import { DECLINES, type Decline, describeNumber, luhnValid } from './test-cards.js';

/**
 * Card details in, card facts out. The number and CVC are looked at here and nowhere
 * else: what survives is brand, last4, fingerprint, the checks and the test-card
 * behaviour. Error messages never quote them.
 */

const INVALID_MONTH = "Your card's expiration month is invalid.";
const INVALID_YEAR = "Your card's expiration year is invalid.";

function today(): { year: number; month: number } {
  const d = new Date();
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1 };
}

/** Magic tokens and PaymentMethods expire a year from now, as Stripe's do. */
function defaultExpiry(): { exp_month: number; exp_year: number } {
  const { year, month } = today();
  return { exp_month: month, exp_year: year + 1 };
}

function parseMonth(raw: string): number {
  const month = /^\d{1,2}$/.test(raw.trim()) ? Number(raw) : Number.NaN;
  if (!(month >= 1 && month <= 12)) {
    throw cardError({ code: 'invalid_expiry_month', message: INVALID_MONTH, param: 'exp_month' });
  }
  return month;
}

function parseYear(raw: string): number {
  const trimmed = raw.trim();
  if (!/^\d{2}$|^\d{4}$/.test(trimmed)) {
    throw cardError({ code: 'invalid_expiry_year', message: INVALID_YEAR, param: 'exp_year' });
  }
  const year = trimmed.length === 2 ? 2000 + Number(trimmed) : Number(trimmed);
  const { year: now } = today();
  if (year < now || year > now + 50) {
    throw cardError({ code: 'invalid_expiry_year', message: INVALID_YEAR, param: 'exp_year' });
  }
  return year;
}

function checkNotExpired(exp_month: number, exp_year: number): void {
  const { year, month } = today();
  if (exp_year === year && exp_month < month) {
    throw cardError({ code: 'invalid_expiry_month', message: INVALID_MONTH, param: 'exp_month' });
  }
}

/** How a field is named in error params: `card[number]`, `source[number]` or plain `exp_month`. */
export type ParamName = (field: string) => string;
export const bracketed =
  (key: string): ParamName =>
  (field) =>
    `${key}[${field}]`;
const plain: ParamName = (field) => field;

/** Both parts required (token / PaymentMethod creation). */
function requiredExpiry(fields: FormObject, name: ParamName): { exp_month: number; exp_year: number } {
  const monthRaw = str(fields, 'exp_month', name('exp_month'));
  const yearRaw = str(fields, 'exp_year', name('exp_year'));
  if (!monthRaw) throw missingParam(name('exp_month'));
  if (!yearRaw) throw missingParam(name('exp_year'));
  const exp_month = parseMonth(monthRaw);
  const exp_year = parseYear(yearRaw);
  checkNotExpired(exp_month, exp_year);
  return { exp_month, exp_year };
}

/** Either part optional (updates); the result must still be a valid, unexpired date. */
export function updatedExpiry(
  fields: FormObject,
  current: { exp_month: number; exp_year: number },
  name: ParamName = plain,
): { exp_month: number; exp_year: number } {
  const monthRaw = str(fields, 'exp_month', name('exp_month'));
  const yearRaw = str(fields, 'exp_year', name('exp_year'));
  const exp_month = monthRaw ? parseMonth(monthRaw) : current.exp_month;
  const exp_year = yearRaw ? parseYear(yearRaw) : current.exp_year;
  if (monthRaw || yearRaw) checkNotExpired(exp_month, exp_year);
  return { exp_month, exp_year };
}

function parseNumber(fields: FormObject, name: ParamName): string {
  const raw = str(fields, 'number', name('number'));
  if (!raw) throw missingParam(name('number'));
  const digits = raw.replace(/[\s-]/g, '');
  if (!/^\d{12,19}$/.test(digits)) {
    throw cardError({
      code: 'invalid_number',
      message: 'Your card number is not a valid credit card number.',
      param: 'number',
    });
  }
  if (!luhnValid(digits)) {
    throw cardError({ code: 'incorrect_number', message: 'Your card number is incorrect.', param: 'number' });
  }
  return digits;
}

function cvcGiven(fields: FormObject, name: ParamName): boolean {
  const cvc = str(fields, 'cvc', name('cvc'));
  if (cvc === undefined || cvc === '') return false;
  if (!/^\d{3,4}$/.test(cvc)) {
    throw cardError({ code: 'invalid_cvc', message: "Your card's security code is invalid.", param: 'cvc' });
  }
  return true;
}

export function factsFromNumber(
  digits: string,
  expiry: { exp_month: number; exp_year: number },
  withCvc: boolean,
  space: AccountSpace,
): CardFacts {
  const known = describeNumber(digits);
  return {
    brand: known.brand,
    last4: digits.slice(-4),
    funding: known.funding,
    country: known.country,
    fingerprint: fingerprint(digits, space.account),
    exp_month: expiry.exp_month,
    exp_year: expiry.exp_year,
    cvc_check: withCvc ? (known.cvcCheck ?? 'pass') : null,
    declineOnAttach: known.declineOnAttach ?? null,
    declineOnCharge: known.declineOnCharge ?? null,
    addressLine1Check: known.addressLine1Check ?? 'pass',
    addressZipCheck: known.addressZipCheck ?? 'pass',
  };
}

/** A magic test id (tok_visa, pm_card_visa): Stripe treats it as if a CVC was given. */
export function factsForTestNumber(digits: string, space: AccountSpace): CardFacts {
  return factsFromNumber(digits, defaultExpiry(), true, space);
}

/** `card[number]`, `card[exp_month]`, `card[exp_year]`, `card[cvc]` (CVC checked, then dropped). */
export function factsFromFields(fields: FormObject, name: ParamName, space: AccountSpace): CardFacts {
  const digits = parseNumber(fields, name);
  const expiry = requiredExpiry(fields, name);
  const withCvc = cvcGiven(fields, name);
  return factsFromNumber(digits, expiry, withCvc, space);
}

export interface CardHolderFields {
  name: string | null;
  address_city: string | null;
  address_country: string | null;
  address_line1: string | null;
  address_line2: string | null;
  address_state: string | null;
  address_zip: string | null;
}

export const HOLDER_FIELDS = [
  'name',
  'address_city',
  'address_country',
  'address_line1',
  'address_line2',
  'address_state',
  'address_zip',
] as const satisfies readonly (keyof CardHolderFields)[];

export function holderFields(fields: FormObject, name: ParamName): CardHolderFields {
  const out = {} as CardHolderFields;
  for (const key of HOLDER_FIELDS) out[key] = nullableStr(fields, key, name(key)) ?? null;
  return out;
}

export function newCardRecord(
  store: Store,
  facts: CardFacts,
  holder: CardHolderFields,
  options: { id?: string; customer?: string | null; metadata?: Metadata } = {},
): CardRecord {
  return {
    id: options.id ?? store.newId('card'),
    seq: store.nextSeq(),
    created: nowSeconds(),
    customer: options.customer ?? null,
    facts,
    ...holder,
    metadata: options.metadata ?? {},
  };
}

export const emptyHolder = (): CardHolderFields => ({
  name: null,
  address_city: null,
  address_country: null,
  address_line1: null,
  address_line2: null,
  address_state: null,
  address_zip: null,
});

/** Saving a card to a customer verifies it: these decline right there. */
export function attachDecline(facts: CardFacts): Decline | null {
  return facts.declineOnAttach ?? (facts.cvc_check === 'fail' ? DECLINES.incorrectCvc : null);
}

export function chargeDecline(facts: CardFacts): Decline | null {
  return attachDecline(facts) ?? facts.declineOnCharge;
}

export function throwDecline(decline: Decline, extra: { charge?: string } = {}): never {
  throw cardError({ ...decline, ...extra });
}

export function requireCardType(type: string | undefined): void {
  if (type !== undefined && type !== 'card') {
    throw invalidRequest(
      `Invalid type: the emulator supports only 'card' PaymentMethods (got '${type}').`,
      'type',
    );
  }
}
