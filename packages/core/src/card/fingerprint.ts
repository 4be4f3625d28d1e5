import { createHmac, hkdfSync } from 'node:crypto';
import { DomainError } from '../errors.js';
import type { Pan } from './pan.js';

/**
 * Card fingerprints (docs/architecture.md, "What card data and its owners are owed": Card data; PCI DSS 3.5.1.1): a keyed hash — HMAC-SHA256
 * under a per-tenant key derived from a master fingerprint secret — never a plain SHA-256,
 * which anyone could brute-force over the small space of card numbers. The same card in two
 * tenants has different fingerprints, so fingerprints cannot link customers across tenants.
 */

export const FINGERPRINT_KEY_BYTES = 32;
const MIN_MASTER_SECRET_BYTES = 32;

/** HKDF `info` for a tenant's fingerprint key; bump the version to rotate every fingerprint. */
export const fingerprintKeyInfo = (tenantId: number): string => `cardbridge:fingerprint:v1:${tenantId}`;

/**
 * The tenant's fingerprint key: HKDF-SHA256(master secret, empty salt, info
 * `cardbridge:fingerprint:v1:<tenantId>`), 32 bytes. The master secret must be at least
 * 32 random bytes and comes from config, not the database.
 */
export function deriveTenantFingerprintKey(masterFingerprintSecret: Buffer, tenantId: number): Buffer {
  if (
    !(masterFingerprintSecret instanceof Uint8Array) ||
    masterFingerprintSecret.length < MIN_MASTER_SECRET_BYTES
  ) {
    throw new DomainError(
      'INTERNAL',
      `fingerprint master secret must be at least ${MIN_MASTER_SECRET_BYTES} bytes`,
    );
  }
  if (!Number.isSafeInteger(tenantId) || tenantId <= 0) {
    throw new DomainError('INTERNAL', 'tenant id must be a positive integer');
  }
  const key = hkdfSync(
    'sha256',
    masterFingerprintSecret,
    Buffer.alloc(0),
    fingerprintKeyInfo(tenantId),
    FINGERPRINT_KEY_BYTES,
  );
  return Buffer.from(key);
}

/** HMAC-SHA256 of the card digits under the tenant's fingerprint key, base64url (43 chars). */
export function fingerprintPan(pan: Pan, tenantKey: Buffer | Uint8Array): string {
  if (!(tenantKey instanceof Uint8Array) || tenantKey.length < FINGERPRINT_KEY_BYTES) {
    throw new DomainError('INTERNAL', `fingerprint key must be at least ${FINGERPRINT_KEY_BYTES} bytes`);
  }
  return createHmac('sha256', tenantKey).update(pan.reveal(), 'utf8').digest('base64url');
}
