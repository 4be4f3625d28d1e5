import { createHmac, randomBytes } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** Random base62 characters; rejection sampling keeps the distribution uniform. */
export function randomBase62(length: number): string {
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < 248) out += ALPHABET[byte % 62];
      if (out.length === length) break;
    }
  }
  return out;
}

/** Lengths of the part after the prefix, as Stripe's ids have them. */
const ID_LENGTHS = {
  cus: 14,
  card: 24,
  pm: 24,
  tok: 24,
  ch: 24,
  pi: 24,
  re: 24,
  req: 14,
} as const;

export type IdPrefix = keyof typeof ID_LENGTHS;

export function newId(prefix: IdPrefix): string {
  return `${prefix}_${randomBase62(ID_LENGTHS[prefix])}`;
}

/** The seed `--seed demo` stands for. */
export const DEMO_SEED = 4242;

export function validSeed(seed: number): number {
  if (!Number.isSafeInteger(seed) || seed < 0) throw new TypeError('seed must be an integer ≥ 0');
  return seed;
}

/**
 * A seeded generator of ids: HMAC-SHA256 in counter mode (a deterministic PRNG) keyed by the
 * seed. Every value is derived from (seed, scope, label) alone, so customer 2 of an account
 * has the same id at every start whatever else was seeded, and different seeds, accounts or
 * labels give unrelated ids.
 */
export class SeededIds {
  readonly #key: string;

  constructor(
    readonly seed: number,
    readonly scope: string,
  ) {
    this.#key = `cardbridge-stripe-emulator-seed-v1:${validSeed(seed)}`;
  }

  /** `length` base62 characters for `label` (rejection sampling, as `randomBase62`). */
  base62(length: number, label: string): string {
    let out = '';
    for (let block = 0; out.length < length; block++) {
      const digest = createHmac('sha256', this.#key)
        .update(`${this.scope}\u0000${label}\u0000${block}`)
        .digest();
      for (const byte of digest) {
        if (byte < 248) out += ALPHABET[byte % 62];
        if (out.length === length) break;
      }
    }
    return out;
  }

  id(prefix: IdPrefix, label: string): string {
    return `${prefix}_${this.base62(ID_LENGTHS[prefix], `${prefix}/${label}`)}`;
  }

  /** A Connect account id like Stripe's: `acct_1` and 15 more characters. */
  accountId(label: string): string {
    return `acct_1${this.base62(15, `acct/${label}`)}`;
  }
}

// Public on purpose: fingerprints only have to be stable (same number, same account →
// same value, across restarts) and only test numbers should ever reach an emulator.
const FINGERPRINT_KEY = 'cardbridge-stripe-emulator-fingerprint-v1';

/** 16 base62 characters like Stripe's, keyed per account so accounts do not share them. */
export function fingerprint(cardNumber: string, account: string | null): string {
  const digest = createHmac('sha256', FINGERPRINT_KEY)
    .update(`${account ?? 'platform'}\u0000${cardNumber}`)
    .digest();
  let out = '';
  for (let i = 0; i < 16; i++) out += ALPHABET[(digest[i] ?? 0) % 62];
  return out;
}

export const nowSeconds = (): number => Math.floor(Date.now() / 1000);
