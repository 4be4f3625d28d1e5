import { z } from 'zod';

/**
 * The shape of every Stripe answer the adapter reads, checked before it reads it. The SDK's
 * TypeScript types are a promise about Stripe, not about whatever answers at `apiBase`: a
 * card with a numeric id or no `last4` would otherwise reach the mappers (and our rows) or
 * throw a TypeError deep in them. Only the fields the adapter and the mappers use are
 * checked; everything else passes through untouched (loose objects).
 */

const text = z.string().nullish();
const id = z.string().min(1);
const expandable = z.union([id, z.looseObject({ id })]).nullish();
const metadata = z.record(z.string(), z.unknown()).nullish();
const int = z.number().int();

/** A Card object (customer source `card_…`): what `mapStripeCard` reads. */
const stripeCardShape = z.looseObject({
  id,
  object: z.literal('card'),
  brand: z.string(),
  last4: z.string(),
  exp_month: int,
  exp_year: int,
  name: text,
  address_line1: text,
  address_line2: text,
  address_city: text,
  address_state: text,
  address_zip: text,
  address_country: text,
  fingerprint: text,
  customer: expandable,
  metadata,
});

/** A customer source of another kind (bank account, deleted card…): refused by the adapter by its `object`. */
const otherSourceShape = z.looseObject({
  id,
  object: z.string().refine((o) => o !== 'card'),
});
const deletedCardShape = z.looseObject({ id, object: z.literal('card'), deleted: z.literal(true) });

export const stripeSourceShape = z.union([stripeCardShape, deletedCardShape, otherSourceShape]);

const address = z
  .looseObject({ line1: text, line2: text, city: text, state: text, postal_code: text, country: text })
  .nullish();

/** A PaymentMethod (`pm_…`): what `mapStripePaymentMethod` and the ownership check read. */
export const stripePaymentMethodShape = z.looseObject({
  id,
  type: z.string(),
  customer: expandable,
  billing_details: z.looseObject({ name: text, address }).nullish(),
  card: z
    .looseObject({ brand: z.string(), last4: z.string(), exp_month: int, exp_year: int, fingerprint: text })
    .nullish(),
  metadata,
});

const listOf = <T extends z.ZodType>(item: T) =>
  z.looseObject({ data: z.array(item), has_more: z.boolean() });

export const stripeSourceListShape = listOf(stripeSourceShape);
export const stripePaymentMethodListShape = listOf(stripePaymentMethodShape);

/** Customers, tokens, deleted sources, detached PaymentMethods: only the id is read. */
export const stripeObjectWithIdShape = z.looseObject({ id });

export const stripeChargeShape = z.looseObject({
  id,
  status: z.string(),
  amount: int,
  currency: z.string(),
  failure_message: text,
  failure_code: text,
  outcome: z.looseObject({ reason: text }).nullish(),
});

export const stripePaymentIntentShape = z.looseObject({
  id,
  status: z.string(),
  amount: int,
  currency: z.string(),
  latest_charge: expandable,
  last_payment_error: z.looseObject({ message: text, code: text, decline_code: text }).nullish(),
});

/** Refunds: what `refund` reads, for the charge it undoes. */
export const stripeRefundShape = z.looseObject({
  id,
  status: text,
  amount: int,
  charge: expandable,
  failure_reason: text,
});

export const stripeRefundListShape = listOf(stripeRefundShape);

/** Charges looked up by metadata during recovery. */
export const stripeChargeListShape = listOf(
  stripeChargeShape.extend({ refunded: z.boolean(), metadata: z.record(z.string(), z.string()).nullish() }),
);

/** A customer of a listing page, its sources expanded (`expand[]=data.sources`). */
export const stripeListedCustomerShape = z.looseObject({
  id,
  email: text,
  name: text,
  description: text,
  livemode: z.boolean(),
  created: int,
  default_source: expandable,
  invoice_settings: z.looseObject({ default_payment_method: expandable }).nullish(),
  sources: stripeSourceListShape.nullish(),
});
export const stripeCustomerListShape = listOf(stripeListedCustomerShape);

export const stripeAccountShape = z.looseObject({ id, created: int.nullish() });
export const stripeAccountListShape = listOf(z.looseObject({ id, livemode: z.boolean().nullish() }));
