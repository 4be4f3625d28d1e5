import { chargeDecline } from '../cards.js';
import { cardError, echo, invalidRequest, resourceMissing } from '../errors.js';
import { applyMetadata, bool, type FormObject, nullableStr, str } from '../form.js';
import { nowSeconds, randomBase62 } from '../ids.js';
import { parseAmount, parseCurrency } from '../money.js';
import { chargeJson, type Json, paymentIntentJson, paymentMethodJson } from '../objects.js';
import { listObject, newestFirst, pageParams, paginate } from '../pagination.js';
import { pathParam, type RequestContext } from '../router.js';
import { searchResult } from '../search.js';
import type {
  CardRecord,
  ChargeRecord,
  CustomerRecord,
  Metadata,
  PaymentIntentRecord,
  PaymentMethodRecord,
} from '../store.js';
import { cardFromToken, customerInParam, paymentMethodById } from './common.js';

/**
 * Collecting money: /v1/charges (with a saved card or a token) and /v1/payment_intents
 * (confirm=true, off_session). Declines store a failed charge, as Stripe does, so a caller
 * reconciling an uncertain outcome finds it when listing or searching.
 */

interface ChargeInput {
  amount: number;
  currency: string;
  customer: string | null;
  description: string | null;
  metadata: Metadata;
  captured: boolean;
  card: CardRecord | null;
  paymentMethod: PaymentMethodRecord | null;
  payment_intent: string | null;
  receipt_email: string | null;
}

function recordCharge(ctx: RequestContext, input: ChargeInput): ChargeRecord {
  const facts = (input.paymentMethod ?? input.card)?.facts;
  const decline = facts ? chargeDecline(facts) : null;
  const charge: ChargeRecord = {
    id: ctx.store.newId('ch'),
    seq: ctx.store.nextSeq(),
    created: nowSeconds(),
    ...input,
    // The charge keeps the card as it was when charged.
    card: input.card ? { ...input.card, metadata: { ...input.card.metadata } } : null,
    failure: decline,
    amount_refunded: 0,
  };
  ctx.space.charges.set(charge.id, charge);
  return charge;
}

function commonPaymentParams(params: FormObject) {
  const currency = parseCurrency(params);
  return {
    currency,
    amount: parseAmount(params, currency),
    description: nullableStr(params, 'description') ?? null,
    metadata: applyMetadata({}, params),
    receipt_email: nullableStr(params, 'receipt_email') ?? null,
  };
}

/** The card a charge takes money from: a card of `customer`, its default, or a token. */
function chargeSource(ctx: RequestContext, customer: CustomerRecord | undefined, source: string | undefined) {
  if (customer) {
    const id = source ?? customer.default_source;
    if (!id) {
      throw invalidRequest('Cannot charge a customer that has no active card', 'card', 'missing');
    }
    const card = ctx.space.cards.get(id);
    if (!card || card.customer !== customer.id) {
      throw invalidRequest(
        `Customer ${customer.id} does not have a linked source with ID ${echo(id)}.`,
        'source',
        'missing',
      );
    }
    return { card, consume() {} };
  }
  if (!source) throw invalidRequest('Must provide source or customer.', undefined, 'parameter_missing');
  if (!source.startsWith('tok_')) throw resourceMissing('token', source, 'source', 400);
  return cardFromToken(ctx, source, 'source');
}

export function createCharge(ctx: RequestContext): Json {
  const { params, space } = ctx;
  const common = commonPaymentParams(params);
  const customerId = str(params, 'customer');
  const customer = customerId ? customerInParam(space, customerId) : undefined;
  const source = chargeSource(ctx, customer, str(params, 'source') || undefined);
  const charge = recordCharge(ctx, {
    ...common,
    customer: customer?.id ?? null,
    captured: bool(params, 'capture') ?? true,
    card: source.card,
    paymentMethod: null,
    payment_intent: null,
  });
  source.consume();
  if (charge.failure) throw cardError({ ...charge.failure, charge: charge.id });
  return chargeJson(charge, space.livemode);
}

