import { hkdfSync, randomBytes } from 'node:crypto';
import { DomainError } from '../errors.js';

/**
 * The key-encrypting key: never stored in the database. It wraps each tenant's data keys
 * and derives the (separate) fingerprint secret.
 */
export class MasterKey {
  readonly #key: Buffer;
  private constructor(key: Buffer) {
    this.#key = key;
  }

  static fromBase64(b64: string, field = 'CARDBRIDGE_MASTER_KEY'): MasterKey {
    const key = Buffer.from(b64.trim(), 'base64');
    if (key.length !== 32) throw DomainError.field(field, 'must be the base64 of exactly 32 bytes');
    return new MasterKey(key);
  }

  static generateBase64(): string {
    return randomBytes(32).toString('base64');
  }

  /** For the vault only. */
  bytes(): Buffer {
    return this.#key;
  }

  /** A purpose-bound key derived from the master key (HKDF-SHA256), e.g. the fingerprint secret. */
  derive(purpose: string): Buffer {
    return Buffer.from(hkdfSync('sha256', this.#key, Buffer.alloc(0), `cardbridge:${purpose}`, 32));
  }

  toString(): string {
    return 'MasterKey(***)';
  }
  toJSON(): never {
    throw new DomainError('INTERNAL', 'key material cannot be serialised');
  }
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return 'MasterKey(***)';
  }
}
