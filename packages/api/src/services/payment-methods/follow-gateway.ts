import { type GatewayCard, paymentMethodFieldsFromGatewayCard, toPaymentMethodDto } from '@cardbridge/core';
import { clearDefaultPaymentMethod, type PaymentMethodRow, updatePaymentMethod } from '@cardbridge/db';
import type { Actor } from '../../actor.js';
import type { AppDeps } from '../../context.js';
import { recordChange } from '../audit.js';
import { markDeleted, requireEditablePaymentMethod, withCustomerLock } from './rows.js';

/*
 * Sync of an account import: our copy of a gateway-held card follows what the gateway says.
 * No gateway call (the gateway is the source), so no intent: a change of our rows only,
 * audited like any other.
 */

/** What differs between our row and the gateway's card, field by field (no card data). */
export function driftOf(row: PaymentMethodRow, card: GatewayCard, isDefaultThere: boolean) {
  const drift: Record<string, { ours: unknown; gateway: unknown }> = {};
  if (row.expirationMonth !== card.expMonth || row.expirationYear !== card.expYear) {
    drift.expiry = {
      ours: `${row.expirationMonth}/${row.expirationYear}`,
      gateway: `${card.expMonth}/${card.expYear}`,
    };
  }
  if (isDefaultThere && !row.isDefault) drift.default = { ours: false, gateway: true };
  return drift;
}

/** Applies the gateway's expiry and default to our row, under the customer's lock. */
export async function followGatewayCard(
  deps: AppDeps,
  actor: Actor,
  input: { paymentMethodId: number; customerId: number; card: GatewayCard; makeDefault: boolean },
) {
  return withCustomerLock(deps.db, actor.tenantId, input.customerId, async (tx) => {
    const current = await requireEditablePaymentMethod(tx, actor.tenantId, input.paymentMethodId);
    const fields = paymentMethodFieldsFromGatewayCard(input.card);
    if (input.makeDefault && !current.isDefault)
      await clearDefaultPaymentMethod(tx, actor.tenantId, input.customerId);
    const row = (await updatePaymentMethod(tx, actor.tenantId, current.id, {
      expirationMonth: fields.expirationMonth,
      expirationYear: fields.expirationYear,
      ...(input.makeDefault ? { isDefault: true } : {}),
    }))!;
    return recordChange(
      tx,
      actor,
      { action: 'migrations.syncCard', targetType: 'paymentMethods', targetId: row.id },
      toPaymentMethodDto(row),
    );
  });
}

/** The card is gone at the gateway: deleted here with the default rules, nothing sent anywhere. */
export async function deletedAtGateway(deps: AppDeps, actor: Actor, row: PaymentMethodRow) {
  return withCustomerLock(deps.db, actor.tenantId, row.customerId, (tx) =>
    markDeleted(tx, actor, row.id, { deletedAtGateway: true }),
  );
}
