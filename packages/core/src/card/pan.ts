import { DomainError } from '../errors.js';
import { type CardType, matchCardType } from './brand.js';
import { isLuhnValid } from './luhn.js';
import { maskCardNumber } from './mask.js';
import { Secret } from './secret.js';

/**
 * A primary account number (card number). Past the input boundary a card number is only
 * ever a `Pan` (house rule 1, docs/architecture.md): it masks itself in `toString`/`util.inspect`, throws
 * on `toJSON`/`valueOf`, and gives its digits only through `reveal()` — which ONLY vault and
 * gateway code (and the fingerprint) may call.
 */
export class Pan extends Secret {
  readonly #brand: CardType;
  readonly #length: number;
  readonly #last4: string;
  readonly #bin: string;
  readonly #masked: string;

  private constructor(digits: string, brand: CardType) {
    super(digits);
    this.#brand = brand;
    this.#length = digits.length;
    this.#last4 = digits.slice(-4);
    this.#bin = digits.slice(0, 6);
    this.#masked = maskCardNumber(digits);
    Object.freeze(this);
  }

  /**
   * Parse a card number as typed: spaces and dashes are removed, then it must be 12–19
   * digits, pass the Luhn check and belong to a supported brand with a length that brand
   * issues. Failures are `DomainError.field(field, …)` (VALIDATION_FAILED) whose message never
   * contains the input.
   */
  static parse(input: string, field = 'cardNumber'): Pan {
    const fail = (message: string) => DomainError.field(field, message);
    if (typeof input !== 'string') throw fail('card number is required');
    const digits = input.replace(/[\s-]/g, '');
    if (digits.length === 0) throw fail('card number is required');
    if (!/^\d+$/.test(digits)) throw fail('card number must contain only digits, spaces and dashes');
    if (digits.length < 12 || digits.length > 19) throw fail('card number must be 12 to 19 digits long');
    if (!isLuhnValid(digits)) throw fail('card number is not valid (failed the Luhn check)');
    const match = matchCardType(digits);
    if (match.kind === 'unknown') throw fail('card number is not valid (unknown or unsupported card brand)');
    if (match.kind === 'bad-length') {
      throw fail(`card number is not valid (wrong length for its card brand, ${match.type})`);
    }
    return new Pan(digits, match.type);
  }

  static isPan(value: unknown): value is Pan {
    return value instanceof Pan;
  }

  /** The card brand, detected from the number. */
  get brand(): CardType {
    return this.#brand;
  }

  /** Number of digits. */
  get length(): number {
    return this.#length;
  }

  /** The last four digits (safe to show and store). */
  get last4(): string {
    return this.#last4;
  }

  /** The first six digits (issuer identification number). Not shown in our output (we show last 4 only). */
  get bin(): string {
    return this.#bin;
  }

  /** `************4242`: one `*` per hidden digit, then the last four. */
  get masked(): string {
    return this.#masked;
  }

  protected get secretKind(): string {
    return 'Pan';
  }

  /** Constant-time comparison of the card numbers. */
  equals(other: Pan): boolean {
    return other instanceof Pan && this.secretEquals(other);
  }
}
