import { type PaymentMethodDto, toPaymentMethodDto } from '@cardbridge/core';
import { clearDefaultPaymentMethod, updatePaymentMethod } from '@cardbridge/db';
import type { Actor } from '../../actor.js';
import type { AppDeps } from '../../context.js';
import { recordChange } from '../audit.js';
import { requireEditablePaymentMethod, requirePaymentMethod, withCustomerLock } from './rows.js';

export async function setDefaultPaymentMethod(
  deps: AppDeps,
  actor: Actor,
  input: { id: number },
): Promise<PaymentMethodDto> {
  const { customerId } = await requirePaymentMethod(deps.db, actor.tenantId, input.id);
  return withCustomerLock(deps.db, actor.tenantId, customerId, async (tx) => {
    let row = await requireEditablePaymentMethod(tx, actor.tenantId, input.id);
    if (!row.isDefault) {
      await clearDefaultPaymentMethod(tx, actor.tenantId, customerId);
      row = (await updatePaymentMethod(tx, actor.tenantId, row.id, { isDefault: true }))!;
    }
    return recordChange(
      tx,
      actor,
      { action: 'paymentMethods.setDefault', targetType: 'paymentMethods', targetId: row.id },
      toPaymentMethodDto(row),
    );
  });
}
