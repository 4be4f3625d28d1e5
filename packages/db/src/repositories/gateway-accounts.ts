import { and, asc, eq, sql } from 'drizzle-orm';
import type { Db } from '../client.js';
import { gatewayAccounts, gatewayCustomers } from '../schema.js';
import { rowsOf } from './result-rows.js';

export type GatewayAccountRow = typeof gatewayAccounts.$inferSelect;
export type NewGatewayAccount = Omit<typeof gatewayAccounts.$inferInsert, 'id' | 'tenantId' | 'createdAt'> & {
  /** An id from `reserveGatewayAccountId`, when a sealed secret must name its row before insert. */
  id?: number;
};

const byId = (tenantId: number, id: number) =>
  and(eq(gatewayAccounts.tenantId, tenantId), eq(gatewayAccounts.id, id));

export async function insertGatewayAccount(
  db: Db,
  tenantId: number,
  values: NewGatewayAccount,
): Promise<GatewayAccountRow> {
  const insert =
    values.id === undefined ? db.insert(gatewayAccounts) : db.insert(gatewayAccounts).overridingSystemValue();
  const [row] = await insert.values({ ...values, tenantId }).returning();
  return row!;
}

export async function reserveGatewayAccountId(db: Db): Promise<number> {
  const result = await db.execute<{ id: number }>(
    sql`select nextval(pg_get_serial_sequence('gateway_accounts', 'id'))::int as id`,
  );
  return rowsOf<{ id: number }>(result)[0]!.id;
}

export async function getGatewayAccount(
  db: Db,
  tenantId: number,
  id: number,
): Promise<GatewayAccountRow | undefined> {
  const [row] = await db.select().from(gatewayAccounts).where(byId(tenantId, id));
  return row;
}

export async function getDefaultGatewayAccount(
  db: Db,
  tenantId: number,
): Promise<GatewayAccountRow | undefined> {
  const [row] = await db
    .select()
    .from(gatewayAccounts)
    .where(and(eq(gatewayAccounts.tenantId, tenantId), eq(gatewayAccounts.isDefault, true)));
  return row;
}

export async function listGatewayAccounts(db: Db, tenantId: number): Promise<GatewayAccountRow[]> {
  return db
    .select()
    .from(gatewayAccounts)
    .where(eq(gatewayAccounts.tenantId, tenantId))
    .orderBy(asc(gatewayAccounts.id));
}

export async function updateGatewayAccount(
  db: Db,
  tenantId: number,
  id: number,
  values: Partial<NewGatewayAccount>,
): Promise<GatewayAccountRow | undefined> {
  const [row] = await db.update(gatewayAccounts).set(values).where(byId(tenantId, id)).returning();
  return row;
}

export async function clearDefaultGatewayAccount(db: Db, tenantId: number): Promise<void> {
  await db
    .update(gatewayAccounts)
    .set({ isDefault: false })
    .where(and(eq(gatewayAccounts.tenantId, tenantId), eq(gatewayAccounts.isDefault, true)));
}

export async function findGatewayCustomer(
  db: Db,
  tenantId: number,
  customerId: number,
  gatewayAccountId: number,
): Promise<string | undefined> {
  const [row] = await db
    .select({ externalCustomerId: gatewayCustomers.externalCustomerId })
    .from(gatewayCustomers)
    .where(
      and(
        eq(gatewayCustomers.tenantId, tenantId),
        eq(gatewayCustomers.customerId, customerId),
        eq(gatewayCustomers.gatewayAccountId, gatewayAccountId),
      ),
    );
  return row?.externalCustomerId;
}

/** Remembers the mapping; the first writer wins and every caller gets the winner's id. */
export async function rememberGatewayCustomer(
  db: Db,
  tenantId: number,
  params: { customerId: number; gatewayAccountId: number; externalCustomerId: string },
): Promise<string> {
  await db
    .insert(gatewayCustomers)
    .values({ tenantId, ...params })
    .onConflictDoNothing();
  return (await findGatewayCustomer(db, tenantId, params.customerId, params.gatewayAccountId))!;
}
