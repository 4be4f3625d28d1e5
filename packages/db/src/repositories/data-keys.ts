import { and, desc, eq } from 'drizzle-orm';
import type { Db } from '../client.js';
import { tenantDataKeys } from '../schema.js';

/** The vault's DataKeyStore over `tenant_data_keys`. */
export function dataKeyStore(db: Db) {
  return {
    async latest(tenantId: number) {
      const [row] = await db
        .select({ version: tenantDataKeys.version, wrappedKey: tenantDataKeys.wrappedKey })
        .from(tenantDataKeys)
        .where(eq(tenantDataKeys.tenantId, tenantId))
        .orderBy(desc(tenantDataKeys.version))
        .limit(1);
      return row;
    },
    async get(tenantId: number, version: number) {
      const [row] = await db
        .select({ version: tenantDataKeys.version, wrappedKey: tenantDataKeys.wrappedKey })
        .from(tenantDataKeys)
        .where(and(eq(tenantDataKeys.tenantId, tenantId), eq(tenantDataKeys.version, version)));
      return row;
    },
    async insert(tenantId: number, version: number, wrappedKey: string) {
      const rows = await db
        .insert(tenantDataKeys)
        .values({ tenantId, version, wrappedKey })
        .onConflictDoNothing()
        .returning({ version: tenantDataKeys.version });
      return rows.length === 1;
    },
  };
}
