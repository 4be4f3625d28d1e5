import { and, eq, inArray } from 'drizzle-orm';
import type { Db } from '../client.js';
import { customers } from '../schema.js';
import { type KeysetPage, keysetPage } from './keyset.js';

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
  const [row] = await db
    .select()
    .from(customers)
    .where(and(eq(customers.tenantId, tenantId), eq(customers.id, id)));
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

export async function listCustomers(db: Db, tenantId: number, page: KeysetPage) {
  return keysetPage(customers.id, page, eq(customers.tenantId, tenantId), (where, orderBy, limit) =>
    db.select().from(customers).where(where).orderBy(orderBy).limit(limit),
  );
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
