import { createHash } from 'node:crypto';
import {
  alpha2FromCountryId,
  type CardWriteResult,
  type CreateFromTokenInput,
  countryFromAlpha2,
  DomainError,
  type DuplicatePolicy,
  type GatewayAddress,
  type GatewayCard,
  type ImportStripeCardInput,
  type PaymentGateway,
  type PaymentMethodDto,
  paymentMethodFieldsFromGatewayCard,
  toPaymentMethodDto,
  type UpdatePaymentMethodInput,
} from '@cardbridge/core';
import {
  findActiveByFingerprint,
  findGatewayCustomer,
  findPaymentMethodByExternalCard,
  type GatewayAccountRow,
  listGatewayAccounts,
  type PaymentMethodRow,
  rememberGatewayCustomer,
  updatePaymentMethod,
} from '@cardbridge/db';
import type { Actor } from '../actor.js';
import type { AppDeps } from '../context.js';
import { requireCustomer } from './customers.js';
import { requireGatewayAccount, resolveGateway } from './gateway-accounts.js';
import { insertWithDefaultRule, requireEditablePaymentMethod, withCustomerLock } from './payment-methods.js';

/** Our deterministic idempotency key for a gateway call: same intent, same key, on every retry. */
export function gatewayIdempotencyKey(...parts: (string | number)[]): string {
  return `cb_${createHash('sha256').update(parts.join('\u0000')).digest('base64url').slice(0, 40)}`;
}

const stripeOnly = (account: GatewayAccountRow) =>
  account.type === 'stripe' ? null : `gateway account ${account.id} is not a Stripe account`;

const connectOnly = (account: GatewayAccountRow) =>
  stripeOnly(account) ??
  (account.connectedAccountId ? null : `gateway account ${account.id} is not a Stripe Connect account`);

/**
 * Stores a gateway card under our customer exactly once: under the customer's lock the
 * (tenant, gateway account, external card id) key is checked first, so a repeated or
 * concurrent import returns the existing payment method instead of a copy.
 */
async function storeGatewayCard(
  deps: AppDeps,
  tenantId: number,
  customerId: number,
  account: GatewayAccountRow,
  card: GatewayCard,
  extra: { isDefault?: boolean } = {},
): Promise<PaymentMethodRow> {
  return withCustomerLock(deps.db, tenantId, customerId, async (tx) => {
    const existing = await findPaymentMethodByExternalCard(tx, tenantId, account.id, card.externalCardId);
    if (existing) {
      if (existing.customerId !== customerId) {
        throw new DomainError(
          'CONFLICT',
          `Card ${card.externalCardId} already belongs to customer ${existing.customerId} as payment method ${existing.id}.`,
        );
      }
      return existing;
    }
    if (card.externalCustomerId) {
      await rememberGatewayCustomer(tx, tenantId, {
        customerId,
        gatewayAccountId: account.id,
        externalCustomerId: card.externalCustomerId,
      });
    }
    return insertWithDefaultRule(tx, tenantId, {
      customerId,
      gatewayAccountId: account.id,
      ...paymentMethodFieldsFromGatewayCard(card),
      isDefault: extra.isDefault ?? false,
    });
  });
}

async function importCard(
  deps: AppDeps,
  actor: Actor,
  input: ImportStripeCardInput,
  accept: (a: GatewayAccountRow) => string | null,
): Promise<CardWriteResult> {
  await requireCustomer(deps.db, actor.tenantId, input.customerId);
  const { account, gateway } = await resolveGateway(deps, actor.tenantId, input.gatewayAccountId, accept);
  const known = await findPaymentMethodByExternalCard(
    deps.db,
    actor.tenantId,
    account.id,
    input.stripeCardId,
  );
  if (known && known.customerId === input.customerId) return written(known, undefined);
  // Ownership is Stripe's answer: a card not on that Stripe customer is "No such source".
  const card = await gateway.retrieveCard({
    externalCustomerId: input.stripeCustomerId,
    externalCardId: input.stripeCardId,
  });
  const duplicate = await duplicateOf(deps, actor.tenantId, input.customerId, card, input.duplicatePolicy);
  if (duplicate && input.duplicatePolicy === 'return_existing') return written(duplicate, duplicate);
  return written(await storeGatewayCard(deps, actor.tenantId, input.customerId, account, card), duplicate);
}

const written = (row: PaymentMethodRow, duplicate: PaymentMethodRow | undefined): CardWriteResult => ({
  ...toPaymentMethodDto(row),
  duplicateOf: duplicate?.id ?? null,
  collected: null,
});

