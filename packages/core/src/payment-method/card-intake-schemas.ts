import { z } from 'zod';
import { Cvv, Pan } from '../card/index.js';
import { isDomainError } from '../errors.js';
import { idSchema } from '../ids.js';
import { freeText, inputString } from '../text.js';
import { duplicatePolicy, paymentMethodDto } from './schemas.js';

/*
 * The PCI path. A card number or CVV is a plain string only until this schema has parsed it:
 * the service receives `Pan`/`Cvv` secrets, and an error message never contains the input.
 */

const secretIssue = (e: unknown) =>
  isDomainError(e) ? (e.details.issues?.[0]?.message ?? e.message) : 'is not valid';

export const cardNumberSchema = inputString()
  .max(40, 'card number is too long')
  .transform((value, ctx) => {
    try {
      return Pan.parse(value);
    } catch (e) {
      ctx.addIssue({ code: 'custom', message: secretIssue(e) });
      return z.NEVER;
    }
  });

/** Parsed without the brand here; the service checks the length against the card's brand. */
export const cvvSchema = inputString()
  .max(8, 'cvv is too long')
  .transform((value, ctx) => {
    try {
      return Cvv.parse(value);
    } catch (e) {
      ctx.addIssue({ code: 'custom', message: secretIssue(e) });
      return z.NEVER;
    }
  });

/** The seed's card fields with its maximum lengths (names, address lines, city 50; postalZip 10). */
const cardHolderFields = {
  expirationMonth: z.number().int().min(1).max(12),
  /** YY as the seeds send it, or YYYY. */
  expirationYear: z.number().int().min(0).max(2099),
  firstName: freeText().trim().max(50),
  lastName: freeText().trim().max(50),
  address1: freeText().trim().max(50).nullish(),
  address2: freeText().trim().max(50).nullish(),
  countryId: z.number().int().positive().max(999).nullish(),
  /** Stored in an int4 column, like an id. */
  stateId: idSchema.nullish(),
  city: freeText().trim().max(50).nullish(),
  postalZip: freeText().trim().max(10).nullish(),
};

/** The CVV's length depends on the brand, known only once the card number is parsed. */
function cvvMatchesBrand(v: { cardNumber: Pan; cvv?: Cvv | undefined }, ctx: z.RefinementCtx) {
  if (!v.cvv) return;
  try {
    v.cvv.checkFor(v.cardNumber.brand);
  } catch (e) {
    ctx.addIssue({ code: 'custom', path: ['cvv'], message: secretIssue(e) });
  }
}

export const createCardInput = z
  .strictObject({
    customerId: idSchema,
    cardNumber: cardNumberSchema,
    cvv: cvvSchema.optional(),
    ...cardHolderFields,
    isDefault: z.boolean().optional(),
    /** Verify the card by creating it at a gateway account (the customer's, or the tenant default). */
    verify: z.boolean().default(false),
    gatewayAccountId: idSchema.optional(),
    duplicatePolicy: duplicatePolicy.default('allow'),
  })
  .superRefine(cvvMatchesBrand);
export type CreateCardInput = z.infer<typeof createCardInput>;

export const paymentCollectOptions = z.strictObject({
  /** Decimal amount in major units, as the seed sends it (e.g. 25.5). */
  collectionAmount: z
    .number()
    // At least one minor unit: a positive amount that rounds to 0 cents is not a charge.
    .min(0.01)
    .max(1_000_000)
    .refine((n) => Math.abs(Math.round(n * 100) - n * 100) < 1e-6, 'at most two decimal places'),
  currency: inputString()
    .regex(/^[a-zA-Z]{3}$/, 'must be an ISO 4217 code')
    .transform((c) => c.toLowerCase())
    .default('usd'),
});

/**
 * The seed's PUT body: the DTO as read by a GET, plus the unmasked `cardNumber` and `cvv`
 * (the GET/PUT pattern). Read-only DTO fields are accepted and ignored — they describe the old
 * card — and are listed explicitly, so any other unknown field is still refused.
 */
export const replaceCreditCardInput = z
  .strictObject({
    id: idSchema,
    customerId: idSchema,
    cardNumber: cardNumberSchema,
    cvv: cvvSchema.optional(),
    ...cardHolderFields,
    isDefault: z.boolean().optional(),
    paymentCollectOptions: paymentCollectOptions.optional(),
    duplicatePolicy: duplicatePolicy.default('allow'),
    // Read-only fields of the GET DTO, ignored:
    maskedCardNumber: inputString().nullish(),
    cardType: inputString().nullish(),
    country: inputString().nullish(),
    state: inputString().nullish(),
    externalCustomerId: inputString().nullish(),
    externalCardId: inputString().nullish(),
    storedInVault: z.boolean().nullish(),
    storedInFusebillVault: z.boolean().nullish(),
    email: inputString().nullish(),
    modifiedDate: inputString().nullish(),
    createdDate: inputString().nullish(),
    originalPaymentMethodId: idSchema.nullish(),
    isUsedForBillingPeriodOverride: z.boolean().nullish(),
    uri: inputString().nullish(),
    gatewayAccountId: idSchema.nullish(),
    status: inputString().nullish(),
    fingerprint: inputString().nullish(),
  })
  .superRefine(cvvMatchesBrand);
export type ReplaceCreditCardInput = z.infer<typeof replaceCreditCardInput>;

export const collectionResult = z.strictObject({
  amount: z.number(),
  currency: z.string(),
  chargeId: z.string(),
  status: z.literal('succeeded'),
});

/** A card written through the PCI path: the DTO, what duplicates it, and what was collected. */
export const cardWriteResult = paymentMethodDto.extend({
  duplicateOf: idSchema.nullable(),
  collected: collectionResult.nullable(),
});
export type CardWriteResult = z.infer<typeof cardWriteResult>;

export const exportPaymentMethodInput = z.strictObject({
  id: idSchema,
  gatewayAccountId: idSchema,
});

/** The one definition of an export's statuses (the database column uses it too). */
export const exportStatuses = ['pending', 'succeeded', 'unknown', 'failed'] as const;
export const exportStatus = z.enum(exportStatuses);

export const paymentMethodExportDto = z.strictObject({
  id: idSchema,
  paymentMethodId: idSchema,
  gatewayAccountId: idSchema,
  status: exportStatus,
  externalCustomerId: z.string().nullable(),
  externalCardId: z.string().nullable(),
  error: z.string().nullable(),
  createdDate: z.string(),
  modifiedDate: z.string(),
});
export type PaymentMethodExportDto = z.infer<typeof paymentMethodExportDto>;

export const rotateKeysInput = z.strictObject({ batchSize: z.number().int().min(1).max(1000).default(100) });
export const rotateKeysResult = z.strictObject({
  keyVersion: z.number().int(),
  reencrypted: z.number().int(),
  remaining: z.number().int(),
});
