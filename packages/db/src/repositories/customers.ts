import { and, asc, desc, eq, gt, inArray, lt, type SQL, sql } from 'drizzle-orm';
import type { Db } from '../client.js';
import { customers } from '../schema.js';
import type { KeysetPage } from './keyset.js';
import { preparedQuery } from './prepared.js';

export type CustomerRow = typeof customers.$inferSelect;
export type CustomerFields = Partial<
  Pick<CustomerRow, 'firstName' | 'lastName' | 'email' | 'companyName' | 'reference'>
>;

export async function insertCustomer(db: Db, tenantId: number, fields: CustomerFields): Promise<CustomerRow> {
  const [row] = await db
    .insert(customers)
    .values({ tenantId, ...fields })
    .returning();
  return row!;
}

export async function getCustomer(db: Db, tenantId: number, id: number): Promise<CustomerRow | undefined> {
  const query = preparedQuery(db, 'customer_by_id', (d, name) =>
    d
      .select()
      .from(customers)
      .where(
        and(eq(customers.tenantId, sql.placeholder('tenantId')), eq(customers.id, sql.placeholder('id'))),
      )
      .prepare(name),
  );
  const [row] = await query.execute({ tenantId, id });
  return row;
}

/**
 * Locks the customer row for the rest of the transaction. Every change to a customer's
 * cards takes this lock first, so concurrent default/delete calls serialise per customer.
 */
export async function lockCustomer(db: Db, tenantId: number, id: number): Promise<CustomerRow | undefined> {
  const [row] = await db
    .select()
    .from(customers)
    .where(and(eq(customers.tenantId, tenantId), eq(customers.id, id)))
    .for('update');
  return row;
}

export async function updateCustomer(
  db: Db,
  tenantId: number,
  id: number,
  fields: CustomerFields,
): Promise<CustomerRow | undefined> {
  const [row] = await db
    .update(customers)
    .set({ ...fields, modifiedAt: new Date() })
    .where(and(eq(customers.tenantId, tenantId), eq(customers.id, id)))
    .returning();
  return row;
}

type ListDirection = 'newest' | 'older' | 'newer';

/** One prepared statement per keyset direction (prepared.ts). */
function customerPageQuery(db: Db, direction: ListDirection) {
  return preparedQuery(db, `customers_page_${direction}`, (d, name) => {
    const cursor: Record<ListDirection, SQL | undefined> = {
      newest: undefined,
      older: lt(customers.id, sql.placeholder('cursor')),
      newer: gt(customers.id, sql.placeholder('cursor')),
    };
    return d
      .select()
      .from(customers)
      .where(and(eq(customers.tenantId, sql.placeholder('tenantId')), cursor[direction]))
      .orderBy(direction === 'newer' ? asc(customers.id) : desc(customers.id))
      .limit(sql.placeholder('take'))
      .prepare(name);
  });
}

/** Newest first, keyset-paged with Stripe's semantics (keyset.ts), as a prepared query. */
export async function listCustomers(db: Db, tenantId: number, page: KeysetPage) {
  const direction: ListDirection =
    page.endingBefore !== undefined ? 'newer' : page.startingAfter !== undefined ? 'older' : 'newest';
  const rows = await customerPageQuery(db, direction).execute({
    tenantId,
    cursor: page.endingBefore ?? page.startingAfter ?? 0,
    take: page.limit + 1,
  });
  const data = rows.slice(0, page.limit);
  return { data: direction === 'newer' ? data.reverse() : data, hasMore: rows.length > page.limit };
}

/** Which of these ids are customers of the tenant. */
export async function existingCustomerIds(
  db: Db,
  tenantId: number,
  ids: readonly number[],
): Promise<Set<number>> {
  if (ids.length === 0) return new Set();
  const rows = await db
    .select({ id: customers.id })
    .from(customers)
    .where(and(eq(customers.tenantId, tenantId), inArray(customers.id, [...ids])));
  return new Set(rows.map((r) => r.id));
}
