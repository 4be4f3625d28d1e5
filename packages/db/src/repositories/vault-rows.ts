import { and, asc, eq, isNotNull, lt, ne, sql } from 'drizzle-orm';
import type { Db } from '../client.js';
import { gatewayAccounts, paymentMethods } from '../schema.js';

/** Vaulted card numbers still sealed under an older data key version (lowest ids first). */
export async function listStalePanRows(db: Db, tenantId: number, latestVersion: number, limit: number) {
  return db
    .select({
      id: paymentMethods.id,
      panCiphertext: paymentMethods.panCiphertext,
      panKeyVersion: paymentMethods.panKeyVersion,
    })
    .from(paymentMethods)
    .where(
      and(
        eq(paymentMethods.tenantId, tenantId),
        isNotNull(paymentMethods.panCiphertext),
        lt(paymentMethods.panKeyVersion, latestVersion),
      ),
    )
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
      secretCiphertext: gatewayAccounts.secretCiphertext,
      secretKeyVersion: gatewayAccounts.secretKeyVersion,
    })
    .from(gatewayAccounts)
    .where(
      and(
        eq(gatewayAccounts.tenantId, tenantId),
        isNotNull(gatewayAccounts.secretCiphertext),
        lt(gatewayAccounts.secretKeyVersion, latestVersion),
      ),
    )
    .orderBy(asc(gatewayAccounts.id))
    .limit(limit);
}

export async function countStaleSealedRows(db: Db, tenantId: number, latestVersion: number): Promise<number> {
  const [pans] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(paymentMethods)
    .where(
      and(
        eq(paymentMethods.tenantId, tenantId),
        isNotNull(paymentMethods.panCiphertext),
        lt(paymentMethods.panKeyVersion, latestVersion),
      ),
    );
  const [secrets] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(gatewayAccounts)
    .where(
      and(
        eq(gatewayAccounts.tenantId, tenantId),
        isNotNull(gatewayAccounts.secretCiphertext),
        lt(gatewayAccounts.secretKeyVersion, latestVersion),
      ),
    );
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
    .set({ secretCiphertext: next.ciphertext, secretKeyVersion: next.keyVersion })
    .where(
      and(
        eq(gatewayAccounts.tenantId, tenantId),
        eq(gatewayAccounts.id, id),
        eq(gatewayAccounts.secretCiphertext, previous),
      ),
    )
    .returning({ id: gatewayAccounts.id });
  return rows.length === 1;
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
