import { createHash } from 'node:crypto';
import { luhnCheckDigit, testCards } from '@cardbridge/core';

/**
 * The made-up customers and cards of a generated export. Everything derives from the seed
 * (SHA-256 of seed, purpose and index), so the same options give the same file, and a test can
 * regenerate what it expects instead of keeping fixtures. Card numbers are test numbers: the
 * BINs of the test card table in core (Stripe's test cards), new digits, a Luhn check digit.
 */

export interface GeneratedCardsOptions {
  cards: number;
  /** Cards per customer; the last customer may have fewer. Default 1. */
  cardsPerCustomer?: number;
  seed?: number | string;
  /** Put after `cus_` in every customer id, to keep the customers of two files apart. */
  customerPrefix?: string;
  /** Share (0–1) of cards whose expiry is already past. Default 0. */
  expiredShare?: number;
  /** Share (0–1) of cards whose number fails the Luhn check. Default 0. */
  invalidShare?: number;
  /** "Now" for the expiry dates. Default: the current time. */
  now?: Date;
}

export interface GeneratedCustomer {
  id: string;
  email: string | null;
  name: string | null;
  description: string | null;
  defaultSource: string;
  cards: GeneratedCard[];
}

export interface GeneratedCard {
  /** 0-based position of the card in the file. */
  index: number;
  id: string;
  /** A test card number in clear: this is generated test data, never a customer's card. */
  number: string;
  expMonth: number;
  expYear: number;
  name: string | null;
  addressLine1: string | null;
  addressLine2: string | null;
  addressCity: string | null;
  addressState: string | null;
  addressZip: string | null;
  addressCountry: string | null;
  expired: boolean;
  invalidNumber: boolean;
}

/** One successful test card per brand (and Mastercard's 2-series): the BINs numbers are made from. */
const numberTemplates = testCards
  .filter((card) => card.behaviour.outcome === 'success')
  .map((card) => ({ brand: card.brand, bin: card.number.slice(0, 6), length: card.number.length }));

const firstNames = [
  'Ada',
  'Zoë',
  'José',
  "D'Arcy",
  'Mary-Jane',
  'Anna "Ann"',
  'Li',
  'Søren',
  'Émile',
  'Grace',
];
const lastNames = ['Lovelace', 'Müller', "O'Brien", 'Smith, Jr.', 'García', 'Nakamura', 'Hopper', 'Dubois'];
const places = [
  { city: 'San Francisco', state: 'CA', zip: '94107', country: 'US', street: 'Market Street' },
  { city: 'New York', state: 'NY', zip: '10001', country: 'US', street: 'Broadway, Suite 5' },
  { city: 'London', state: null, zip: 'EC1A 1BB', country: 'GB', street: "King's Road" },
  { city: 'Paris', state: null, zip: '75002', country: 'FR', street: 'Rue de la Paix, Bât. "B"' },
  { city: 'Toronto', state: 'ON', zip: 'M5V 2T6', country: 'CA', street: 'Queen St W' },
  { city: 'München', state: 'BY', zip: '80331', country: 'DE', street: 'Marienplatz' },
] as const;

