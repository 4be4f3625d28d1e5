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
