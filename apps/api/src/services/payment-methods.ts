import {
  DomainError,
  isGatewayError,
  type ListPaymentMethodsInput,
  notFound,
  type Page,
  type PaymentMethodDto,
  toPaymentMethodDto,
} from '@cardbridge/core';
import {
  type CustomerRow,
  clearDefaultPaymentMethod,
  type Db,
  findDefaultPaymentMethod,
  findNewestActivePaymentMethod,
  findSuccessorPaymentMethod,
  getPaymentMethod as getPaymentMethodRow,
  insertPaymentMethod,
  listActivePaymentMethods,
  lockCustomer,
  type NewPaymentMethod,
  type PaymentMethodRow,
  updatePaymentMethod,
} from '@cardbridge/db';
import type { Actor } from '../actor.js';
import type { AppDeps } from '../context.js';
import { requireCustomer } from './customers.js';
import { requireGatewayAccount } from './gateway-accounts.js';

/**
 * Runs `fn` in a transaction holding the customer's row lock. Every change to a customer's
 * cards goes through here, so concurrent set-default/delete/add calls serialise per customer
 * and the default-card rules hold (the partial unique index is the backstop).
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
  const row = await getPaymentMethodRow(db, tenantId, id);
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
 * Stripe's rule for a new card, inside a transaction that holds the customer's lock: if the
 * customer has no default card, the new card becomes the default; otherwise the default
 * changes only when asked.
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

/** Adds a card under the customer's lock, with the default rule. */
export async function addPaymentMethod(
  db: Db,
  tenantId: number,
  values: NewPaymentMethod,
): Promise<PaymentMethodRow> {
  return withCustomerLock(db, tenantId, values.customerId, (tx) =>
    insertWithDefaultRule(tx, tenantId, values),
  );
}

export async function getPaymentMethod(
  deps: AppDeps,
  actor: Actor,
  input: { id: number },
): Promise<PaymentMethodDto> {
  return toPaymentMethodDto(await requirePaymentMethod(deps.db, actor.tenantId, input.id));
}

export async function listPaymentMethods(
  deps: AppDeps,
  actor: Actor,
  input: ListPaymentMethodsInput,
): Promise<Page<PaymentMethodDto>> {
  await requireCustomer(deps.db, actor.tenantId, input.customerId);
  const page = await listActivePaymentMethods(deps.db, actor.tenantId, input);
  return { data: page.data.map(toPaymentMethodDto), hasMore: page.hasMore };
}

export async function setDefaultPaymentMethod(
  deps: AppDeps,
  actor: Actor,
  input: { id: number },
): Promise<PaymentMethodDto> {
  const { customerId } = await requirePaymentMethod(deps.db, actor.tenantId, input.id);
  return withCustomerLock(deps.db, actor.tenantId, customerId, async (tx) => {
    const row = await requireEditablePaymentMethod(tx, actor.tenantId, input.id);
    if (row.isDefault) return toPaymentMethodDto(row);
    await clearDefaultPaymentMethod(tx, actor.tenantId, customerId);
    const updated = await updatePaymentMethod(tx, actor.tenantId, row.id, { isDefault: true });
    return toPaymentMethodDto(updated!);
  });
}

/**
 * Deletes with Stripe's default rules: deleting the default makes the most recently added
 * remaining card the default; deleting the last card leaves none.
 */
export async function deletePaymentMethod(
  deps: AppDeps,
  actor: Actor,
  input: { id: number; atGateway?: boolean },
) {
  const { customerId } = await requireEditablePaymentMethod(deps.db, actor.tenantId, input.id);
  // The gateway first: if it refuses, our card stays as it was.
  if (input.atGateway)
    await deleteAtGateway(deps, await requirePaymentMethod(deps.db, actor.tenantId, input.id));
  return withCustomerLock(deps.db, actor.tenantId, customerId, async (tx) => {
    const row = await requireEditablePaymentMethod(tx, actor.tenantId, input.id);
    await updatePaymentMethod(tx, actor.tenantId, row.id, { status: 'deleted', isDefault: false });
    let newDefault = row.isDefault
      ? undefined
      : await findDefaultPaymentMethod(tx, actor.tenantId, customerId);
    if (row.isDefault) {
      newDefault = await findNewestActivePaymentMethod(tx, actor.tenantId, customerId, row.id);
      if (newDefault) await updatePaymentMethod(tx, actor.tenantId, newDefault.id, { isDefault: true });
    }
    return { id: row.id, deleted: true as const, newDefaultPaymentMethodId: newDefault?.id ?? null };
  });
}

/** Deletes (card) or detaches (PaymentMethod) at the gateway; already gone counts as done. */
async function deleteAtGateway(deps: AppDeps, row: PaymentMethodRow): Promise<void> {
  if (row.gatewayAccountId === null || !row.externalCardId || !row.externalCustomerId) return;
  const account = await requireGatewayAccount(deps.db, row.tenantId, row.gatewayAccountId);
  const gateway = await deps.gateways.forAccount(account);
  try {
    await gateway.deleteCard({
      externalCustomerId: row.externalCustomerId,
      externalCardId: row.externalCardId,
    });
  } catch (err) {
    if (!isGatewayError(err, 'not_found')) throw err;
  }
}
