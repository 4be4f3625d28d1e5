import { DomainError } from '../errors.js';
import type { CardType } from './brand.js';
import { Secret } from './secret.js';

/**
 * A card security code (CVV/CVC/CID). It is never stored — not even encrypted — nor logged,
 * put in a job payload, an idempotency record, an audit row or an error message (PCI DSS
 * 3.3.1): it lives in memory for the one gateway call that needs it. Only gateway code may
 * call `reveal()`.
 */
export class Cvv extends Secret {
  private constructor(digits: string) {
    super(digits);
    Object.freeze(this);
  }

  /**
   * Parse a security code: 4 digits for American Express, 3 for every other brand, 3 or 4
   * when the brand is not known yet. Surrounding whitespace is ignored. Failures are
   * `DomainError.field(field, …)` whose message never contains the input.
   */
  static parse(input: string, cardType?: CardType | null, field = 'cvv'): Cvv {
    const fail = (message: string) => DomainError.field(field, message);
    if (typeof input !== 'string') throw fail('security code is required');
    const digits = input.trim();
    if (digits.length === 0) throw fail('security code is required');
    if (!/^\d+$/.test(digits)) throw fail('security code must contain only digits');
    if (cardType === 'AmericanExpress') {
      if (digits.length !== 4) throw fail('security code must be 4 digits for American Express');
    } else if (cardType) {
      if (digits.length !== 3) throw fail('security code must be 3 digits');
    } else if (digits.length !== 3 && digits.length !== 4) {
      throw fail('security code must be 3 or 4 digits');
    }
    return new Cvv(digits);
  }

  static isCvv(value: unknown): value is Cvv {
    return value instanceof Cvv;
  }

  /**
   * Re-checks the code against a brand learnt after parsing (the card number's), with the same
   * rules and messages as `parse`, without revealing the digits to the caller.
   */
  checkFor(cardType: CardType, field = 'cvv'): this {
    Cvv.parse(this.reveal(), cardType, field);
    return this;
  }

  /** Always `***`, whatever the length, so the mask does not hint at the brand either. */
  get masked(): string {
    return '***';
  }

  protected get secretKind(): string {
    return 'Cvv';
  }

  /** Constant-time comparison. */
  equals(other: Cvv): boolean {
    return other instanceof Cvv && this.secretEquals(other);
  }
}
