import {
  alpha2FromCountryId,
  countryFromAlpha2,
  type PaymentMethodDto,
  toPaymentMethodDto,
  type UpdateCardPatch,
  type UpdatePaymentMethodInput,
} from '@cardbridge/core';
import { type PaymentMethodRow, updatePaymentMethod } from '@cardbridge/db';
import type { Actor } from '../../actor.js';
import type { AppDeps } from '../../context.js';
import { recordChange } from '../audit.js';
import { requireGatewayAccount } from '../gateway-accounts.js';
import { addressPatch, nameOf } from './gateway-customer.js';
import { GatewaySteps } from './gateway-steps.js';
import { requireEditablePaymentMethod, withCustomerLock } from './rows.js';

/** The row's current values of the fields a patch changes: what recovery restores. */
function restorePatch(row: PaymentMethodRow, patch: UpdateCardPatch): UpdateCardPatch {
  const restore: UpdateCardPatch = {};
  if (patch.name !== undefined) restore.name = `${row.firstName} ${row.lastName}`.trim() || null;
  if (patch.address) {
    restore.address = addressPatch({
      address1: row.address1,
      address2: row.address2,
      city: row.city,
      state: row.state,
      postalZip: row.postalZip,
      countryId: row.countryId,
    });
  }
  if (patch.expMonth !== undefined) {
    restore.expMonth = row.expirationMonth;
    restore.expYear = row.expirationYear;
  }
  return restore;
}

/** Gateway first (a gateway refusal leaves our data untouched), then our row, audited. */
export async function updatePaymentMethodDetails(
  deps: AppDeps,
  actor: Actor,
  input: UpdatePaymentMethodInput,
): Promise<PaymentMethodDto> {
  const { tenantId } = actor;
  const row = await requireEditablePaymentMethod(deps.db, tenantId, input.id);
  const { id, expirationMonth, expirationYear, firstName, lastName, stateId, ...rest } = input;
  const year4 =
    expirationYear === undefined ? undefined : expirationYear < 100 ? 2000 + expirationYear : expirationYear;
  const address = addressPatch(rest);
  const steps = new GatewaySteps(deps, tenantId);
  return steps.commitOrCompensate(async () => {
    let fromGateway: Partial<PaymentMethodRow> = {};
    const { gatewayAccountId, externalCustomerId, externalCardId } = row;
    if (gatewayAccountId !== null && externalCardId && externalCustomerId) {
      const account = await requireGatewayAccount(deps.db, tenantId, gatewayAccountId);
      const gateway = await deps.gateways.forAccount(account);
      const name = nameOf(firstName, lastName, row);
      const patch: UpdateCardPatch = {
        ...(name !== undefined ? { name } : {}),
        ...(Object.keys(address).length ? { address } : {}),
        ...(expirationMonth !== undefined ? { expMonth: expirationMonth, expYear: year4 } : {}),
      };
      const card = await steps.run(
        'update_card',
        {
          account,
          gateway,
          paymentMethodId: row.id,
          customerId: row.customerId,
          externalCustomerId,
          details: { externalCardId, restore: restorePatch(row, patch) },
        },
        ({ idempotencyKey }) =>
          gateway.updateCard({ externalCustomerId, externalCardId }, patch, idempotencyKey),
        (c) => c.externalCardId,
      );
      fromGateway = { fingerprint: card.fingerprint ?? row.fingerprint };
    }
    const country =
      rest.countryId === undefined ? undefined : countryFromAlpha2(alpha2FromCountryId(rest.countryId));
    return withCustomerLock(deps.db, tenantId, row.customerId, async (tx) => {
      await requireEditablePaymentMethod(tx, tenantId, id);
      const updated = await updatePaymentMethod(tx, tenantId, id, {
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
      await steps.commit(tx);
      return recordChange(
        tx,
        actor,
        { action: 'paymentMethods.update', targetType: 'paymentMethods', targetId: id },
        toPaymentMethodDto(updated!),
      );
    });
  });
}
