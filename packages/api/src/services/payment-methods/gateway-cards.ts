import {
  type CardWriteResult,
  type CreateFromTokenInput,
  DomainError,
  type DuplicatePolicy,
  type GatewayCard,
  type ImportStripeCardInput,
  type PaymentGateway,
  paymentMethodFieldsFromGatewayCard,
  toPaymentMethodDto,
} from '@cardbridge/core';
import {
  findPaymentMethodByExternalCard,
  type GatewayAccountRow,
  listGatewayAccounts,
  type PaymentMethodRow,
  rememberGatewayCustomer,
} from '@cardbridge/db';
import type { Actor } from '../../actor.js';
import type { AppDeps } from '../../context.js';
import { recordChange } from '../audit.js';
import { requireCustomer } from '../customers.js';
import { needs, resolveGateway } from '../gateway-accounts.js';
import { checkDuplicate } from './duplicates.js';
import { addressPatch, gatewayCustomerFor, nameOf } from './gateway-customer.js';
import { GatewaySteps } from './gateway-steps.js';
import { cardHeldElsewhere, externalCardConflict, insertWithDefaultRule, withCustomerLock } from './rows.js';

/*
 * Cards whose number only a gateway holds: imported from a Stripe customer's vault (by
 * reference) or created at a gateway from a token.
 */

export const written = (
  row: PaymentMethodRow,
  duplicate: PaymentMethodRow | undefined,
  collected: CardWriteResult['collected'] = null,
): CardWriteResult => ({ ...toPaymentMethodDto(row), duplicateOf: duplicate?.id ?? null, collected });

interface Store {
  action: string;
  customerId: number;
  account: GatewayAccountRow;
  card: GatewayCard;
  policy: DuplicatePolicy;
  isDefault?: boolean;
  steps?: GatewaySteps;
}

type Stored = { row: PaymentMethodRow; duplicate: PaymentMethodRow | undefined; inserted: boolean };

/**
 * Stores a gateway card under our customer exactly once, under the customer's lock: the
 * (tenant, gateway account, external card id) key and the duplicate policy are decided on
 * current data, and a card held by another customer (a race the lock cannot see) is a 409.
 */
async function storeGatewayCard(deps: AppDeps, actor: Actor, s: Store): Promise<Stored> {
  const { tenantId } = actor;
  try {
    return await withCustomerLock(deps.db, tenantId, s.customerId, async (tx) => {
      const existing = await findPaymentMethodByExternalCard(
        tx,
        tenantId,
        s.account.id,
        s.card.externalCardId,
      );
      if (existing) {
        if (existing.customerId !== s.customerId) throw cardHeldElsewhere(s.card.externalCardId, existing);
        return { row: existing, duplicate: undefined, inserted: false };
      }
      const duplicate = await checkDuplicate(tx, tenantId, s.customerId, s.card.fingerprint, s.policy, {
        externalCardId: s.card.externalCardId,
      });
      if (duplicate && s.policy === 'return_existing') return { row: duplicate, duplicate, inserted: false };
      if (s.card.externalCustomerId) {
        await rememberGatewayCustomer(tx, tenantId, {
          customerId: s.customerId,
          gatewayAccountId: s.account.id,
          externalCustomerId: s.card.externalCustomerId,
        });
      }
      const row = await insertWithDefaultRule(tx, tenantId, {
        customerId: s.customerId,
        gatewayAccountId: s.account.id,
        ...paymentMethodFieldsFromGatewayCard(s.card),
        isDefault: s.isDefault ?? false,
      });
      await s.steps?.commit(tx);
      await recordChange(
        tx,
        actor,
        { action: s.action, targetType: 'paymentMethods', targetId: row.id },
        written(row, duplicate),
      );
      return { row, duplicate, inserted: true };
    });
  } catch (err) {
    return externalCardConflict(deps.db, err, tenantId, s.account.id, s.card.externalCardId);
  }
}

/** A gateway the caller already holds for an account: a job's, which waits for the account's budget. */
export interface GatewayVia {
  account: GatewayAccountRow;
  gateway: PaymentGateway;
}

async function importCard(
  deps: AppDeps,
  actor: Actor,
  input: ImportStripeCardInput,
  action: string,
  accept: (a: GatewayAccountRow) => string | null,
  via?: GatewayVia,
): Promise<CardWriteResult> {
  await requireCustomer(deps.db, actor.tenantId, input.customerId);
  const { account, gateway } = via
    ? accepted(via, accept)
    : await resolveGateway(deps, actor.tenantId, input.gatewayAccountId, accept);
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
  const { row, duplicate } = await storeGatewayCard(deps, actor, {
    action,
    customerId: input.customerId,
    account,
    card,
    policy: input.duplicatePolicy,
  });
  return written(row, duplicate);
}

