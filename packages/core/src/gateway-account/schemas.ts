import { z } from 'zod';
import { idSchema } from '../ids.js';
import { freeText, inputString, inputUrl } from '../text.js';

export const gatewayTypes = ['test', 'stripe'] as const;

export const gatewayAccountDto = z.strictObject({
  id: idSchema,
  type: z.enum(gatewayTypes),
  name: z.string(),
  status: z.enum(['active', 'disabled']),
  isDefault: z.boolean(),
  livemode: z.boolean(),
  connectedAccountId: z.string().nullable(),
  apiBase: z.string().nullable(),
  /** Only the last four characters of the secret key are ever shown. */
  secretKeyLast4: z.string().nullable(),
  createdDate: z.string(),
});
export type GatewayAccountDto = z.infer<typeof gatewayAccountDto>;

const name = freeText().trim().min(1).max(100);

export const stripeSecretKeySchema = inputString()
  .trim()
  .regex(
    /^(sk|rk)_(test|live)_[A-Za-z0-9_]{8,}$/,
    'must be a Stripe secret key (sk_test_…, sk_live_…, rk_…)',
  );

export const createGatewayAccountInput = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('stripe'),
    name: name.optional(),
    secretKey: stripeSecretKeySchema,
    /** Stripe Connect: act on this connected account (Stripe-Account header). */
    connectedAccountId: inputString()
      .regex(/^acct_[A-Za-z0-9]+$/, 'must be a Stripe account id (acct_…)')
      .optional(),
    /** A Stripe-compatible server, e.g. the local emulator at http://127.0.0.1:12111. */
    apiBase: inputUrl().optional(),
    isDefault: z.boolean().default(false),
  }),
  z.strictObject({
    type: z.literal('test'),
    name: name.optional(),
    isDefault: z.boolean().default(false),
  }),
]);
export type CreateGatewayAccountInput = z.infer<typeof createGatewayAccountInput>;

export const gatewayAccountIdInput = z.strictObject({ id: idSchema });
