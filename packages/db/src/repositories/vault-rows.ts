import { and, asc, eq, isNotNull, lt, sql } from 'drizzle-orm';
import type { Db } from '../client.js';
import { gatewayAccounts, paymentMethods } from '../schema.js';

/** Rows sealed under a data key version older than the tenant's newest: what rotation moves. */
const stalePans = (tenantId: number, latestVersion: number) =>
  and(
    eq(paymentMethods.tenantId, tenantId),
    isNotNull(paymentMethods.panCiphertext),
    lt(paymentMethods.panKeyVersion, latestVersion),
  );

const staleSecrets = (tenantId: number, latestVersion: number) =>
  and(
    eq(gatewayAccounts.tenantId, tenantId),
    isNotNull(gatewayAccounts.credentialsCiphertext),
    lt(gatewayAccounts.credentialsKeyVersion, latestVersion),
  );

/** Vaulted card numbers still sealed under an older data key version (lowest ids first). */
export async function listStalePanRows(db: Db, tenantId: number, latestVersion: number, limit: number) {
  return db
    .select({
      id: paymentMethods.id,
      panCiphertext: paymentMethods.panCiphertext,
      panKeyVersion: paymentMethods.panKeyVersion,
    })
    .from(paymentMethods)
    .where(stalePans(tenantId, latestVersion))
    .orderBy(asc(paymentMethods.id))
    .limit(limit);
}

export async function listStaleGatewaySecrets(
  db: Db,
  tenantId: number,
  latestVersion: number,
  limit: number,
) {
  return db
    .select({
      id: gatewayAccounts.id,
      credentialsCiphertext: gatewayAccounts.credentialsCiphertext,
      credentialsKeyVersion: gatewayAccounts.credentialsKeyVersion,
    })
    .from(gatewayAccounts)
    .where(staleSecrets(tenantId, latestVersion))
    .orderBy(asc(gatewayAccounts.id))
    .limit(limit);
}

export async function countStaleSealedRows(db: Db, tenantId: number, latestVersion: number): Promise<number> {
  const count = sql<number>`count(*)::int`;
  const [pans] = await db.select({ n: count }).from(paymentMethods).where(stalePans(tenantId, latestVersion));
  const [secrets] = await db
    .select({ n: count })
    .from(gatewayAccounts)
    .where(staleSecrets(tenantId, latestVersion));
  return (pans?.n ?? 0) + (secrets?.n ?? 0);
}

/** Swaps the ciphertext only if the row still holds `previous` (compare-and-set). */
export async function replacePanCiphertext(
  db: Db,
  tenantId: number,
  id: number,
  previous: string,
  next: { ciphertext: string; keyVersion: number },
): Promise<boolean> {
  const rows = await db
    .update(paymentMethods)
    .set({ panCiphertext: next.ciphertext, panKeyVersion: next.keyVersion })
    .where(
      and(
        eq(paymentMethods.tenantId, tenantId),
        eq(paymentMethods.id, id),
        eq(paymentMethods.panCiphertext, previous),
      ),
    )
    .returning({ id: paymentMethods.id });
  return rows.length === 1;
}

export async function replaceGatewaySecretCiphertext(
  db: Db,
  tenantId: number,
  id: number,
  previous: string,
  next: { ciphertext: string; keyVersion: number },
): Promise<boolean> {
  const rows = await db
    .update(gatewayAccounts)
    .set({ credentialsCiphertext: next.ciphertext, credentialsKeyVersion: next.keyVersion })
    .where(
      and(
        eq(gatewayAccounts.tenantId, tenantId),
        eq(gatewayAccounts.id, id),
        eq(gatewayAccounts.credentialsCiphertext, previous),
      ),
    )
    .returning({ id: gatewayAccounts.id });
  return rows.length === 1;
}