export function retrieveCharge(ctx: RequestContext): Json {
  const id = pathParam(ctx, 'charge');
  const charge = ctx.space.charges.get(id);
  if (!charge) throw resourceMissing('charge', id, 'id');
  return chargeJson(charge, ctx.space.livemode);
}

function chargesNewestFirst(ctx: RequestContext): ChargeRecord[] {
  return newestFirst(ctx.space.charges.values());
}

export function listCharges(ctx: RequestContext): Json {
  const page = pageParams(ctx.params);
  const customer = str(ctx.params, 'customer');
  const intent = str(ctx.params, 'payment_intent');
  const charges = chargesNewestFirst(ctx).filter(
    (c) => (!customer || c.customer === customer) && (!intent || c.payment_intent === intent),
  );
  const { data, has_more } = paginate(charges, page, 'charge');
  return listObject(
    '/v1/charges',
    data.map((c) => chargeJson(c, ctx.space.livemode)),
    has_more,
  );
}

export function searchCharges(ctx: RequestContext): Json {
  return searchResult(
    ctx,
    '/v1/charges/search',
    chargesNewestFirst(ctx).map((c) => chargeJson(c, ctx.space.livemode)),
  );
}

// ------------------------------------------------------------------ payment intents

/** The PaymentMethod of an intent; it must belong to the intent's customer (if it belongs to anyone). */
function intentPaymentMethod(ctx: RequestContext, id: string, customer: string | null): PaymentMethodRecord {
  const pm = paymentMethodById(ctx, id, { param: 'payment_method', status: 400, allowCards: true });
  if (id.startsWith('card_') && pm.customer !== customer) {
    throw resourceMissing('PaymentMethod', id, 'payment_method', 400);
  }
  if (pm.customer && pm.customer !== customer) {
    throw invalidRequest(
      customer
        ? `The provided PaymentMethod ${id} is attached to a different Customer than ${customer}.`
        : `The provided PaymentMethod ${id} is attached to a Customer; pass customer=${pm.customer} to use it.`,
      'payment_method',
    );
  }
  return pm;
}

function confirmIntent(ctx: RequestContext, pi: PaymentIntentRecord, pm: PaymentMethodRecord): void {
  const savedCard = pm.id.startsWith('card_') ? (ctx.space.cards.get(pm.id) ?? null) : null;
  const manual = pi.capture_method === 'manual';
  const charge = recordCharge(ctx, {
    amount: pi.amount,
    currency: pi.currency,
    customer: pi.customer,
    description: pi.description,
    metadata: { ...pi.metadata },
    captured: !manual,
    card: savedCard,
    paymentMethod: savedCard ? null : pm,
    payment_intent: pi.id,
    receipt_email: pi.receipt_email,
  });
  pi.latest_charge = charge.id;
  if (!charge.failure) {
    pi.payment_method = pm.id;
    pi.status = manual ? 'requires_capture' : 'succeeded';
    pi.amount_received = manual ? 0 : pi.amount;
    pi.last_payment_error = null;
    return;
  }
  const pmJson = paymentMethodJson(pm, ctx.space.livemode);
  const error = cardError({ ...charge.failure, charge: charge.id, payment_method: pmJson });
  pi.status = 'requires_payment_method';
  pi.payment_method = null;
  pi.last_payment_error = { ...error.body };
  throw cardError({
    ...charge.failure,
    charge: charge.id,
    payment_intent: paymentIntentJson(pi, ctx.space.livemode),
    payment_method: pmJson,
  });
}

