import { isGatewayError } from '@cardbridge/core';
import type { Actor } from '../../actor.js';
import type { AppDeps } from '../../context.js';
import { requireGatewayAccount } from '../gateway-accounts.js';
import { GatewaySteps } from './gateway-steps.js';
import {
  type DeletedPaymentMethod,
  markDeleted,
  requireEditablePaymentMethod,
  withCustomerLock,
} from './rows.js';

/**
 * Deletes a card with Stripe's default rules. With `atGateway`, the gateway goes first (a
 * refusal leaves our card as it was); its intent commits with our deletion, and a crash in
 * between is completed by recovery once the card is seen gone at the gateway.
 */
export async function deletePaymentMethod(
  deps: AppDeps,
  actor: Actor,
  input: { id: number; atGateway?: boolean },
): Promise<DeletedPaymentMethod> {
  const { tenantId } = actor;
  const row = await requireEditablePaymentMethod(deps.db, tenantId, input.id);
  const steps = new GatewaySteps(deps, tenantId);
  return steps.commitOrCompensate(async () => {
    const { gatewayAccountId, externalCustomerId, externalCardId } = row;
    if (input.atGateway && gatewayAccountId !== null && externalCardId && externalCustomerId) {
      const account = await requireGatewayAccount(deps.db, tenantId, gatewayAccountId);
      const gateway = await deps.gateways.forAccount(account);
      const ref = { externalCustomerId, externalCardId };
      await steps.run(
        'delete_card',
        {
          account,
          gateway,
          paymentMethodId: row.id,
          customerId: row.customerId,
          externalCustomerId,
          details: { externalCardId },
        },
        ({ idempotencyKey }) =>
          gateway.deleteCard(ref, idempotencyKey).catch((err: unknown) => {
            if (!isGatewayError(err, 'not_found')) throw err; // already gone counts as done
          }),
        () => null,
      );
    }
    return withCustomerLock(deps.db, tenantId, row.customerId, async (tx) => {
      await steps.commit(tx);
      return markDeleted(tx, actor, row.id, input.atGateway ? { atGateway: true } : {});
    });
  });
}
