import { z } from 'zod';
import { idSchema } from '../ids.js';
import { bothCursorsMessage, listOutput, noBothCursors, paginationInput } from '../pagination.js';
import { freeText, inputString } from '../text.js';

/** The one definition of a payment method's statuses (the database column uses it too). */
export const paymentMethodStatuses = ['active', 'replaced', 'deleted'] as const;
export const paymentMethodStatus = z.enum(paymentMethodStatuses);
export type PaymentMethodStatus = z.infer<typeof paymentMethodStatus>;

/**
 * The payment method DTO: the seeds' field names (Fusebill), one shape for tRPC and REST,
 * plus what cardbridge adds (gatewayAccountId, status, fingerprint, createdDate).
 * `expirationYear` is YY as in the seeds. Never a full card number.
 */
export const paymentMethodDto = z.strictObject({
  id: idSchema,
  customerId: idSchema,
  maskedCardNumber: z.string().regex(/^\*+\d{4}$/),
  cardType: z.string(),
  expirationMonth: z.number().int().min(1).max(12),
  expirationYear: z.number().int().min(0).max(99),
  firstName: z.string(),
  lastName: z.string(),
  address1: z.string(),
  address2: z.string(),
  countryId: z.number().int().nullable(),
  country: z.string(),
  stateId: z.number().int().nullable(),
  state: z.string(),
  city: z.string(),
  postalZip: z.string(),
  isDefault: z.boolean(),
  externalCustomerId: z.string().nullable(),
  externalCardId: z.string().nullable(),
  storedInVault: z.boolean(),
  email: z.string().nullable(),
  modifiedDate: z.string(),
  originalPaymentMethodId: idSchema.nullable(),
  uri: z.string().nullable(),
  gatewayAccountId: idSchema.nullable(),
  status: paymentMethodStatus,
  fingerprint: z.string().nullable(),
  createdDate: z.string(),
});
export type PaymentMethodDto = z.infer<typeof paymentMethodDto>;

export const paymentMethodIdInput = z.strictObject({ id: idSchema });

export const listPaymentMethodsInput = z
  .strictObject({ customerId: idSchema, ...paginationInput })
  .refine(noBothCursors, bothCursorsMessage);
export type ListPaymentMethodsInput = z.infer<typeof listPaymentMethodsInput>;

export const paymentMethodList = listOutput(paymentMethodDto);

export const deletePaymentMethodInput = z.strictObject({
  id: idSchema,
  /** Also delete (card) or detach (PaymentMethod) it at the gateway. */
  atGateway: z.boolean().default(false),
});

export const deletedPaymentMethodDto = z.strictObject({
  id: idSchema,
  deleted: z.literal(true),
  /** The card that is the customer's default after the delete, if any. */
  newDefaultPaymentMethodId: idSchema.nullable(),
});

/** What a caller does when the card's fingerprint already exists for that customer. */
export const duplicatePolicy = z.enum(['allow', 'reject', 'return_existing']);
export type DuplicatePolicy = z.infer<typeof duplicatePolicy>;

/** Name and billing address of a card, with the seed's maximum lengths. */
export const billingFields = {
  firstName: freeText().trim().max(50).optional(),
  lastName: freeText().trim().max(50).optional(),
  address1: freeText().trim().max(50).optional(),
  address2: freeText().trim().max(50).optional(),
  city: freeText().trim().max(50).optional(),
  state: freeText().trim().max(50).optional(),
  /** Stored in an int4 column, like an id. */
  stateId: idSchema.nullable().optional(),
  /** ISO 3166-1 numeric, as the seed's `countryId: 124`. */
  countryId: z.number().int().positive().max(999).nullable().optional(),
  postalZip: freeText().trim().max(10).optional(),
};

const stripeCustomerId = inputString().regex(/^cus_[A-Za-z0-9]+$/, 'must be a Stripe customer id (cus_…)');
const stripeCardId = inputString().regex(
  /^(card|pm)_[A-Za-z0-9]+$/,
  'must be a Stripe card id (card_…) or PaymentMethod id (pm_…)',
);

/** The seed's import body (Fusebill API "Stripe card import"), plus an optional account. */
export const importStripeCardInput = z.strictObject({
  customerId: idSchema,
  stripeCustomerId,
  stripeCardId,
  gatewayAccountId: idSchema.optional(),
  duplicatePolicy: duplicatePolicy.default('allow'),
});
export type ImportStripeCardInput = z.infer<typeof importStripeCardInput>;

export const createFromTokenInput = z.strictObject({
  customerId: idSchema,
  gatewayAccountId: idSchema.optional(),
  /** A gateway token: Stripe `tok_…` or a PaymentMethod `pm_…` to attach. */
  token: inputString().regex(
    /^(tok|pm)_[A-Za-z0-9_]+$/,
    'must be a gateway token (tok_…) or PaymentMethod (pm_…)',
  ),
  isDefault: z.boolean().optional(),
  duplicatePolicy: duplicatePolicy.default('allow'),
  ...billingFields,
});
export type CreateFromTokenInput = z.infer<typeof createFromTokenInput>;

export const updatePaymentMethodInput = z
  .strictObject({
    id: idSchema,
    ...billingFields,
    expirationMonth: z.number().int().min(1).max(12).optional(),
    /** YY or YYYY. */
    expirationYear: z.number().int().min(0).max(2099).optional(),
  })
  .refine((v) => Object.keys(v).length > 1, { message: 'nothing to update', path: ['id'] })
  .refine((v) => (v.expirationMonth === undefined) === (v.expirationYear === undefined), {
    message: 'expirationMonth and expirationYear are updated together',
    path: ['expirationYear'],
  });
export type UpdatePaymentMethodInput = z.infer<typeof updatePaymentMethodInput>;
