import { z } from 'zod';
import { idSchema } from '../ids.js';
import { bothCursorsMessage, listOutput, noBothCursors, paginationInput } from '../pagination.js';

export const paymentMethodStatus = z.enum(['active', 'replaced', 'deleted']);
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

export const deletePaymentMethodInput = z.strictObject({ id: idSchema });

export const deletedPaymentMethodDto = z.strictObject({
  id: idSchema,
  deleted: z.literal(true),
  /** The card that is the customer's default after the delete, if any. */
  newDefaultPaymentMethodId: idSchema.nullable(),
});
