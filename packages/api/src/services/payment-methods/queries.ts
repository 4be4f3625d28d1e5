import {
  DomainError,
  type ExpiringPaymentMethodList,
  type ExpiringPaymentMethodsInput,
  expiryCutoff,
  isoDate,
  type ListPaymentMethodsInput,
  lastExpiryMonthBy,
  notFound,
  type Page,
  type PaymentMethodDto,
  toExpiringPaymentMethodDto,
  toPaymentMethodDto,
} from '@cardbridge/core';
import {
  type Db,
  expirySortKey,
  getPaymentMethod as getPaymentMethodRow,
  listActivePaymentMethodsByExpiry,
  listCustomerPaymentMethods,
} from '@cardbridge/db';
import type { Actor } from '../../actor.js';
import type { AppDeps } from '../../context.js';
import { requireCustomer } from '../customers.js';
import { requirePaymentMethod } from './rows.js';

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
  // The customer's check and its cards in one round trip: undefined is an unknown customer.
  const page = await listCustomerPaymentMethods(deps.db, actor.tenantId, input);
  if (!page) throw notFound.customer(input.customerId);
  return { data: page.data.map(toPaymentMethodDto), hasMore: page.hasMore };
}

/**
 * The place in the expiry order of the card a cursor names. Any card of the tenant will do,
 * whatever its status: one deleted or renewed since the previous page still marks where that
 * page ended. Another tenant's id reads exactly like an id that does not exist.
 */
async function cursorKey(db: Db, tenantId: number, field: 'startingAfter' | 'endingBefore', id?: number) {
  if (id === undefined) return undefined;
  const row = await getPaymentMethodRow(db, tenantId, id);
  if (!row)
    throw DomainError.field(field, `payment method ${id} not found: a cursor is the id of a listed card`);
  return expirySortKey(row);
}

/**
 * Cards that will stop working within the window (after a migration: which ones to chase), already
 * expired ones included. A card is valid through the last day of its expiry month (UTC).
 */
export async function listExpiringPaymentMethods(
  deps: AppDeps,
  actor: Actor,
  input: ExpiringPaymentMethodsInput,
): Promise<ExpiringPaymentMethodList> {
  const { tenantId } = actor;
  if (input.customerId !== undefined) await requireCustomer(deps.db, tenantId, input.customerId);
  const now = deps.clock();
  const cutoff = expiryCutoff(input.within, now);
  const through = lastExpiryMonthBy(cutoff);
  const page = await listActivePaymentMethodsByExpiry(deps.db, tenantId, {
    throughYear: through.year4,
    throughMonth: through.month,
    customerId: input.customerId,
    limit: input.limit,
    startingAfter: await cursorKey(deps.db, tenantId, 'startingAfter', input.startingAfter),
    endingBefore: await cursorKey(deps.db, tenantId, 'endingBefore', input.endingBefore),
  });
  return {
    data: page.data.map((row) => toExpiringPaymentMethodDto(row, now)),
    hasMore: page.hasMore,
    expiresOnOrBefore: isoDate(cutoff),
  };
}
