import { and, asc, eq, isNull, sql } from 'drizzle-orm';
import type { Db } from '../client.js';
import { apiKeys } from '../schema.js';

export type ApiKeyRow = typeof apiKeys.$inferSelect;

export async function insertApiKey(
  db: Db,
  tenantId: number,
  params: { keyId: string; secretHash: string; name: string; scopes: string[] },
): Promise<ApiKeyRow> {
  const [row] = await db
    .insert(apiKeys)
    .values({ tenantId, ...params })
    .returning();
  return row!;
}

/** The one lookup that is not tenant-scoped: authentication finds the tenant from the key. */
export async function findApiKeyByKeyId(db: Db, keyId: string): Promise<ApiKeyRow | undefined> {
  const [row] = await db.select().from(apiKeys).where(eq(apiKeys.keyId, keyId));
  return row;
}

export async function listApiKeys(
  db: Db,
  tenantId: number,
  params: { includeRevoked: boolean },
): Promise<ApiKeyRow[]> {
  return db
    .select()
    .from(apiKeys)
    .where(and(eq(apiKeys.tenantId, tenantId), params.includeRevoked ? undefined : isNull(apiKeys.revokedAt)))
    .orderBy(asc(apiKeys.id));
}

/**
 * The channel on which a revocation is announced (payload: the key's public id), so that every
 * server sharing the database drops the key from its cache of authenticated keys.
 */
export const apiKeyChangesChannel = 'cardbridge_api_key_changes';

/**
 * Revokes the key and announces it on `apiKeyChangesChannel`. The NOTIFY is part of the
 * caller's transaction: listeners hear it when the revocation commits, never before, and not
 * at all if it rolls back.
 */
export async function revokeApiKey(db: Db, tenantId: number, id: number): Promise<ApiKeyRow | undefined> {
  const [row] = await db
    .update(apiKeys)
    .set({ revokedAt: new Date() })
    .where(and(eq(apiKeys.tenantId, tenantId), eq(apiKeys.id, id), isNull(apiKeys.revokedAt)))
    .returning();
  if (row) await db.execute(sql`select pg_notify(${apiKeyChangesChannel}, ${row.keyId})`);
  return row;
}

export async function getApiKey(db: Db, tenantId: number, id: number): Promise<ApiKeyRow | undefined> {
  const [row] = await db
    .select()
    .from(apiKeys)
    .where(and(eq(apiKeys.tenantId, tenantId), eq(apiKeys.id, id)));
  return row;
}

export async function touchApiKey(db: Db, id: number, at: Date): Promise<void> {
  await db.update(apiKeys).set({ lastUsedAt: at }).where(eq(apiKeys.id, id));
}
