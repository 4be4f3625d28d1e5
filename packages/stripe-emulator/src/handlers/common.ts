import {
  attachDecline,
  bracketed,
  emptyHolder,
  factsForTestNumber,
  factsFromFields,
  holderFields,
  newCardRecord,
  throwDecline,
} from '../cards.js';
import { echo, invalidRequest, resourceMissing } from '../errors.js';
import { type FormObject, type FormValue, isFormObject, nullableStr, obj, str } from '../form.js';
import { nowSeconds } from '../ids.js';
import { cardAsPaymentMethod } from '../objects.js';
import type { RequestContext } from '../router.js';
import {
  type AccountSpace,
  type Address,
  type BillingDetails,
  type CardRecord,
  type CustomerRecord,
  emptyAddress,
  type Metadata,
  type PaymentMethodRecord,
} from '../store.js';
import { magicPaymentMethodNumber, magicTokenNumber } from '../test-cards.js';

/** The customer named in the URL, or Stripe's 404. */
export function customerInPath(ctx: RequestContext, id: string, param = 'customer'): CustomerRecord {
  const customer = ctx.space.liveCustomer(id);
  if (!customer) throw resourceMissing('customer', id, param);
  return customer;
}

/** The customer named by a body/query param, or Stripe's 400. */
export function customerInParam(space: AccountSpace, id: string, param = 'customer'): CustomerRecord {
  const customer = space.liveCustomer(id);
  if (!customer) throw resourceMissing('customer', id, param, 400);
  return customer;
}

/** A card of exactly this customer; any other card id (another customer's too) is "No such source". */
export function customerCard(ctx: RequestContext, customer: CustomerRecord, id: string): CardRecord {
  const card = ctx.space.cards.get(id);
  if (!card || card.customer !== customer.id) throw resourceMissing('source', id, 'id');
  return card;
}

/** A card about to be saved or charged, and how to mark its token used once that worked. */
export interface PendingCard {
  card: CardRecord;
  consume(): void;
}

/**
 * `tok_…` → a card. Magic test tokens (tok_visa) are reusable and make a fresh card each
 * time; real tokens are one-time and keep their card id, as on Stripe.
 */
export function cardFromToken(ctx: RequestContext, id: string, param: string): PendingCard {
  const magic = magicTokenNumber(id);
  if (magic) {
    return {
      card: newCardRecord(ctx.store, factsForTestNumber(magic, ctx.space), emptyHolder()),
      consume() {},
    };
  }
  const token = ctx.space.tokens.get(id);
  if (!token) throw resourceMissing('token', id, param, 400);
  if (token.used) {
    throw invalidRequest(`You cannot use a Stripe token more than once: ${id}.`, param, 'token_already_used');
  }
  return {
    card: { ...token.card, seq: ctx.store.nextSeq(), created: nowSeconds(), metadata: {} },
    consume() {
      token.used = true;
    },
  };
}

/** `source=tok_…` or an inline card dictionary (`source[object]=card&source[number]=…`). */
export function cardFromSourceParam(
  ctx: RequestContext,
  value: FormValue | undefined,
  param: string,
): PendingCard {
  if (value === undefined || value === '')
    throw invalidRequest(`Missing required param: ${param}.`, param, 'parameter_missing');
  if (isFormObject(value)) {
    const object = str(value, 'object', `${param}[object]`);
    if (object !== undefined && object !== 'card') {
      throw invalidRequest(`Invalid ${param}[object]: must be 'card'.`, `${param}[object]`);
    }
    const name = bracketed(param);
    const facts = factsFromFields(value, name, ctx.space);
    return { card: newCardRecord(ctx.store, facts, holderFields(value, name)), consume() {} };
  }
  if (value.startsWith('tok_')) return cardFromToken(ctx, value, param);
  throw resourceMissing('token', value, param, 400);
}

/**
 * Saves a card on a customer: verification first (declining test cards fail here and
 * nothing is stored), then Stripe's rule that the first card becomes the default.
 */
