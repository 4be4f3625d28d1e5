import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { DomainError } from '../errors.js';

/*
 * AES-256-GCM with a random 96-bit nonce. The associated data binds a ciphertext to where it
 * belongs (tenant, row, key version): moved anywhere else, it fails to decrypt.
 * Format: `v1.<base64url(nonce ‖ ciphertext ‖ tag)>`.
 */
const nonceBytes = 12;
const tagBytes = 16;
const format = 'v1';

/**
 * Nonces come from a pool of random bytes, each slice used once: a call to the CSPRNG per seal
 * cost more than the encryption itself when a migration seals a hundred thousand numbers.
 */
const noncePool = { bytes: Buffer.alloc(0), next: 0 };

function freshNonce(): Buffer {
  if (noncePool.next + nonceBytes > noncePool.bytes.length) {
    noncePool.bytes = randomBytes(nonceBytes * 1024);
    noncePool.next = 0;
  }
  const nonce = noncePool.bytes.subarray(noncePool.next, noncePool.next + nonceBytes);
  noncePool.next += nonceBytes;
  return nonce;
}

export function seal(key: Uint8Array, plaintext: Uint8Array, aad: string): string {
  if (key.length !== 32) throw new DomainError('INTERNAL', 'encryption key must be 32 bytes');
  const nonce = freshNonce();
  const cipher = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: tagBytes });
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return `${format}.${Buffer.concat([nonce, body, cipher.getAuthTag()]).toString('base64url')}`;
}

export function open(key: Uint8Array, sealed: string, aad: string): Buffer {
  const [version, payload] = sealed.split('.');
  if (version !== format || !payload) throw new DomainError('INTERNAL', 'unrecognised ciphertext format');
  const raw = Buffer.from(payload, 'base64url');
  if (raw.length < nonceBytes + tagBytes) throw new DomainError('INTERNAL', 'ciphertext too short');
  const nonce = raw.subarray(0, nonceBytes);
  const tag = raw.subarray(raw.length - tagBytes);
  const body = raw.subarray(nonceBytes, raw.length - tagBytes);
  const decipher = createDecipheriv('aes-256-gcm', key, nonce, { authTagLength: tagBytes });
  decipher.setAAD(Buffer.from(aad, 'utf8'));
  decipher.setAuthTag(tag);
  try {
    return Buffer.concat([decipher.update(body), decipher.final()]);
  } catch {
    // Wrong key, tampered bytes or a ciphertext moved to another row: all look the same.
    throw new DomainError('INTERNAL', 'ciphertext failed authentication');
  }
}
