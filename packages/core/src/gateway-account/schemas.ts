import { z } from 'zod';
import { idSchema } from '../ids.js';
import { freeText, inputString, inputUrl } from '../text.js';

/** The built-in kinds' input names (the API's kinds list is the authority: packages/api/src/gateways/kinds.ts). */
export const gatewayTypes = ['test', 'sandbox', 'stripe'] as const;

export const gatewayAccountDto = z.strictObject({
  id: idSchema,
  /** The gateway kind's name in inputs ('stripe'; 'test' for the built-in sandbox). */
  type: z.string(),
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

/**
 * The create input of the built-in kinds, for clients that validate before sending (the CLI).
 * The server validates with its kinds list (packages/api/src/gateways/kinds.ts), which
 * accepts this shape; a new kind does not need to appear here.
 */
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
    type: z.enum(['test', 'sandbox']),
    name: name.optional(),
    isDefault: z.boolean().default(false),
  }),
]);
export type CreateGatewayAccountInput = z.infer<typeof createGatewayAccountInput>;

export const gatewayAccountIdInput = z.strictObject({ id: idSchema });