/**
 * Another active card of the customer with the gateway's fingerprint of this card (the same
 * card number), under the caller's policy: `reject` refuses, the others report it.
 */
async function duplicateOf(
  deps: AppDeps,
  tenantId: number,
  customerId: number,
  card: GatewayCard,
  policy: DuplicatePolicy,
): Promise<PaymentMethodRow | undefined> {
  if (!card.fingerprint) return undefined;
  const found = await findActiveByFingerprint(deps.db, tenantId, customerId, card.fingerprint);
  if (!found || found.externalCardId === card.externalCardId) return undefined;
  if (policy === 'reject') {
    throw new DomainError(
      'CONFLICT',
      `This card duplicates payment method ${found.id} of customer ${customerId}.`,
      {
        duplicateOf: found.id,
      },
    );
  }
  return found;
}

/** `seeds/fusebill-stripe-card-import.txt`: a card from a Stripe customer's vault, by reference only. */
export function importStripeCard(deps: AppDeps, actor: Actor, input: ImportStripeCardInput) {
  return importCard(deps, actor, input, stripeOnly);
}

/**
 * The same import through a Stripe Connect account (`Stripe-Account` header on every call).
 * Without `gatewayAccountId`: the default account if it is a Connect one, else the tenant's
 * only active Connect account (the seed's body names no account).
 */
export async function importStripeConnectCard(deps: AppDeps, actor: Actor, input: ImportStripeCardInput) {
  let gatewayAccountId = input.gatewayAccountId;
  if (gatewayAccountId === undefined) {
    const accounts = (await listGatewayAccounts(deps.db, actor.tenantId)).filter(
      (a) => a.status === 'active' && !connectOnly(a),
    );
    const chosen = accounts.find((a) => a.isDefault) ?? (accounts.length === 1 ? accounts[0] : undefined);
    if (!chosen) {
      throw DomainError.field(
        'gatewayAccountId',
        accounts.length === 0
          ? 'the tenant has no Stripe Connect gateway account'
          : 'the tenant has several Stripe Connect accounts: name one',
      );
    }
    gatewayAccountId = chosen.id;
  }
  return importCard(deps, actor, { ...input, gatewayAccountId }, connectOnly);
}

/** Our customer's customer at the gateway: created on first use and remembered. */
export async function gatewayCustomerFor(
  deps: AppDeps,
  tenantId: number,
  customerId: number,
  account: GatewayAccountRow,
  gateway: PaymentGateway,
): Promise<string> {
  const known = await findGatewayCustomer(deps.db, tenantId, customerId, account.id);
  if (known) return known;
  const customer = await requireCustomer(deps.db, tenantId, customerId);
  const name = [customer.firstName, customer.lastName].filter(Boolean).join(' ') || null;
  const { externalCustomerId } = await gateway.createCustomer({
    email: customer.email,
    name,
    metadata: { cardbridge_tenant_id: String(tenantId), cardbridge_customer_id: String(customerId) },
    idempotencyKey: gatewayIdempotencyKey('customer', tenantId, customerId, account.id),
  });
  return rememberGatewayCustomer(deps.db, tenantId, {
    customerId,
    gatewayAccountId: account.id,
    externalCustomerId,
  });
}

export function addressPatch(input: {
  address1?: string;
  address2?: string;
  city?: string;
  state?: string;
  postalZip?: string;
  countryId?: number | null;
}): Partial<GatewayAddress> {
  const patch: Partial<GatewayAddress> = {};
  if (input.address1 !== undefined) patch.line1 = input.address1;
  if (input.address2 !== undefined) patch.line2 = input.address2;
  if (input.city !== undefined) patch.city = input.city;
  if (input.state !== undefined) patch.state = input.state;
  if (input.postalZip !== undefined) patch.postalCode = input.postalZip;
  if (input.countryId !== undefined) {
    const alpha2 = alpha2FromCountryId(input.countryId);
    if (input.countryId !== null && !alpha2)
      throw DomainError.field('countryId', 'unknown ISO 3166-1 numeric code');
    patch.country = alpha2;
  }
  return patch;
}

function nameOf(firstName: string | undefined, lastName: string | undefined, current?: PaymentMethodRow) {
  if (firstName === undefined && lastName === undefined) return undefined;
  return (
    [firstName ?? current?.firstName ?? '', lastName ?? current?.lastName ?? ''].join(' ').trim() || null
  );
}

