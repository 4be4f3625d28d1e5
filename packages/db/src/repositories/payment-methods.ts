import { and, asc, desc, eq, gt, gte, inArray, lt, ne, sql } from 'drizzle-orm';
import type { Db } from '../client.js';
import { paymentMethods } from '../schema.js';
import { compositeKeysetPage, type KeysetPage, keysetPage } from './keyset.js';

export type PaymentMethodRow = typeof paymentMethods.$inferSelect;
export type NewPaymentMethod = Omit<
  typeof paymentMethods.$inferInsert,
  'id' | 'tenantId' | 'createdAt' | 'modifiedAt' | 'status'
> & {
  /** An id from `reservePaymentMethodId`, when the row's ciphertext must name it before insert. */
  id?: number;
};

const byId = (tenantId: number, id: number) =>
  and(eq(paymentMethods.tenantId, tenantId), eq(paymentMethods.id, id));

export async function insertPaymentMethod(
  db: Db,
  tenantId: number,
  values: NewPaymentMethod,
): Promise<PaymentMethodRow> {
  const insert =
    values.id === undefined ? db.insert(paymentMethods) : db.insert(paymentMethods).overridingSystemValue();
  const [row] = await insert.values({ ...values, tenantId }).returning();
  return row!;
}

/**
 * Takes the next payment method id from the identity sequence, so a vaulted card number can
 * be sealed with associated data naming its row before the row exists: the row is never
 * written half-vaulted.
 */
export async function reservePaymentMethodId(db: Db): Promise<number> {
  const result = await db.execute<{ id: number }>(
    sql`select nextval(pg_get_serial_sequence('payment_methods', 'id'))::int as id`,
  );
  const rows = (Array.isArray(result) ? result : (result as { rows: { id: number }[] }).rows) as {
    id: number;
  }[];
  return rows[0]!.id;
}

export async function getPaymentMethod(
  db: Db,
  tenantId: number,
  id: number,
): Promise<PaymentMethodRow | undefined> {
  const [row] = await db.select().from(paymentMethods).where(byId(tenantId, id));
  return row;
}

export async function listActivePaymentMethods(
  db: Db,
  tenantId: number,
  params: { customerId: number } & KeysetPage,
) {
  const where = and(
    eq(paymentMethods.tenantId, tenantId),
    eq(paymentMethods.customerId, params.customerId),
    eq(paymentMethods.status, 'active'),
  );
  return keysetPage(paymentMethods.id, params, where, (w, orderBy, limit) =>
    db.select().from(paymentMethods).where(w).orderBy(orderBy).limit(limit),
  );
}

/** A card's place in the expiry order: expiry year, month, then id. */
export const expirySortKey = (r: Pick<PaymentMethodRow, 'expirationYear' | 'expirationMonth' | 'id'>) =>
  [r.expirationYear, r.expirationMonth, r.id] as const;

/**
 * Active cards whose expiry month is `throughYear`/`throughMonth` or earlier (already expired
 * ones included), soonest first, then by id; one customer's or the whole tenant's. Cursors are
 * sort keys (`expirySortKey` of the card to continue from). Served by
 * `payment_methods_expiring_idx`.
 */
export async function listActivePaymentMethodsByExpiry(
  db: Db,
  tenantId: number,
  params: {
    throughYear: number;
    throughMonth: number;
    customerId?: number;
    limit: number;
    startingAfter?: readonly number[];
    endingBefore?: readonly number[];
  },
) {
  const pm = paymentMethods;
  const where = and(
    eq(pm.tenantId, tenantId),
    eq(pm.status, 'active'),
    params.customerId === undefined ? undefined : eq(pm.customerId, params.customerId),
    sql`(${pm.expirationYear}, ${pm.expirationMonth}) <= (${params.throughYear}, ${params.throughMonth})`,
  );
  return compositeKeysetPage(
    [pm.expirationYear, pm.expirationMonth, pm.id],
    params,
    where,
    (w, orderBy, limit) =>
      db
        .select()
        .from(pm)
        .where(w)
        .orderBy(...orderBy)
        .limit(limit),
  );
}

export async function findDefaultPaymentMethod(
  db: Db,
  tenantId: number,
  customerId: number,
): Promise<PaymentMethodRow | undefined> {
  const [row] = await db
    .select()
    .from(paymentMethods)
    .where(
      and(
        eq(paymentMethods.tenantId, tenantId),
        eq(paymentMethods.customerId, customerId),
        eq(paymentMethods.isDefault, true),
      ),
    );
  return row;
}

/** The most recently added active card of a customer, other than `exceptId`. */
export async function findNewestActivePaymentMethod(
  db: Db,
  tenantId: number,
  customerId: number,
  exceptId?: number,
): Promise<PaymentMethodRow | undefined> {
  const [row] = await db
    .select()
    .from(paymentMethods)
    .where(
      and(
        eq(paymentMethods.tenantId, tenantId),
        eq(paymentMethods.customerId, customerId),
        eq(paymentMethods.status, 'active'),
        exceptId === undefined ? undefined : ne(paymentMethods.id, exceptId),
      ),
    )
    .orderBy(desc(paymentMethods.id))
    .limit(1);
  return row;
}

