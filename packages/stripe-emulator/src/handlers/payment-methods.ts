import {
  attachDecline,
  bracketed,
  factsFromFields,
  requireCardType,
  throwDecline,
  updatedExpiry,
} from '../cards.js';
import { invalidRequest, missingParam, resourceMissing } from '../errors.js';
import { applyMetadata, obj, str } from '../form.js';
import { type Json, paymentMethodJson } from '../objects.js';
import { listObject, newestFirst, pageParams, paginate } from '../pagination.js';
import { pathParam, type RequestContext } from '../router.js';
import type { CustomerRecord, PaymentMethodRecord } from '../store.js';
import {
  cardFromToken,
  cardHolderBilling,
  customerInParam,
  customerInPath,
  emptyBilling,
  mergeBilling,
  newPaymentMethod,
  paymentMethodById,
} from './common.js';

const render = (ctx: RequestContext, pm: PaymentMethodRecord) => paymentMethodJson(pm, ctx.space.livemode);

/** A PaymentMethod named in the URL (404 when unknown). Saved cards (`card_…`) read as PaymentMethods. */
const pmInPath = (ctx: RequestContext, allowCards = false) =>
  paymentMethodById(ctx, pathParam(ctx, 'payment_method'), {
    param: 'payment_method',
    status: 404,
    allowCards,
  });

export function createPaymentMethod(ctx: RequestContext): Json {
  const { params, space } = ctx;
  const type = str(params, 'type');
  if (!type) throw missingParam('type');
  requireCardType(type);
  const card = obj(params, 'card');
  if (!card) throw missingParam('card');
  const tokenId = str(card, 'token', 'card[token]');
  let pm: PaymentMethodRecord;
  if (tokenId) {
    const pending = cardFromToken(ctx, tokenId, 'card[token]');
    pm = newPaymentMethod(
      ctx,
      pending.card.facts,
      mergeBilling(cardHolderBilling(pending.card), params),
      applyMetadata({}, params),
    );
    pending.consume();
  } else {
    const facts = factsFromFields(card, bracketed('card'), space);
    pm = newPaymentMethod(ctx, facts, mergeBilling(emptyBilling(), params), applyMetadata({}, params));
  }
  return render(ctx, pm);
}

export function retrievePaymentMethod(ctx: RequestContext): Json {
  return render(ctx, pmInPath(ctx, true));
}

export function updatePaymentMethod(ctx: RequestContext): Json {
  const pm = pmInPath(ctx);
  const { params } = ctx;
  if (!pm.customer) {
    throw invalidRequest('You must save this PaymentMethod to a customer before you can update it.');
  }
  const card = obj(params, 'card');
  const expiry = card ? updatedExpiry(card, pm.facts, bracketed('card')) : pm.facts;
  const billing = mergeBilling(pm.billing_details, params);
  const metadata = applyMetadata(pm.metadata, params);
  pm.facts = { ...pm.facts, exp_month: expiry.exp_month, exp_year: expiry.exp_year };
  pm.billing_details = billing;
  pm.metadata = metadata;
  return render(ctx, pm);
}

export function attachPaymentMethod(ctx: RequestContext): Json {
  const customerId = str(ctx.params, 'customer');
  if (!customerId) throw missingParam('customer');
  const customer = customerInParam(ctx.space, customerId);
  const pm = pmInPath(ctx);
  if (pm.customer === customer.id) return render(ctx, pm);
  if (pm.customer) {
    throw invalidRequest(
      'The payment method you provided has already been attached to a customer.',
      undefined,
      'payment_method_already_attached',
    );
  }
  const decline = attachDecline(pm.facts);
  if (decline) throwDecline(decline);
  ctx.space.setPaymentMethodCustomer(pm, customer.id);
  return render(ctx, pm);
}

export function detachPaymentMethod(ctx: RequestContext): Json {
  const pm = pmInPath(ctx);
  if (!pm.customer) {
    throw invalidRequest(
      'The payment method you provided is not attached to a customer so detachment is impossible.',
      undefined,
      'payment_method_unexpected_state',
    );
  }
  const customer = ctx.space.customers.get(pm.customer);
  if (customer?.default_payment_method === pm.id) customer.default_payment_method = null;
  ctx.space.setPaymentMethodCustomer(pm, null);
  return render(ctx, pm);
}

function listFor(ctx: RequestContext, customer: CustomerRecord | undefined): Json {
  const page = pageParams(ctx.params);
  const type = str(ctx.params, 'type');
  const pms =
    type && type !== 'card'
      ? []
      : newestFirst(customer ? ctx.space.paymentMethodsOf(customer.id) : ctx.space.paymentMethods.values());
  const { data, has_more } = paginate(pms, page, 'PaymentMethod');
  return listObject(
    ctx.path,
    data.map((pm) => render(ctx, pm)),
    has_more,
  );
}

export function listPaymentMethods(ctx: RequestContext): Json {
  const customerId = str(ctx.params, 'customer');
  return listFor(ctx, customerId ? customerInParam(ctx.space, customerId) : undefined);
}

export function listCustomerPaymentMethods(ctx: RequestContext): Json {
  return listFor(ctx, customerInPath(ctx, pathParam(ctx, 'customer')));
}

export function retrieveCustomerPaymentMethod(ctx: RequestContext): Json {
  const customer = customerInPath(ctx, pathParam(ctx, 'customer'));
  const id = pathParam(ctx, 'payment_method');
  const pm = ctx.space.paymentMethods.get(id);
  if (!pm || pm.customer !== customer.id) throw resourceMissing('PaymentMethod', id, 'payment_method');
  return render(ctx, pm);
}