/** A card created at the gateway from a token, on the gateway customer mapped to ours. */
export async function createFromToken(
  deps: AppDeps,
  actor: Actor,
  input: CreateFromTokenInput,
): Promise<CardWriteResult> {
  await requireCustomer(deps.db, actor.tenantId, input.customerId);
  const { account, gateway } = await resolveGateway(deps, actor.tenantId, input.gatewayAccountId);
  const externalCustomerId = await gatewayCustomerFor(
    deps,
    actor.tenantId,
    input.customerId,
    account,
    gateway,
  );
  let card = await gateway.createCardFromToken({
    externalCustomerId,
    token: input.token,
    metadata: { cardbridge_customer_id: String(input.customerId) },
    idempotencyKey: gatewayIdempotencyKey(
      'card-from-token',
      actor.tenantId,
      account.id,
      externalCustomerId,
      input.token,
    ),
  });
  const name = nameOf(input.firstName, input.lastName);
  const address = addressPatch(input);
  if (name !== undefined || Object.keys(address).length > 0) {
    card = await gateway.updateCard(
      { externalCustomerId, externalCardId: card.externalCardId },
      { ...(name !== undefined ? { name } : {}), address },
      gatewayIdempotencyKey(
        'card-billing',
        actor.tenantId,
        account.id,
        card.externalCardId,
        JSON.stringify(input),
      ),
    );
  }
  const ref = { externalCustomerId, externalCardId: card.externalCardId };
  const duplicate = await duplicateOf(
    deps,
    actor.tenantId,
    input.customerId,
    card,
    input.duplicatePolicy,
  ).catch(async (err: unknown) => {
    // Refused as a duplicate: the card just created at the gateway is not kept there either.
    await gateway.deleteCard(ref).catch(() => {});
    throw err;
  });
  if (duplicate && input.duplicatePolicy === 'return_existing') {
    await gateway.deleteCard(ref).catch(() => {});
    return written(duplicate, duplicate);
  }
  const row = await storeGatewayCard(deps, actor.tenantId, input.customerId, account, card, {
    isDefault: input.isDefault,
  });
  return written(row, duplicate);
}

/** Gateway first, then our row: a gateway refusal leaves our data untouched. */
export async function updatePaymentMethodDetails(
  deps: AppDeps,
  actor: Actor,
  input: UpdatePaymentMethodInput,
): Promise<PaymentMethodDto> {
  const row = await requireEditablePaymentMethod(deps.db, actor.tenantId, input.id);
  const { id, expirationMonth, expirationYear, firstName, lastName, stateId, ...rest } = input;
  const year4 =
    expirationYear === undefined ? undefined : expirationYear < 100 ? 2000 + expirationYear : expirationYear;
  const address = addressPatch(rest);
  let fromGateway: Partial<PaymentMethodRow> = {};
  if (row.gatewayAccountId !== null && row.externalCardId && row.externalCustomerId) {
    const account = await requireGatewayAccount(deps.db, actor.tenantId, row.gatewayAccountId);
    const gateway = await deps.gateways.forAccount(account);
    const name = nameOf(firstName, lastName, row);
    const card = await gateway.updateCard(
      { externalCustomerId: row.externalCustomerId, externalCardId: row.externalCardId },
      {
        ...(name !== undefined ? { name } : {}),
        ...(Object.keys(address).length ? { address } : {}),
        ...(expirationMonth !== undefined ? { expMonth: expirationMonth, expYear: year4 } : {}),
      },
      gatewayIdempotencyKey(
        'card-update',
        actor.tenantId,
        row.id,
        row.modifiedAt.toISOString(),
        JSON.stringify(input),
      ),
    );
    fromGateway = { fingerprint: card.fingerprint ?? row.fingerprint };
  }
  const country =
    rest.countryId === undefined ? undefined : countryFromAlpha2(alpha2FromCountryId(rest.countryId));
  const updated = await updatePaymentMethod(deps.db, actor.tenantId, id, {
    ...fromGateway,
    ...(firstName !== undefined ? { firstName } : {}),
    ...(lastName !== undefined ? { lastName } : {}),
    ...(rest.address1 !== undefined ? { address1: rest.address1 } : {}),
    ...(rest.address2 !== undefined ? { address2: rest.address2 } : {}),
    ...(rest.city !== undefined ? { city: rest.city } : {}),
    ...(rest.state !== undefined ? { state: rest.state } : {}),
    ...(stateId !== undefined ? { stateId } : {}),
    ...(rest.postalZip !== undefined ? { postalZip: rest.postalZip } : {}),
    ...(rest.countryId !== undefined
      ? { countryId: country?.countryId ?? null, country: country?.country ?? '' }
      : {}),
    ...(expirationMonth !== undefined ? { expirationMonth, expirationYear: year4 } : {}),
  });
  return toPaymentMethodDto(updated!);
}