function accepted(via: GatewayVia, accept: (a: GatewayAccountRow) => string | null): GatewayVia {
  const refusal = accept(via.account);
  if (refusal) throw DomainError.field('gatewayAccountId', refusal);
  return via;
}

/**
 * Fusebill API "Stripe card import": a card from a Stripe customer's vault, by reference only.
 * `via`: the account's gateway to use (a bulk job's throttled one) instead of the shared one.
 */
export function importStripeCard(
  deps: AppDeps,
  actor: Actor,
  input: ImportStripeCardInput,
  via?: GatewayVia,
) {
  return importCard(deps, actor, input, 'paymentMethods.importStripeCard', needs(deps, 'import'), via);
}

/**
 * The same import through a Stripe Connect account (`Stripe-Account` header on every call).
 * Without `gatewayAccountId`: the default account if it is a Connect one, else the tenant's
 * only active Connect account (the seed's body names no account).
 */
export async function importStripeConnectCard(deps: AppDeps, actor: Actor, input: ImportStripeCardInput) {
  const connectOnly = needs(deps, 'import', 'connect');
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
  return importCard(
    deps,
    actor,
    { ...input, gatewayAccountId },
    'paymentMethods.importStripeConnectCard',
    connectOnly,
  );
}

/**
 * A card created at the gateway from a token, on the gateway customer mapped to ours. The card
 * is a gateway intent: refused as a duplicate, or not stored for any reason, it is removed
 * from the gateway again. Its idempotency key comes from the intent, never from the token, so
 * a token sent again after its card was deleted cannot bring that card back.
 */
export async function createFromToken(
  deps: AppDeps,
  actor: Actor,
  input: CreateFromTokenInput,
): Promise<CardWriteResult> {
  const { tenantId } = actor;
  await requireCustomer(deps.db, tenantId, input.customerId);
  const { account, gateway } = await resolveGateway(
    deps,
    tenantId,
    input.gatewayAccountId,
    needs(deps, 'token'),
  );
  const externalCustomerId = await gatewayCustomerFor(deps, tenantId, input.customerId, account, gateway);
  const name = nameOf(input.firstName, input.lastName);
  const address = addressPatch(input);
  const steps = new GatewaySteps(deps, tenantId);
  const { row, duplicate, inserted } = await steps.commitOrCompensate(async () => {
    const card = await steps.run(
      'create_card',
      { account, gateway, customerId: input.customerId, externalCustomerId },
      async ({ idempotencyKey, metadata }) => {
        const created = await gateway.createCardFromToken({
          externalCustomerId,
          token: input.token,
          metadata: { cardbridge_customer_id: String(input.customerId), ...metadata },
          idempotencyKey,
        });
        if (name === undefined && Object.keys(address).length === 0) return created;
        return gateway.updateCard(
          { externalCustomerId, externalCardId: created.externalCardId },
          { ...(name !== undefined ? { name } : {}), address },
          `${idempotencyKey}_billing`,
        );
      },
      (c) => c.externalCardId,
    );
    return storeGatewayCard(deps, actor, {
      action: 'paymentMethods.createFromToken',
      customerId: input.customerId,
      account,
      card,
      policy: input.duplicatePolicy,
      isDefault: input.isDefault,
      steps,
    });
  });
  // Not stored (an existing duplicate returned instead): the new gateway card is not kept.
  if (!inserted) await steps.compensate();
  return written(row, duplicate);
}

/**
 * A card a bulk job read from an account listing: the listing is the gateway's answer, so no
 * retrieve. Stored under the customer's lock like any import; `inserted` is false when we held
 * it already. A card another customer holds is the 409 that names the holder.
 */
export async function importListedCard(
  deps: AppDeps,
  actor: Actor,
  input: { customerId: number; account: GatewayAccountRow; card: GatewayCard; isDefault: boolean },
): Promise<{ row: PaymentMethodRow; inserted: boolean }> {
  const { row, inserted } = await storeGatewayCard(deps, actor, {
    action: 'migrations.importCard',
    customerId: input.customerId,
    account: input.account,
    card: input.card,
    policy: 'allow',
    isDefault: input.isDefault,
  });
  return { row, inserted };
}
