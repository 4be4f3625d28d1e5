import creditCardType from 'credit-card-type';

/**
 * Card brands cardbridge handles. Brand detection uses the `credit-card-type` table
 * (braintree/credit-card-type; house rule 8, docs/architecture.md) rather than our own prefix list.
 */
export const cardTypes = [
  'Visa',
  'MasterCard',
  'AmericanExpress',
  'Discover',
  'DinersClub',
  'JCB',
  'UnionPay',
  'Maestro',
] as const;

export type CardType = (typeof cardTypes)[number];

export const isCardType = (value: unknown): value is CardType =>
  typeof value === 'string' && (cardTypes as readonly string[]).includes(value);

/** credit-card-type's ids → ours. Its other networks (elo, mir, troy, hiper, hipercard, naranja, verve) are not brands of ours. */
const fromLibraryType: Readonly<Record<string, CardType>> = {
  visa: 'Visa',
  mastercard: 'MasterCard',
  'american-express': 'AmericanExpress',
  discover: 'Discover',
  'diners-club': 'DinersClub',
  jcb: 'JCB',
  unionpay: 'UnionPay',
  maestro: 'Maestro',
};

const toLibraryType: Readonly<Record<CardType, string>> = {
  Visa: 'visa',
  MasterCard: 'mastercard',
  AmericanExpress: 'american-express',
  Discover: 'discover',
  DinersClub: 'diners-club',
  JCB: 'jcb',
  UnionPay: 'unionpay',
  Maestro: 'maestro',
};

export interface CardTypeInfo {
  /** Card number lengths the brand issues. */
  lengths: readonly number[];
  /** Security code length (4 only for American Express). */
  cvvLength: 3 | 4;
  /** Positions of the gaps when the number is printed in groups (e.g. [4, 8, 12]). */
  gaps: readonly number[];
}

/** Lengths, CVV size and grouping of a brand, read from the credit-card-type table. */
export function cardTypeInfo(type: CardType): CardTypeInfo {
  const info = creditCardType.getTypeInfo(toLibraryType[type]);
  return {
    lengths: [...info.lengths],
    cvvLength: info.code.size === 4 ? 4 : 3,
    gaps: [...info.gaps],
  };
}

export type CardTypeMatch =
  /** A supported brand and the number's length is one that brand issues. */
  | { kind: 'ok'; type: CardType }
  /** A supported brand by prefix, but the brand does not issue numbers of this length. */
  | { kind: 'bad-length'; type: CardType }
  /** No supported brand's prefix matches (e.g. Mir 2200–2204), or the input is not digits. */
  | { kind: 'unknown' };

/** Library test order (credit-card-type's ORIGINAL_TEST_ORDER restricted to our brands): breaks ties. */
const tieOrder: readonly CardType[] = [
  'Visa',
  'MasterCard',
  'AmericanExpress',
  'DinersClub',
  'Discover',
  'JCB',
  'UnionPay',
  'Maestro',
];

/** How many leading digits a credit-card-type pattern (a prefix or a [min, max] prefix range) matches; 0 if none. */
function patternStrength(digits: string, pattern: number | number[]): number {
  if (Array.isArray(pattern)) {
    const [min, max] = pattern;
    if (min === undefined || max === undefined) return 0;
    const width = String(min).length;
    const head = Number(digits.slice(0, width));
    return digits.length >= width && head >= min && head <= max ? width : 0;
  }
  const prefix = String(pattern);
  return digits.startsWith(prefix) ? prefix.length : 0;
}

/**
 * Our brand whose prefix in credit-card-type's table matches `digits` most specifically
 * (longest prefix; ties in the library's order), with that brand's lengths.
 */
function bestSupportedMatch(digits: string): { type: CardType; lengths: readonly number[] } | null {
  let best: { type: CardType; lengths: readonly number[]; strength: number } | null = null;
  for (const type of tieOrder) {
    const info = creditCardType.getTypeInfo(toLibraryType[type]);
    const strength = Math.max(0, ...info.patterns.map((p) => patternStrength(digits, p)));
    if (strength > 0 && (best === null || strength > best.strength)) {
      best = { type, lengths: info.lengths, strength };
    }
  }
  return best;
}

/**
 * Classify a full card number (digits only).
 *
 * 1. credit-card-type's own answer: for a full number it returns the single most specific
 *    match (longest matching prefix; ties go to its test order Visa, Mastercard, Amex, Diners,
 *    Discover, …, Maestro), so 6011… is Discover and 62… UnionPay although Maestro's table
 *    claims all of 6.
 * 2. When that answer is a network we do not support but whose BINs sit inside one of our
 *    brands' ranges (Elo and Naranja BINs in Visa's 4…, Naranja 527572 in Mastercard's 51–55,
 *    Troy/Elo BINs in Discover's 65…), the enclosing brand of ours wins: such cards are
 *    co-branded or routed through that network outside their home market, and refusing them
 *    at input would stop a customer from paying at all. The gateway has the last word.
 *    Networks outside all our ranges (Mir 2200–2204) stay unknown.
 * 3. The number's length must be one that brand issues (credit-card-type's `lengths`).
 */
export function matchCardType(digits: string): CardTypeMatch {
  if (typeof digits !== 'string' || !/^\d+$/.test(digits)) return { kind: 'unknown' };
  // The answer depends on the leading digits the table's patterns look at and the length only,
  // so it is kept per (prefix, length): a bulk import classifies each issuer's BIN once, not each
  // card (credit-card-type copies its whole table at every call).
  const key = `${digits.slice(0, PATTERN_DIGITS)}:${digits.length}`;
  const known = matchesByPrefix.get(key);
  if (known) return known;
  const match = classify(digits);
  if (matchesByPrefix.size >= MATCH_CACHE_SIZE) matchesByPrefix.clear();
  matchesByPrefix.set(key, match);
  return match;
}

/** The longest prefix credit-card-type's table matches on (Elo's and others' eight-digit BIN ranges). */
const PATTERN_DIGITS = 8;
const MATCH_CACHE_SIZE = 10_000;
const matchesByPrefix = new Map<string, CardTypeMatch>();

function classify(digits: string): CardTypeMatch {
  const [libraryBest] = creditCardType(digits);
  const libraryType = libraryBest ? fromLibraryType[libraryBest.type] : undefined;
  const match =
    libraryBest && libraryType
      ? { type: libraryType, lengths: libraryBest.lengths }
      : bestSupportedMatch(digits);
  if (!match) return { kind: 'unknown' };
  return match.lengths.includes(digits.length)
    ? { kind: 'ok', type: match.type }
    : { kind: 'bad-length', type: match.type };
}

/** The brand of a full card number (digits only), or null when unknown/unsupported or the length does not fit the brand. */
export function detectCardType(digits: string): CardType | null {
  const match = matchCardType(digits);
  return match.kind === 'ok' ? match.type : null;
}
