import { defineGatewayKind, type GatewayCapability, inputString, inputUrl } from '@cardbridge/core';
import { z } from 'zod';
import { StripeGateway } from './stripe-gateway.js';

/**
 * The Stripe gateway kind (see `GatewayKindModule` in core). Credentials: the secret key,
 * sealed. Config: livemode (from the key), the Connect account and an API base override (a
 * Stripe-compatible server such as the emulator; the host's allow-list decides where it may
 * point).
 *
 * Accounts created before the kind seam sealed the bare secret key, not JSON:
 * `legacyCredentials` reads them (see packages/db/drizzle/0002_gateway_kinds.sql).
 */

export const stripeSecretKeySchema = inputString()
  .trim()
  .regex(
    /^(sk|rk)_(test|live)_[A-Za-z0-9_]{8,}$/,
    'must be a Stripe secret key (sk_test_…, sk_live_…, rk_…)',
  );

export const stripeCredentials = z.strictObject({ secretKey: z.string().min(1) });
export type StripeCredentials = z.infer<typeof stripeCredentials>;

export const stripeConfig = z.strictObject({
  livemode: z.boolean(),
  connectedAccountId: z.string().optional(),
  apiBase: z.string().optional(),
});
export type StripeConfig = z.infer<typeof stripeConfig>;

const always: readonly GatewayCapability[] = [
  'import',
  'token',
  'rawCard',
  'charge',
  'refund',
  'exportTarget',
];

export const stripeKind = defineGatewayKind({
  kind: 'stripe',
  inputTypes: ['stripe'],
  inputFields: {
    secretKey: stripeSecretKeySchema,
    /** Stripe Connect: act on this connected account (Stripe-Account header). */
    connectedAccountId: inputString()
      .regex(/^acct_[A-Za-z0-9]+$/, 'must be a Stripe account id (acct_…)')
      .optional(),
    /** A Stripe-compatible server, e.g. the local emulator at http://127.0.0.1:12111. */
    apiBase: inputUrl().optional(),
  },
  credentials: stripeCredentials,
  config: stripeConfig,
  setup: (fields) => ({
    credentials: { secretKey: fields.secretKey },
    config: {
      livemode: fields.secretKey.includes('_live_'),
      ...(fields.connectedAccountId !== undefined ? { connectedAccountId: fields.connectedAccountId } : {}),
      ...(fields.apiBase !== undefined ? { apiBase: fields.apiBase } : {}),
    },
    credentialsHint: fields.secretKey.slice(-4),
    defaultName: fields.connectedAccountId ? `Stripe Connect ${fields.connectedAccountId}` : 'Stripe',
  }),
  capabilities: (config) => (config.connectedAccountId ? [...always, 'connect'] : always),
  view: (config) => ({
    livemode: config.livemode,
    connectedAccountId: config.connectedAccountId ?? null,
    apiBase: config.apiBase ?? null,
  }),
  endpointOverride: (config) => (config.apiBase ? { url: config.apiBase, field: 'apiBase' } : null),
  legacyCredentials: (plaintext) => ({ secretKey: plaintext }),
  create: (credentials, config, runtime) => {
    if (!credentials) throw new TypeError('a Stripe account needs its secret key');
    return new StripeGateway({
      secretKey: credentials.secretKey,
      ...(config.connectedAccountId !== undefined ? { connectedAccountId: config.connectedAccountId } : {}),
      ...(config.apiBase !== undefined ? { apiBase: config.apiBase } : {}),
      timeoutMs: runtime.timeoutMs,
      ...(runtime.deadlineMs !== undefined ? { deadlineMs: runtime.deadlineMs } : {}),
      maxRetries: runtime.maxRetries ?? 2,
      ...(runtime.sleep ? { sleep: runtime.sleep } : {}),
      ...(runtime.throttle ? { throttle: runtime.throttle } : {}),
      ...(runtime.onRateLimited ? { onRateLimited: runtime.onRateLimited } : {}),
    });
  },
});