/** The customers of the file in order, each with its cards. Memory: one customer at a time. */
export function* generatedCustomers(options: GeneratedCardsOptions): Generator<GeneratedCustomer> {
  const {
    cards,
    cardsPerCustomer = 1,
    seed = 1,
    customerPrefix = '',
    expiredShare = 0,
    invalidShare = 0,
  } = options;
  if (!Number.isSafeInteger(cards) || cards < 0) throw new RangeError('cards must be a whole number ≥ 0');
  if (!Number.isSafeInteger(cardsPerCustomer) || cardsPerCustomer < 1) {
    throw new RangeError('cardsPerCustomer must be a whole number ≥ 1');
  }
  for (const [name, share] of [
    ['expiredShare', expiredShare],
    ['invalidShare', invalidShare],
  ] as const) {
    if (!(share >= 0 && share <= 1)) throw new RangeError(`${name} must be between 0 and 1`);
  }
  if (!/^[A-Za-z0-9_]*$/.test(customerPrefix)) {
    throw new RangeError('customerPrefix may hold letters, digits and underscores only');
  }
  const year = (options.now ?? new Date()).getUTCFullYear();
  const h = hasher(seed);

  for (let c = 0, first = 0; first < cards; c++, first += cardsPerCustomer) {
    const count = Math.min(cardsPerCustomer, cards - first);
    const first_ = pickFrom(firstNames, h('first-name', c));
    const last = pickFrom(lastNames, h('last-name', c));
    const name = `${first_} ${last}`;
    const customerCards: GeneratedCard[] = [];
    for (let index = first; index < first + count; index++) {
      const place = pickFrom(places, h('place', index));
      const expired = fraction(h('expired', index)) < expiredShare;
      const invalidNumber = fraction(h('invalid', index)) < invalidShare;
      const expiry = h('expiry', index);
      customerCards.push({
        index,
        id: `card_${h.id('card-id', index, 24)}`,
        number: cardNumber(index, h('numbers', 0), invalidNumber),
        expMonth: 1 + (expiry % 12),
        // Past years only or future years only: "expired" holds for any day of the current year.
        expYear: expired ? year - 1 - (expiry % 3) : year + 1 + (expiry % 6),
        name: index % 7 === 3 ? null : name,
        addressLine1: `${1 + (h('house', index) % 999)} ${place.street}`,
        addressLine2: index % 4 === 1 ? `Apt ${1 + (index % 40)}` : null,
        addressCity: place.city,
        addressState: place.state,
        addressZip: place.zip,
        addressCountry: place.country,
        expired,
        invalidNumber,
      });
    }
    const defaultCard = customerCards[h('default', c) % customerCards.length]!;
    yield {
      id: `cus_${customerPrefix}${h.id('customer-id', c, 14)}`,
      email: c % 9 === 5 ? null : `customer${c + 1}@example.com`,
      name,
      description: c % 3 === 0 ? null : `Customer ${c + 1}, plan "Pro"`,
      defaultSource: defaultCard.id,
      cards: customerCards,
    };
  }
}

/**
 * A test number for card `index`: brands in turn, then a serial that is unique per brand (a
 * bijection mod 10^n, offset by the seed), so a file never holds the same number twice.
 */
function cardNumber(index: number, seedOffset: number, invalid: boolean): string {
  const template = numberTemplates[index % numberTemplates.length]!;
  const width = template.length - template.bin.length - 1;
  const modulus = 10 ** width;
  const serial = Math.floor(index / numberTemplates.length);
  // 7_919 is prime and coprime to 10: the map serial → middle digits is one-to-one.
  const middle = (Number((BigInt(serial) * 7_919n + BigInt(seedOffset)) % BigInt(modulus)) + modulus)
    .toString()
    .slice(1);
  const partial = `${template.bin}${middle}`;
  const check = Number(luhnCheckDigit(partial));
  // The BIN decides the brand (the round-trip tests check that each reads back as its brand).
  return `${partial}${invalid ? (check + 1) % 10 : check}`;
}

interface Hash {
  /** A 48-bit unsigned integer from SHA-256(seed, purpose, index). */
  (purpose: string, index: number): number;
  /** `length` base-62 characters (a Stripe-like id body) from the same digest. */
  id(purpose: string, index: number, length: number): string;
}

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

function hasher(seed: number | string): Hash {
  const digest = (purpose: string, index: number) =>
    createHash('sha256').update(`${seed}\0${purpose}\0${index}`).digest();
  const hash = (purpose: string, index: number) => digest(purpose, index).readUIntBE(0, 6);
  hash.id = (purpose: string, index: number, length: number) => {
    let out = '';
    let bytes = digest(purpose, index);
    let i = 0;
    while (out.length < length) {
      if (i === bytes.length) {
        bytes = createHash('sha256').update(bytes).digest();
        i = 0;
      }
      // 62 × 4 = 248: bytes from 248 up are skipped so that every character is equally likely.
      const byte = bytes[i++]!;
      if (byte < 248) out += ALPHABET[byte % 62];
    }
    return out;
  };
  return hash;
}

const fraction = (value: number) => value / 2 ** 48;
const pickFrom = <T>(list: readonly T[], value: number): T => list[value % list.length]!;
