import {
  type CardWriteResult,
  type CreateCardInput,
  DomainError,
  fromMinorUnits,
  notFound,
  type ReplaceCreditCardInput,
  toMinorUnits,
} from '@cardbridge/core';
import {
  claimPaymentMethod,
  clearDefaultPaymentMethod,
  insertPaymentMethod,
  releasePaymentMethodClaim,
  updatePaymentMethod,
} from '@cardbridge/db';
import type { Actor } from '../../actor.js';
import type { AppDeps } from '../../context.js';
import { recordChange } from '../audit.js';
import { requireCustomer } from '../customers.js';
import { needs, resolveGateway } from '../gateway-accounts.js';
import { checkDuplicate } from './duplicates.js';
import { written } from './gateway-cards.js';
import { addressPatch, gatewayCustomerFor } from './gateway-customer.js';
import { GatewaySteps, type StepTarget } from './gateway-steps.js';
import { type GatewayPlacement, type IntakeCard, intakeCard, vaultedColumns } from './intake.js';
import { leaseFrom } from './leases.js';
import { insertWithDefaultRule, requireEditablePaymentMethod, withCustomerLock } from './rows.js';

/*
 * The PCI path: cards from a full number into our vault, optionally placed at a gateway too
 * (which verifies them, as Stripe does on attach).
 */

interface Placed {
  target: StepTarget & { externalCustomerId: string };
  placement: GatewayPlacement;
}

/** Creates the card at a gateway account, as a gateway intent of `steps`. */
async function placeAtGateway(
  deps: AppDeps,
  steps: GatewaySteps,
  tenantId: number,
  customerId: number,
  gatewayAccountId: number | undefined,
  card: IntakeCard,
  collecting = false,
): Promise<Placed> {
  const accept = collecting ? needs(deps, 'rawCard', 'charge') : needs(deps, 'rawCard');
  const { account, gateway } = await resolveGateway(deps, tenantId, gatewayAccountId, accept);
  const externalCustomerId = await gatewayCustomerFor(deps, tenantId, customerId, account, gateway);
  const target = { account, gateway, customerId, externalCustomerId };
  const created = await steps.run(
    'create_card',
    target,
    ({ idempotencyKey, metadata }) =>
      gateway.createCardFromNumber({
        externalCustomerId,
        pan: card.pan,
        ...(card.cvv ? { cvv: card.cvv } : {}),
        expMonth: card.expiry.month,
        expYear: card.expiry.year4,
        name: `${card.holder.firstName} ${card.holder.lastName}`.trim() || null,
        address: addressPatch(card.holder),
        metadata: { cardbridge_customer_id: String(customerId), ...metadata },
        idempotencyKey,
      }),
    (c) => c.externalCardId,
  );
  return {
    target,
    placement: { gatewayAccountId: account.id, externalCustomerId, externalCardId: created.externalCardId },
  };
}

/** `paymentMethods.createCard`: a card from its full number, into our vault. */
export async function createCard(
  deps: AppDeps,
  actor: Actor,
  input: CreateCardInput,
): Promise<CardWriteResult> {
  const { tenantId } = actor;
  await requireCustomer(deps.db, tenantId, input.customerId);
  const card = intakeCard(deps, tenantId, input);
  const policy = input.duplicatePolicy;
  // An early answer before any gateway work; the binding decision is taken under the lock.
  const early = await checkDuplicate(deps.db, tenantId, input.customerId, card.fingerprint, policy);
  if (early && policy === 'return_existing') return written(early, early);
  const steps = new GatewaySteps(deps, tenantId);
  const outcome = await steps.commitOrCompensate(async () => {
    const placed = input.verify
      ? await placeAtGateway(deps, steps, tenantId, input.customerId, input.gatewayAccountId, card)
      : undefined;
    const columns = await vaultedColumns(deps, tenantId, card, placed?.placement);
    return withCustomerLock(deps.db, tenantId, input.customerId, async (tx) => {
      const duplicate = await checkDuplicate(tx, tenantId, input.customerId, card.fingerprint, policy);
      if (duplicate && policy === 'return_existing')
        return { result: written(duplicate, duplicate), kept: false };
      const row = await insertWithDefaultRule(tx, tenantId, {
        ...columns,
        customerId: input.customerId,
        isDefault: input.isDefault ?? false,
      });
      await steps.commit(tx);
      const result = await recordChange(
        tx,
        actor,
        { action: 'paymentMethods.createCard', targetType: 'paymentMethods', targetId: row.id },
        written(row, duplicate),
      );
      return { result, kept: true };
    });
  });
  if (!outcome.kept) await steps.compensate();
  return outcome.result;
}