export async function clearDefaultPaymentMethod(db: Db, tenantId: number, customerId: number): Promise<void> {
  await db
    .update(paymentMethods)
    .set({ isDefault: false })
    .where(
      and(
        eq(paymentMethods.tenantId, tenantId),
        eq(paymentMethods.customerId, customerId),
        eq(paymentMethods.isDefault, true),
      ),
    );
}

export async function updatePaymentMethod(
  db: Db,
  tenantId: number,
  id: number,
  values: Partial<Omit<typeof paymentMethods.$inferInsert, 'id' | 'tenantId' | 'customerId'>>,
): Promise<PaymentMethodRow | undefined> {
  const [row] = await db
    .update(paymentMethods)
    .set({ ...values, modifiedAt: new Date() })
    .where(byId(tenantId, id))
    .returning();
  return row;
}

/** The payment method that replaced `id`, if any. */
export async function findSuccessorPaymentMethod(
  db: Db,
  tenantId: number,
  id: number,
): Promise<PaymentMethodRow | undefined> {
  const [row] = await db
    .select()
    .from(paymentMethods)
    .where(and(eq(paymentMethods.tenantId, tenantId), eq(paymentMethods.originalPaymentMethodId, id)))
    .orderBy(desc(paymentMethods.id))
    .limit(1);
  return row;
}

/** The live (not deleted) payment method for a gateway card, if imported or created before. */
export async function findPaymentMethodByExternalCard(
  db: Db,
  tenantId: number,
  gatewayAccountId: number,
  externalCardId: string,
): Promise<PaymentMethodRow | undefined> {
  const [row] = await db
    .select()
    .from(paymentMethods)
    .where(
      and(
        eq(paymentMethods.tenantId, tenantId),
        eq(paymentMethods.gatewayAccountId, gatewayAccountId),
        eq(paymentMethods.externalCardId, externalCardId),
        ne(paymentMethods.status, 'deleted'),
      ),
    );
  return row;
}

/** An active card of the customer with this fingerprint, other than `exceptId`. */
export async function findActiveByFingerprint(
  db: Db,
  tenantId: number,
  customerId: number,
  fingerprint: string,
  exceptId?: number,
) {
  const [row] = await db
    .select()
    .from(paymentMethods)
    .where(
      and(
        eq(paymentMethods.tenantId, tenantId),
        eq(paymentMethods.customerId, customerId),
        eq(paymentMethods.fingerprint, fingerprint),
        eq(paymentMethods.status, 'active'),
        exceptId === undefined ? undefined : ne(paymentMethods.id, exceptId),
      ),
    )
    .orderBy(asc(paymentMethods.id))
    .limit(1);
  return row;
}

/** Which of the tenant's active cards a bulk export reads; every field narrows it. */
export interface PaymentMethodSelection {
  customerIds?: readonly number[];
  /** Created at or after (inclusive). */
  createdAfter?: Date;
  /** Created before (exclusive): consecutive windows split the cards without gap or overlap. */
  createdBefore?: Date;
  cardType?: string;
}

/**
 * The next page of ids of the tenant's active cards matching `selection`, in id order after
 * `afterId`: a keyset page (never OFFSET) that the (tenant_id, id) unique index serves as a
 * range scan (or, for a few customers, the per-customer index of active cards), so reading
 * resumes from a checkpoint in the same time as it began.
 */
export async function listPaymentMethodIdsAfter(
  db: Db,
  tenantId: number,
  selection: PaymentMethodSelection,
  page: { afterId?: number; limit: number },
): Promise<number[]> {
  const rows = await db
    .select({ id: paymentMethods.id })
    .from(paymentMethods)
    .where(
      and(
        eq(paymentMethods.tenantId, tenantId),
        eq(paymentMethods.status, 'active'),
        page.afterId !== undefined ? gt(paymentMethods.id, page.afterId) : undefined,
        selection.customerIds ? inArray(paymentMethods.customerId, [...selection.customerIds]) : undefined,
        selection.createdAfter ? gte(paymentMethods.createdAt, selection.createdAfter) : undefined,
        selection.createdBefore ? lt(paymentMethods.createdAt, selection.createdBefore) : undefined,
        selection.cardType !== undefined ? eq(paymentMethods.cardType, selection.cardType) : undefined,
      ),
    )
    .orderBy(asc(paymentMethods.id))
    .limit(page.limit);
  return rows.map((r) => r.id);
}

/** The tenant's payment methods with these ids (any status), by id; ids of others are absent. */
export async function getPaymentMethodsByIds(
  db: Db,
  tenantId: number,
  ids: readonly number[],
): Promise<Map<number, PaymentMethodRow>> {
  if (ids.length === 0) return new Map();
  const rows = await db
    .select()
    .from(paymentMethods)
    .where(and(eq(paymentMethods.tenantId, tenantId), inArray(paymentMethods.id, [...ids])));
  return new Map(rows.map((r) => [r.id, r]));
}
