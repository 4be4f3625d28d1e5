import { eq, sql } from 'drizzle-orm';
import type { Db } from '../client.js';
import { tenants } from '../schema.js';

export type TenantRow = typeof tenants.$inferSelect;

export async function insertTenant(db: Db, params: { name: string }): Promise<TenantRow> {
  const [row] = await db.insert(tenants).values({ name: params.name }).returning();
  return row!;
}

export async function getTenant(db: Db, tenantId: number): Promise<TenantRow | undefined> {
  const [row] = await db.select().from(tenants).where(eq(tenants.id, tenantId));
  return row;
}

export async function countTenants(db: Db): Promise<number> {
  const [row] = await db.select({ n: sql<number>`count(*)::int` }).from(tenants);
  return row?.n ?? 0;
}
