import { and, asc, desc, eq, gt, gte, inArray, lt, ne, type SQL, sql } from 'drizzle-orm';
import type { Db } from '../client.js';
import { customers, paymentMethods } from '../schema.js';
import { anyOf } from './any-of.js';
import { compositeKeysetPage, type KeysetPage, keysetPage } from './keyset.js';
import { preparedQuery } from './prepared.js';
import { reserveIds } from './recordset.js';
import { rowsOf } from './result-rows.js';

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
  return rowsOf<{ id: number }>(result)[0]!.id;
}

/** `n` ids at once, for a batch of vaulted rows (see `reservePaymentMethodId`). */
export function reservePaymentMethodIds(db: Db, n: number): Promise<number[]> {
  return reserveIds(db, 'payment_methods', n);
}

export async function getPaymentMethod(
  db: Db,
  tenantId: number,
  id: number,
): Promise<PaymentMethodRow | undefined> {
  const query = preparedQuery(db, 'payment_method_by_id', (d, name) =>
    d
      .select()
      .from(paymentMethods)
      .where(byId(sql.placeholder('tenantId') as never, sql.placeholder('id') as never))
      .prepare(name),
  );
  const [row] = await query.execute({ tenantId, id });
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

type ListDirection = 'newest' | 'older' | 'newer';

/** One prepared statement per keyset direction (prepared.ts): the customer and its cards. */
function customerCardsQuery(db: Db, direction: ListDirection) {
  return preparedQuery(db, `customer_cards_${direction}`, (d, name) => {
    const cursor: Record<ListDirection, SQL | undefined> = {
      newest: undefined,
      older: lt(paymentMethods.id, sql.placeholder('cursor')),
      newer: gt(paymentMethods.id, sql.placeholder('cursor')),
    };
    const order = direction === 'newer' ? asc : desc;
    const cards = d
      .select()
      .from(paymentMethods)
      .where(
        and(
          // The ids themselves, not the outer row's columns: the planner then takes the list
          // index (tenant, customer, id desc where active) as the keyset list does.
          eq(paymentMethods.tenantId, sql.placeholder('tenantId')),
          eq(paymentMethods.customerId, sql.placeholder('customerId')),
          eq(paymentMethods.status, 'active'),
          cursor[direction],
        ),
      )
      .orderBy(order(paymentMethods.id))
      .limit(sql.placeholder('take'))
      // Named as the table: the outer query selects the table's own columns, which then name
      // this subquery's. (Selected through an alias object instead, Drizzle maps each row
      // through a Proxy per column: a tenth of a list's CPU time.)
      .as('payment_methods');
    return d
      .select({ customerId: customers.id, card: paymentMethods })
      .from(customers)
      .leftJoinLateral(cards, sql`true`)
      .where(
        and(
          eq(customers.tenantId, sql.placeholder('tenantId')),
          eq(customers.id, sql.placeholder('customerId')),
        ),
      )
      .orderBy(order(paymentMethods.id))
      .prepare(name);
  });
}

/**
 * A customer's active cards (a keyset page, as `listActivePaymentMethods`), or `undefined` when
 * the tenant has no such customer — one round trip for what was two (the customer's check, then
 * its cards): the customer's row, joined laterally with its newest cards on the list index.
 */
export async function listCustomerPaymentMethods(
  db: Db,
  tenantId: number,
  params: { customerId: number } & KeysetPage,
): Promise<{ data: PaymentMethodRow[]; hasMore: boolean } | undefined> {
  const take = params.limit + 1;
  const direction: ListDirection =
    params.endingBefore !== undefined ? 'newer' : params.startingAfter !== undefined ? 'older' : 'newest';
  const cursor = params.endingBefore ?? params.startingAfter ?? 0;
  const rows = await customerCardsQuery(db, direction).execute({
    tenantId,
    customerId: params.customerId,
    cursor,
    take,
  });
  if (rows.length === 0) return undefined;
  const cards = rows.flatMap((r) => (r.card ? [r.card] : []));
  const hasMore = cards.length > params.limit;
  const page = cards.slice(0, params.limit);
  return { data: direction === 'newer' ? page.reverse() : page, hasMore };
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

/**
 * What a batch of new cards must know of these customers' active cards, oldest first: their
 * fingerprints (the same number again) and which one is the default.
 */
export async function listActiveCardKeys(
  db: Db,
  tenantId: number,
  customerIds: readonly number[],
): Promise<{ id: number; customerId: number; fingerprint: string | null; isDefault: boolean }[]> {
  if (customerIds.length === 0) return [];
  return db
    .select({
      id: paymentMethods.id,
      customerId: paymentMethods.customerId,
      fingerprint: paymentMethods.fingerprint,
      isDefault: paymentMethods.isDefault,
    })
    .from(paymentMethods)
    .where(
      and(
        eq(paymentMethods.tenantId, tenantId),
        // One JSON parameter, not a parameter per customer: a chunk's hundreds of customers
        // made a statement of hundreds of parameters, planned anew on every call.
        anyOf(paymentMethods.customerId, customerIds),
        eq(paymentMethods.status, 'active'),
      ),
    )
    .orderBy(asc(paymentMethods.id));
}
