import {
  containsCardNumber,
  type Expiry,
  hasControlCharacter,
  hasLoneSurrogate,
  isDomainError,
  isExpired,
  Pan,
  parseExpiry,
  textMessages,
} from '@cardbridge/core';
import type {
  ExportCard,
  ExportCustomer,
  ExportField,
  ExportFilePosition,
  ExportRowProblem,
  StripeExportRecord,
} from './types.js';

/**
 * One card row as the CSV or JSON reader found it, keyed by the export's field names. CSV
 * values are strings; JSON values are whatever the file held (numbers arrive as strings: the
 * JSON reader keeps them as written, so a card number in a JSON number loses no digit).
 */
export type RawExportRow = Partial<Record<ExportField, unknown>>;

/** Stripe ids are letters, digits and underscores; anything else is not an id from an export. */
const STRIPE_ID = /^[A-Za-z0-9_]{1,255}$/;
const DIGITS = /^\d{1,6}$/;
/** Longer than any card number typed with separators (core's card number schema uses the same bound). */
const MAX_CARD_NUMBER_INPUT = 40;

/** Turns a raw row into a record: every bad value becomes a problem naming its field, never a throw. */
export function toExportRecord(
  raw: RawExportRow,
  position: ExportFilePosition,
  now: Date,
): StripeExportRecord {
  const problems: ExportRowProblem[] = [];
  const problem = (field: ExportField, reason: string) => {
    problems.push({ field, reason });
    return null;
  };

  const id = (field: ExportField, required: boolean): string | null => {
    const value = text(raw[field]);
    if (value === undefined) return problem(field, 'must be text');
    if (value === null) return required ? problem(field, 'is required') : null;
    if (!STRIPE_ID.test(value))
      return problem(field, 'must be a Stripe id (letters, digits and underscores)');
    if (containsCardNumber(value)) return problem(field, textMessages.cardNumber);
    return value;
  };

  const freeText = (field: ExportField): string | null => {
    const value = text(raw[field]);
    if (value === undefined) return problem(field, 'must be text');
    if (value === null) return null;
    if (hasControlCharacter(value)) return problem(field, textMessages.control);
    if (hasLoneSurrogate(value)) return problem(field, textMessages.surrogate);
    if (containsCardNumber(value)) return problem(field, textMessages.cardNumber);
    return value;
  };

  const customer = {
    id: id('id', true),
    email: freeText('email'),
    name: freeText('name'),
    description: freeText('description'),
    defaultSource: id('default_source', false),
  };
  const cardId = id('card.id', true);
  const number = cardNumber(raw['card.number'], problem);
  const expiry = cardExpiry(raw['card.exp_month'], raw['card.exp_year'], problem);
  const card = {
    id: cardId,
    number,
    expMonth: expiry?.month ?? null,
    expYear: expiry?.year4 ?? null,
    name: freeText('card.name'),
    addressLine1: freeText('card.address_line1'),
    addressLine2: freeText('card.address_line2'),
    addressCity: freeText('card.address_city'),
    addressState: freeText('card.address_state'),
    addressZip: freeText('card.address_zip'),
    addressCountry: freeText('card.address_country'),
  };
  const expired = expiry ? isExpired(expiry, now) : null;
  const isDefault = cardId !== null && customer.defaultSource === cardId;

  const [first, ...rest] = problems;
  if (first) return { ok: false, position, customer, card, expired, isDefault, problems: [first, ...rest] };
  return {
    ok: true,
    position,
    // Every field was checked above: no problem means the required ones are set.
    customer: customer as ExportCustomer,
    card: card as ExportCard,
    expired: expired as boolean,
    isDefault,
    problems: [],
  };
}

/** Trimmed text; null when absent or blank; undefined when the value is not text at all (a JSON object…). */
function text(value: unknown): string | null | undefined {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') return undefined;
  const trimmed = value.trim();
  return trimmed === '' ? null : trimmed;
}

type Report = (field: ExportField, reason: string) => null;

function cardNumber(value: unknown, problem: Report): Pan | null {
  const digits = text(value);
  if (digits === undefined) return problem('card.number', 'must be text');
  if (digits === null) return problem('card.number', 'card number is required');
  if (digits.length > MAX_CARD_NUMBER_INPUT) return problem('card.number', 'card number is too long');
  try {
    return Pan.parse(digits, 'card.number');
  } catch (e) {
    // Pan.parse's messages never contain the input (core/card/pan.ts).
    const reason = isDomainError(e) ? e.details.issues?.[0]?.message : undefined;
    return problem('card.number', reason ?? 'card number is not valid');
  }
}

/** core's parseExpiry decides the ranges; its issue paths are mapped back to the export's names. */
function cardExpiry(month: unknown, year: unknown, problem: Report): Expiry | null {
  const monthText = text(month);
  const yearText = text(year);
  if (monthText === null) problem('card.exp_month', 'is required');
  if (yearText === null) problem('card.exp_year', 'is required');
  if (monthText === null || yearText === null) return null;
  try {
    return parseExpiry(integer(monthText), integer(yearText), 'card.');
  } catch (e) {
    const issues = isDomainError(e) ? (e.details.issues ?? []) : [];
    for (const issue of issues) {
      problem(issue.path === 'card.expirationMonth' ? 'card.exp_month' : 'card.exp_year', issue.message);
    }
    if (issues.length === 0) problem('card.exp_month', 'expiry is not valid');
    return null;
  }
}

/** Digits only ("03" is 3); anything else is NaN so that parseExpiry names the field. */
function integer(value: string | undefined): number {
  return value !== undefined && DIGITS.test(value) ? Number(value) : Number.NaN;
}
