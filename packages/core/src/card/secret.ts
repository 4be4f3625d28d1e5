import { timingSafeEqual } from 'node:crypto';
import { DomainError } from '../errors.js';

/**
 * Secret values (house rule 1, docs/architecture.md; modelled on Hyperswitch's `masking::Secret`).
 *
 * The value lives in a JS `#private` field, which `Object.keys`, spread, `Object.entries`,
 * `JSON.stringify`, `structuredClone`, `util.inspect` and log serialisers cannot see.
 * `toString()` and `util.inspect` give the masked form; `toJSON()` and `valueOf()` throw, so
 * an accidental JSON response, log line or arithmetic fails loudly instead of leaking.
 *
 * `reveal()` is the one way to the plaintext. ONLY vault code (encryption), gateway adapters
 * (the request to the gateway) and the card fingerprint may call it; it has a single, unusual
 * name so a lint rule / grep (`\.reveal\(`) can police that.
 */

export const SECRET_SERIALISATION_MESSAGE = 'card secrets cannot be serialised';

const inspectCustom = Symbol.for('nodejs.util.inspect.custom');

export abstract class Secret {
  readonly #value: string;

  protected constructor(value: string) {
    this.#value = value;
  }

  /** The masked form (no secret digits), used by toString and util.inspect. */
  abstract get masked(): string;

  /** Type name shown by util.inspect, e.g. 'Pan'. */
  protected abstract get secretKind(): string;

  /**
   * The plaintext. ONLY the vault, gateway adapters and the fingerprint may call this;
   * never log, return, store (unencrypted) or put the result in an error.
   */
  reveal(): string {
    return this.#value;
  }

  /** Constant-time comparison of the plaintexts (length is not hidden). */
  protected secretEquals(other: Secret): boolean {
    const a = Buffer.from(this.#value, 'utf8');
    const b = Buffer.from(other.#value, 'utf8');
    if (a.length !== b.length) {
      timingSafeEqual(a, a);
      return false;
    }
    return timingSafeEqual(a, b);
  }

  toString(): string {
    return this.masked;
  }

  toJSON(): never {
    throw new DomainError('INTERNAL', SECRET_SERIALISATION_MESSAGE);
  }

  valueOf(): never {
    throw new DomainError('INTERNAL', SECRET_SERIALISATION_MESSAGE);
  }

  [inspectCustom](): string {
    return `${this.secretKind}(${this.masked})`;
  }
}

export const isSecret = (value: unknown): value is Secret => value instanceof Secret;
