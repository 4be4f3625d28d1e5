import { DomainError, notFound } from '@cardbridge/core';
import {
  type CustomerRow,
  clearDefaultPaymentMethod,
  type Db,
  findDefaultPaymentMethod,
  findNewestActivePaymentMethod,
  findPaymentMethodByExternalCard,
  findSuccessorPaymentMethod,
  getPaymentMethod,
  insertPaymentMethod,
  isUniqueViolation,
  lockCustomer,
  type NewPaymentMethod,
  type PaymentMethodRow,
  updatePaymentMethod,
} from '@cardbridge/db';
import type { Actor } from '../../actor.js';
import { recordChange } from '../audit.js';

/*
 * Persistence of the payment-method aggregate: every change to a customer's cards happens in
 * a transaction holding that customer's row lock, so concurrent writes serialise per customer
 * and the rules (one default, duplicate policy, one successor per replaced card) are decided
 * on current data. The partial unique indexes are the backstop.
 */

export async function withCustomerLock<T>(
  db: Db,
  tenantId: number,
  customerId: number,
  fn: (tx: Db, customer: CustomerRow) => Promise<T>,
): Promise<T> {
  return db.transaction(async (tx) => {
    const customer = await lockCustomer(tx, tenantId, customerId);
    if (!customer) throw notFound.customer(customerId);
    return fn(tx, customer);
  });
}

export async function requirePaymentMethod(db: Db, tenantId: number, id: number): Promise<PaymentMethodRow> {
  const row = await getPaymentMethod(db, tenantId, id);
  if (!row) throw notFound.paymentMethod(id);
  return row;
}

/** An active card, or the seed's error for a deleted one and a clear one for a replaced one. */
export async function requireEditablePaymentMethod(db: Db, tenantId: number, id: number) {
  const row = await requirePaymentMethod(db, tenantId, id);
  if (row.status === 'deleted') {
    throw new DomainError(
      'PAYMENT_METHOD_DELETED',
      `Cannot edit payment method ${id} because it has been deleted.`,
    );
  }
  if (row.status === 'replaced') {
    const successor = await findSuccessorPaymentMethod(db, tenantId, id);
    throw new DomainError(
      'PAYMENT_METHOD_REPLACED',
      successor
        ? `Cannot edit payment method ${id} because it has been replaced by payment method ${successor.id}.`
        : `Cannot edit payment method ${id} because it has been replaced.`,
      { replacedBy: successor?.id ?? null },
    );
  }
  return row;
}

/**
 * Stripe's rule for a new card, under the customer's lock: if the customer has no default
 * card, the new card becomes the default; otherwise the default changes only when asked.
 * A card already held by another payment method of the tenant is a clear 409, not a 500.
 */
export async function insertWithDefaultRule(
  tx: Db,
  tenantId: number,
  values: NewPaymentMethod,
): Promise<PaymentMethodRow> {
  const current = await findDefaultPaymentMethod(tx, tenantId, values.customerId);
  if (current && values.isDefault) await clearDefaultPaymentMethod(tx, tenantId, values.customerId);
  return insertPaymentMethod(tx, tenantId, { ...values, isDefault: !current || Boolean(values.isDefault) });
}

/**
 * Turns a unique violation on the external card key into the 409 that names the holder. It is
 * looked up after the failed transaction, on the outer connection.
 */
export async function externalCardConflict(
  db: Db,
  err: unknown,
  tenantId: number,
  gatewayAccountId: number | null,
  externalCardId: string | null,
): Promise<never> {
  if (
    gatewayAccountId !== null &&
    externalCardId &&
    isUniqueViolation(err, 'payment_methods_external_card_key')
  ) {
    const holder = await findPaymentMethodByExternalCard(db, tenantId, gatewayAccountId, externalCardId);
    throw cardHeldElsewhere(externalCardId, holder);
  }
  throw err;
}

/** The 409 for a gateway card that another payment method (of another customer) holds. */
export function cardHeldElsewhere(externalCardId: string, holder: PaymentMethodRow | undefined) {
  return new DomainError(
    'CONFLICT',
    holder
      ? `Card ${externalCardId} already belongs to customer ${holder.customerId} as payment method ${holder.id}.`
      : `Card ${externalCardId} is already held by another payment method.`,
    { paymentMethodId: holder?.id ?? null },
  );
}

/**
 * Marks a card deleted with Stripe's default rules, in the caller's transaction (holding the
 * customer's lock): deleting the default makes the most recently added remaining card the
 * default; deleting the last card leaves none. Records the change.
 */
export async function markDeleted(
  tx: Db,
  actor: Actor,
  id: number,
  details: Record<string, unknown> = {},
): Promise<DeletedPaymentMethod> {
  const row = await requireEditablePaymentMethod(tx, actor.tenantId, id);
  await updatePaymentMethod(tx, actor.tenantId, row.id, { status: 'deleted', isDefault: false });
  let newDefault = row.isDefault
    ? undefined
    : await findDefaultPaymentMethod(tx, actor.tenantId, row.customerId);
  if (row.isDefault) {
    newDefault = await findNewestActivePaymentMethod(tx, actor.tenantId, row.customerId, row.id);
    if (newDefault) await updatePaymentMethod(tx, actor.tenantId, newDefault.id, { isDefault: true });
  }
  const result = { id: row.id, deleted: true as const, newDefaultPaymentMethodId: newDefault?.id ?? null };
  return recordChange(
    tx,
    actor,
    { action: 'paymentMethods.delete', targetType: 'paymentMethods', targetId: row.id, details },
    result,
  );
}

export interface DeletedPaymentMethod {
  id: number;
  deleted: true;
  newDefaultPaymentMethodId: number | null;
}
