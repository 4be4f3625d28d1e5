import { DomainError, type DuplicatePolicy } from '@cardbridge/core';
import { type Db, findActiveByFingerprint, type PaymentMethodRow } from '@cardbridge/db';

/**
 * The caller's duplicate policy for a card with this fingerprint. Called under the customer's
 * lock (so twenty concurrent creates under `reject` give one row); also called before any
 * gateway work as a cheap early answer. `reject` refuses; the others report the duplicate.
 */
export async function checkDuplicate(
  db: Db,
  tenantId: number,
  customerId: number,
  fingerprint: string | null,
  policy: DuplicatePolicy,
  except: { id?: number; externalCardId?: string } = {},
): Promise<PaymentMethodRow | undefined> {
  if (!fingerprint) return undefined;
  const found = await findActiveByFingerprint(db, tenantId, customerId, fingerprint, except.id);
  if (!found || (except.externalCardId && found.externalCardId === except.externalCardId)) return undefined;
  if (policy === 'reject') {
    throw new DomainError(
      'CONFLICT',
      `This card duplicates payment method ${found.id} of customer ${customerId}.`,
      { duplicateOf: found.id },
    );
  }
  return found;
}
