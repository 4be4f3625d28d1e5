import { attachDecline, throwDecline } from '../cards.js';
import { invalidRequest, resourceMissing } from '../errors.js';
import { applyMetadata, type FormObject, nullableStr, obj, str } from '../form.js';
import { nowSeconds, randomBase62 } from '../ids.js';
import { customerJson, deletedJson, type Json } from '../objects.js';
import { createdRange, listObject, pageOfIndex, pageParams } from '../pagination.js';
import { pathParam, type RequestContext } from '../router.js';
import { searchResult } from '../search.js';
import type { CustomerRecord, PaymentMethodRecord } from '../store.js';
import {
  cardFromSourceParam,
  customerInPath,
  email,
  mergeAddress,
  paymentMethodById,
  removeCard,
  saveCard,
} from './common.js';

function invoiceDefaultPaymentMethod(
  ctx: RequestContext,
  customer: CustomerRecord,
  params: FormObject,
): string | null | undefined {
  const settings = obj(params, 'invoice_settings');
  if (!settings) return undefined;
  const id = nullableStr(settings, 'default_payment_method', 'invoice_settings[default_payment_method]');
  if (!id) return id;
  const pm = ctx.space.paymentMethods.get(id);
  if (!pm || pm.customer !== customer.id) {
    throw resourceMissing('PaymentMethod', id, 'invoice_settings[default_payment_method]', 400);
  }
  return id;
}

/** `payment_method=pm_…` on create: attach it (verifying the card) before the customer exists. */
function pendingPaymentMethod(ctx: RequestContext, params: FormObject): PaymentMethodRecord | undefined {
  const id = str(params, 'payment_method');
  if (!id) return undefined;
  const pm = paymentMethodById(ctx, id, { param: 'payment_method', status: 400 });
  if (pm.customer) {
    throw invalidRequest(
      'The payment method you provided has already been attached to a customer.',
      'payment_method',
    );
  }
  const decline = attachDecline(pm.facts);
  if (decline) throwDecline(decline);
  return pm;
}

export function createCustomer(ctx: RequestContext): Json {
  const { params, space } = ctx;
  const customer: CustomerRecord = {
    id: ctx.store.newId('cus'),
    seq: ctx.store.nextSeq(),
    created: nowSeconds(),
    email: email(params) ?? null,
    name: nullableStr(params, 'name') ?? null,
    description: nullableStr(params, 'description') ?? null,
    phone: nullableStr(params, 'phone') ?? null,
    address: mergeAddress(null, params, 'address'),
    metadata: applyMetadata({}, params),
    default_source: null,
    default_payment_method: null,
    invoice_prefix: randomBase62(8).toUpperCase(),
    cardIds: [],
    deleted: false,
  };
  const source = params.source;
  const pending =
    source !== undefined && source !== '' ? cardFromSourceParam(ctx, source, 'source') : undefined;
  if (pending) {
    const decline = attachDecline(pending.card.facts);
    if (decline) throwDecline(decline);
  }
  const pm = pendingPaymentMethod(ctx, params);
  space.addCustomer(customer);
  if (pending) saveCard(ctx, customer, pending, {});
  if (pm) {
    if (!space.paymentMethods.has(pm.id)) space.paymentMethods.set(pm.id, pm);
    space.setPaymentMethodCustomer(pm, customer.id);
  }
  const defaultPm = invoiceDefaultPaymentMethod(ctx, customer, params);
  if (defaultPm !== undefined) customer.default_payment_method = defaultPm;
  return customerJson(customer, space);
}

export function retrieveCustomer(ctx: RequestContext): Json {
  const id = pathParam(ctx, 'customer');
  const customer = ctx.space.customers.get(id);
  if (!customer) throw resourceMissing('customer', id, 'id');
  return customerJson(customer, ctx.space);
}

export function updateCustomer(ctx: RequestContext): Json {
  const { params, space } = ctx;
  const customer = customerInPath(ctx, pathParam(ctx, 'customer'), 'id');
  const nextEmail = email(params);
  const source = params.source;
  const pending =
    source !== undefined && source !== '' ? cardFromSourceParam(ctx, source, 'source') : undefined;
  const defaultSource = nullableStr(params, 'default_source');
  if (defaultSource) {
    const card = space.cards.get(defaultSource);
    if (!card || card.customer !== customer.id)
      throw resourceMissing('source', defaultSource, 'default_source', 400);
  }
  const defaultPm = invoiceDefaultPaymentMethod(ctx, customer, params);
  const metadata = applyMetadata(customer.metadata, params);
  const address = mergeAddress(customer.address, params, 'address');

  if (pending) {
    // Stripe: `source` on update saves the new card as the default and deletes the old default.
    const decline = attachDecline(pending.card.facts);
    if (decline) throwDecline(decline);
    const oldDefault = customer.default_source ? space.cards.get(customer.default_source) : undefined;
    if (oldDefault) removeCard(space, customer, oldDefault);
    const card = saveCard(ctx, customer, pending, {});
    customer.default_source = card.id;
  }
  if (nextEmail !== undefined) customer.email = nextEmail;
  for (const field of ['name', 'description', 'phone'] as const) {
    const value = nullableStr(params, field);
    if (value !== undefined) customer[field] = value;
  }
  if (defaultSource !== undefined && !pending) customer.default_source = defaultSource;
  if (defaultPm !== undefined) customer.default_payment_method = defaultPm;
  customer.metadata = metadata;
  customer.address = address;
  return customerJson(customer, space);
}

export function deleteCustomer(ctx: RequestContext): Json {
  const { space } = ctx;
  const customer = customerInPath(ctx, pathParam(ctx, 'customer'), 'id');
  for (const id of customer.cardIds) space.cards.delete(id);
  customer.cardIds = [];
  customer.default_source = null;
  customer.default_payment_method = null;
  for (const pm of space.paymentMethodsOf(customer.id)) space.setPaymentMethodCustomer(pm, null);
  customer.deleted = true;
  return deletedJson(customer.id, 'customer');
}

function liveCustomersNewestFirst(ctx: RequestContext): CustomerRecord[] {
  const order = ctx.space.customerOrder;
  const out: CustomerRecord[] = [];
  for (let i = order.length - 1; i >= 0; i--) {
    const customer = order.at(i) as CustomerRecord;
    if (!customer.deleted) out.push(customer);
  }
  return out;
}

/**
 * Newest first, with Stripe's filters: `email` (exact, case-sensitive) and `created`
 * (`created=<ts>` or `created[gt|gte|lt|lte]`), which together partition a large account.
 */
export function listCustomers(ctx: RequestContext): Json {
  const page = pageParams(ctx.params);
  const emailFilter = str(ctx.params, 'email');
  const created = createdRange(ctx.params);
  const { data, has_more } = pageOfIndex(ctx.space.customerOrder, page, {
    kind: 'customer',
    lookup: (id) => ctx.space.customers.get(id),
    created,
    where: emailFilter ? (c) => !c.deleted && c.email === emailFilter : (c) => !c.deleted,
  });
  return listObject(
    '/v1/customers',
    data.map((c) => customerJson(c, ctx.space)),
    has_more,
  );
}

export function searchCustomers(ctx: RequestContext): Json {
  return searchResult(
    ctx,
    '/v1/customers/search',
    liveCustomersNewestFirst(ctx).map((c) => customerJson(c, ctx.space)),
  );
}