/** Charges an amount on the card just placed at a gateway, as a gateway intent of `steps`. */
async function collect(
  steps: GatewaySteps,
  placed: Placed,
  replacedId: number,
  options: { collectionAmount: number; currency: string },
) {
  const amountMinor = toMinorUnits(
    options.collectionAmount,
    options.currency,
    'paymentCollectOptions.collectionAmount',
  );
  const { gateway } = placed.target;
  const charge = await steps.run(
    'charge',
    { ...placed.target, details: { amountMinor, currency: options.currency } },
    ({ idempotencyKey, metadata }) =>
      gateway.charge({
        externalCustomerId: placed.placement.externalCustomerId,
        externalCardId: placed.placement.externalCardId,
        amountMinor,
        currency: options.currency,
        description: `cardbridge replace of payment method ${replacedId}`,
        metadata: { cardbridge_replaced_payment_method_id: String(replacedId), ...metadata },
        idempotencyKey,
      }),
    (c) => c.chargeId,
  );
  return {
    amount: fromMinorUnits(charge.amountMinor, charge.currency),
    currency: charge.currency,
    chargeId: charge.chargeId,
    status: charge.status,
  };
}

/**
 * Claims the card for this replace before any gateway call: of concurrent replaces of one
 * card exactly one gets it; the others get a 409 and cause no gateway side effect.
 */
async function claimForReplace(deps: AppDeps, tenantId: number, id: number, operationId: string) {
  const now = deps.clock();
  const claimed = await claimPaymentMethod(deps.db, tenantId, id, {
    operationId,
    now,
    until: leaseFrom(deps),
  });
  if (claimed) return;
  await requireEditablePaymentMethod(deps.db, tenantId, id); // deleted or replaced meanwhile: say so
  throw new DomainError(
    'CONFLICT',
    `Payment method ${id} is being replaced by another request; retry once it has finished.`,
  );
}

/**
 * Fusebill API "Replace credit card": a NEW payment method from the full number, linked
 * to the old one by `originalPaymentMethodId`. The new row, the old one becoming `replaced` and
 * the default flag moving happen in one transaction. With `paymentCollectOptions` the amount is
 * collected first; a decline, or a replacement that cannot commit, leaves everything as it was
 * (the new gateway card removed, a charge refunded).
 */
export async function replaceCreditCard(
  deps: AppDeps,
  actor: Actor,
  input: ReplaceCreditCardInput,
): Promise<CardWriteResult> {
  const { tenantId } = actor;
  const old = await requireEditablePaymentMethod(deps.db, tenantId, input.id);
  if (old.customerId !== input.customerId) throw notFound.paymentMethod(input.id);
  const card = intakeCard(deps, tenantId, input);
  const policy = input.duplicatePolicy;
  const except = { id: old.id };
  const early = await checkDuplicate(deps.db, tenantId, old.customerId, card.fingerprint, policy, except);
  if (early && policy === 'return_existing') return written(early, early);

  const steps = new GatewaySteps(deps, tenantId);
  await claimForReplace(deps, tenantId, old.id, steps.operationId);
  try {
    return await steps.commitOrCompensate(async () => {
      // A card that lived at a gateway is replaced there too; collecting needs one as well.
      const needsGateway = old.gatewayAccountId !== null || input.paymentCollectOptions !== undefined;
      const placed = needsGateway
        ? await placeAtGateway(
            deps,
            steps,
            tenantId,
            old.customerId,
            old.gatewayAccountId ?? undefined,
            card,
            input.paymentCollectOptions !== undefined,
          )
        : undefined;
      const collected =
        placed && input.paymentCollectOptions
          ? await collect(steps, placed, old.id, input.paymentCollectOptions)
          : null;
      const columns = await vaultedColumns(deps, tenantId, card, placed?.placement);
      return withCustomerLock(deps.db, tenantId, old.customerId, async (tx) => {
        const current = await requireEditablePaymentMethod(tx, tenantId, old.id);
        if (current.claimOperationId !== steps.operationId) {
          throw new DomainError(
            'CONFLICT',
            `Payment method ${old.id} was claimed by another request meanwhile.`,
          );
        }
        // Under the lock, `return_existing` cannot switch to another card: the gateway work is done.
        const duplicate = await checkDuplicate(
          tx,
          tenantId,
          old.customerId,
          card.fingerprint,
          policy === 'reject' ? 'reject' : 'allow',
          except,
        );
        let replacement = await insertPaymentMethod(tx, tenantId, {
          ...columns,
          customerId: old.customerId,
          originalPaymentMethodId: old.id,
          state: old.state,
          email: old.email,
          isDefault: false,
        });
        await updatePaymentMethod(tx, tenantId, current.id, {
          status: 'replaced',
          isDefault: false,
          claimOperationId: null,
          claimedUntil: null,
        });
        if (current.isDefault || input.isDefault) {
          await clearDefaultPaymentMethod(tx, tenantId, old.customerId);
          replacement = (await updatePaymentMethod(tx, tenantId, replacement.id, { isDefault: true }))!;
        }
        await steps.commit(tx);
        return recordChange(
          tx,
          actor,
          {
            action: 'paymentMethods.replaceCreditCard',
            targetType: 'paymentMethods',
            targetId: replacement.id,
            details: {
              replacedPaymentMethodId: old.id,
              ...(collected ? { chargeId: collected.chargeId } : {}),
            },
          },
          written(replacement, duplicate, collected),
        );
      });
    });
  } finally {
    await releasePaymentMethodClaim(deps.db, tenantId, old.id, steps.operationId);
  }
}
