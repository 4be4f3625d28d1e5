import { createHmac, hash, randomBytes } from 'node:crypto';

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

const BLOCK = 64; // SHA-256's block size, for HMAC's pads

/**
 * A seeded generator of ids: HMAC-SHA256 in counter mode (a deterministic PRNG) keyed by the
 * seed. Every value is derived from (seed, scope, label) alone, so customer 2 of an account
 * has the same id at every start whatever else was seeded, and different seeds, accounts or
 * labels give unrelated ids.
 *
 * HMAC is computed from its definition with one-shot hashes and the pads prepared once:
 * the same bytes as `createHmac`, several times faster, which is what lets a 100k-customer
 * account seed in seconds.
 */
export class SeededIds {
  readonly #inner: Buffer;
  readonly #outer = Buffer.alloc(BLOCK + 32);
  readonly #unitBasis: number;

  constructor(
    readonly seed: number,
    readonly scope: string,
  ) {
    let key = Buffer.from(`cardbridge-stripe-emulator-seed-v1:${validSeed(seed)}`, 'utf8');
    if (key.length > BLOCK) key = hash('sha256', key, 'buffer');
    this.#inner = Buffer.alloc(BLOCK + 256);
    for (let i = 0; i < BLOCK; i++) {
      const byte = key[i] ?? 0;
      this.#inner[i] = byte ^ 0x36;
      this.#outer[i] = byte ^ 0x5c;
    }
    this.#unitBasis = fnv1a(`${seed}\u0000${scope}`, 0x811c9dc5);
  }

  /**
   * HMAC-SHA256(key, `${scope}\0${label}\0${block}`) as a 'binary' (latin1) string (one char per
   * byte): strings are cheaper to make than Buffers, which counts at a million digests.
   */
  #digest(label: string, block: number): string {
    const message = `${this.scope}\u0000${label}\u0000${block}`;
    let inner: string;
    if (Buffer.byteLength(message) <= this.#inner.length - BLOCK) {
      const length = this.#inner.write(message, BLOCK, 'utf8');
      inner = hash('sha256', this.#inner.subarray(0, BLOCK + length), 'binary');
    } else {
      inner = hash('sha256', Buffer.concat([this.#inner.subarray(0, BLOCK), Buffer.from(message)]), 'binary');
    }
    this.#outer.write(inner, BLOCK, 'latin1');
    return hash('sha256', this.#outer, 'binary');
  }

  /** `length` base62 characters for `label` (rejection sampling, as `randomBase62`), after `lead`. */
  base62(length: number, label: string, lead = ''): string {
    const codes: number[] = [];
    for (let i = 0; i < lead.length; i++) codes.push(lead.charCodeAt(i));
    const end = lead.length + length;
    for (let block = 0; codes.length < end; block++) {
      const digest = this.#digest(label, block);
      for (let i = 0; i < digest.length && codes.length < end; i++) {
        const byte = digest.charCodeAt(i);
        if (byte < 248) codes.push(ALPHABET_CODES[byte % 62] as number);
      }
    }
    // One flat string: a `${prefix}_${…}` concatenation would keep an extra cons cell per id.
    return String.fromCharCode(...codes);
  }

  id(prefix: IdPrefix, label: string): string {
    return this.base62(ID_LENGTHS[prefix], `${prefix}/${label}`, `${prefix}_`);
  }

  /** A Connect account id like Stripe's: `acct_1` and 15 more characters. */
  accountId(label: string): string {
    return this.base62(15, `acct/${label}`, 'acct_1');
  }

  /**
   * A number in [0, 1) for `label`, from (seed, scope, label) alone: for spreading
   * timestamps and expiry dates. A cheap hash, not HMAC: it only has to look random.
   */
  unit(label: string): number {
    return fmix32(fnv1a(label, this.#unitBasis)) / 4294967296;
  }
}

const ALPHABET_CODES = [...ALPHABET].map((c) => c.charCodeAt(0));

function fnv1a(text: string, basis: number): number {
  let h = basis >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** MurmurHash3's finalizer: spreads FNV's weak low bits over all 32. */
function fmix32(h: number): number {
  let x = h >>> 0;
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 0;
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