export function createPaymentIntent(ctx: RequestContext): Json {
  const { params, space } = ctx;
  const common = commonPaymentParams(params);
  const customerId = str(params, 'customer');
  const customer = customerId ? customerInParam(space, customerId) : undefined;
  const pmId = str(params, 'payment_method');
  const pm = pmId ? intentPaymentMethod(ctx, pmId, customer?.id ?? null) : undefined;
  const confirm = bool(params, 'confirm') ?? false;
  if (confirm && !pm) {
    throw invalidRequest(
      "You cannot confirm this PaymentIntent because it's missing a payment method. You can either update the PaymentIntent with a payment method and then confirm it again, or confirm it again directly with a payment method.",
      'payment_method',
      'payment_intent_unexpected_state',
    );
  }
  const captureMethod = str(params, 'capture_method') ?? 'automatic';
  if (captureMethod !== 'automatic' && captureMethod !== 'manual' && captureMethod !== 'automatic_async') {
    throw invalidRequest(
      `Invalid capture_method: must be one of automatic, automatic_async, or manual`,
      'capture_method',
    );
  }
  const id = ctx.store.newId('pi');
  const pi: PaymentIntentRecord = {
    id,
    seq: ctx.store.nextSeq(),
    created: nowSeconds(),
    ...common,
    customer: customer?.id ?? null,
    payment_method: pm?.id ?? null,
    capture_method: captureMethod,
    confirmation_method: str(params, 'confirmation_method') === 'manual' ? 'manual' : 'automatic',
    setup_future_usage: str(params, 'setup_future_usage') || null,
    status: pm ? 'requires_confirmation' : 'requires_payment_method',
    latest_charge: null,
    amount_received: 0,
    last_payment_error: null,
    client_secret: `${id}_secret_${randomBase62(25)}`,
  };
  space.paymentIntents.set(pi.id, pi);
  if (confirm && pm) confirmIntent(ctx, pi, pm);
  return paymentIntentJson(pi, space.livemode);
}

function intentInPath(ctx: RequestContext): PaymentIntentRecord {
  const id = pathParam(ctx, 'intent');
  const pi = ctx.space.paymentIntents.get(id);
  if (!pi) throw resourceMissing('payment_intent', id, 'intent');
  return pi;
}

export function confirmPaymentIntent(ctx: RequestContext): Json {
  const pi = intentInPath(ctx);
  if (pi.status !== 'requires_confirmation' && pi.status !== 'requires_payment_method') {
    throw invalidRequest(
      `You cannot confirm this PaymentIntent because it has a status of ${pi.status}. Only a PaymentIntent with one of the following statuses may be confirmed: requires_confirmation, requires_payment_method.`,
      undefined,
      'payment_intent_unexpected_state',
    );
  }
  const pmId = str(ctx.params, 'payment_method') ?? pi.payment_method;
  if (!pmId) {
    throw invalidRequest(
      "You cannot confirm this PaymentIntent because it's missing a payment method.",
      'payment_method',
      'payment_intent_unexpected_state',
    );
  }
  confirmIntent(ctx, pi, intentPaymentMethod(ctx, pmId, pi.customer));
  return paymentIntentJson(pi, ctx.space.livemode);
}

export function retrievePaymentIntent(ctx: RequestContext): Json {
  return paymentIntentJson(intentInPath(ctx), ctx.space.livemode);
}

function intentsNewestFirst(ctx: RequestContext): PaymentIntentRecord[] {
  return newestFirst(ctx.space.paymentIntents.values());
}

export function listPaymentIntents(ctx: RequestContext): Json {
  const page = pageParams(ctx.params);
  const customer = str(ctx.params, 'customer');
  const intents = intentsNewestFirst(ctx).filter((pi) => !customer || pi.customer === customer);
  const { data, has_more } = paginate(intents, page, 'payment_intent');
  return listObject(
    '/v1/payment_intents',
    data.map((pi) => paymentIntentJson(pi, ctx.space.livemode)),
    has_more,
  );
}

export function searchPaymentIntents(ctx: RequestContext): Json {
  return searchResult(
    ctx,
    '/v1/payment_intents/search',
    intentsNewestFirst(ctx).map((pi) => paymentIntentJson(pi, ctx.space.livemode)),
  );
}