export function saveCard(
  ctx: RequestContext,
  customer: CustomerRecord,
  pending: PendingCard,
  metadata: Metadata,
): CardRecord {
  const decline = attachDecline(pending.card.facts);
  if (decline) throwDecline(decline);
  const card: CardRecord = { ...pending.card, customer: customer.id, metadata };
  ctx.space.cards.set(card.id, card);
  customer.cardIds.push(card.id);
  if (!customer.default_source) customer.default_source = card.id;
  pending.consume();
  return card;
}

/** Removes a card; a deleted default falls back to the most recently added remaining card. */
export function removeCard(space: AccountSpace, customer: CustomerRecord, card: CardRecord): void {
  space.cards.delete(card.id);
  customer.cardIds = customer.cardIds.filter((id) => id !== card.id);
  if (customer.default_source === card.id) customer.default_source = customer.cardIds.at(-1) ?? null;
}

export function newPaymentMethod(
  ctx: RequestContext,
  facts: PaymentMethodRecord['facts'],
  billing: BillingDetails,
  metadata: Metadata = {},
  id: string = ctx.store.newId('pm'),
): PaymentMethodRecord {
  const pm: PaymentMethodRecord = {
    id,
    seq: ctx.store.nextSeq(),
    created: nowSeconds(),
    customer: null,
    facts,
    billing_details: billing,
    metadata,
  };
  ctx.space.paymentMethods.set(pm.id, pm);
  return pm;
}

export const emptyBilling = (): BillingDetails => ({
  address: emptyAddress(),
  email: null,
  name: null,
  phone: null,
});

/**
 * A PaymentMethod id: a stored `pm_…`, a magic `pm_card_visa` (a fresh PaymentMethod each
 * time, as on Stripe) or, where `allowCards`, a saved `card_…` seen as a PaymentMethod.
 */
export function paymentMethodById(
  ctx: RequestContext,
  id: string,
  options: { param: string; status: number; allowCards?: boolean },
): PaymentMethodRecord {
  const magic = magicPaymentMethodNumber(id);
  if (magic) return newPaymentMethod(ctx, factsForTestNumber(magic, ctx.space), emptyBilling());
  const pm = ctx.space.paymentMethods.get(id);
  if (pm) return pm;
  if (options.allowCards && id.startsWith('card_')) {
    const card = ctx.space.cards.get(id);
    if (card) return cardAsPaymentMethod(card);
  }
  throw resourceMissing('PaymentMethod', id, options.param, options.status);
}

const ADDRESS_FIELDS = ['city', 'country', 'line1', 'line2', 'postal_code', 'state'] as const;

/** `address[line1]=…`: given fields replace, empty strings clear, others stay. */
export function mergeAddress(current: Address | null, params: FormObject, key: string): Address | null {
  const value = params[key];
  if (value === undefined) return current;
  if (value === '') return null;
  const fields = obj(params, key) ?? {};
  const next = { ...(current ?? emptyAddress()) };
  for (const field of ADDRESS_FIELDS) {
    const v = nullableStr(fields, field, `${key}[${field}]`);
    if (v !== undefined) next[field] = v;
  }
  return next;
}

export function mergeBilling(current: BillingDetails, params: FormObject): BillingDetails {
  const details = obj(params, 'billing_details');
  if (!details) return current;
  const next: BillingDetails = { ...current, address: { ...current.address } };
  next.address = mergeAddress(next.address, details, 'address') ?? emptyAddress();
  for (const field of ['email', 'name', 'phone'] as const) {
    const v = nullableStr(details, field, `billing_details[${field}]`);
    if (v !== undefined) next[field] = v;
  }
  return next;
}

export function cardHolderBilling(card: CardRecord): BillingDetails {
  return {
    address: {
      city: card.address_city,
      country: card.address_country,
      line1: card.address_line1,
      line2: card.address_line2,
      postal_code: card.address_zip,
      state: card.address_state,
    },
    email: null,
    name: card.name,
    phone: null,
  };
}

const EMAIL = /^[^\s@]+@[^\s@]+$/;

export function email(params: FormObject): string | null | undefined {
  const value = nullableStr(params, 'email');
  if (value && !EMAIL.test(value))
    throw invalidRequest(`Invalid email address: ${echo(value)}`, 'email', 'email_invalid');
  return value;
}
