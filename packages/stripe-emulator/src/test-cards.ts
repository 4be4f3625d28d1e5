/**
 * Stripe's documented test cards (https://stripe.com/docs/testing) and the magic
 * `tok_…` / `pm_card_…` ids that stand for them. Any other Luhn-valid number works as a
 * plain successful card of the brand its prefix implies.
 */

export type BrandKey =
  | 'visa'
  | 'mastercard'
  | 'amex'
  | 'discover'
  | 'diners'
  | 'jcb'
  | 'unionpay'
  | 'unknown';

/** `card` objects use the display name, `payment_method.card.brand` the lowercase key. */
export const BRAND_NAMES: Record<BrandKey, string> = {
  visa: 'Visa',
  mastercard: 'MasterCard',
  amex: 'American Express',
  discover: 'Discover',
  diners: 'Diners Club',
  jcb: 'JCB',
  unionpay: 'UnionPay',
  unknown: 'Unknown',
};

export type Funding = 'credit' | 'debit' | 'prepaid' | 'unknown';

export interface Decline {
  code: string;
  decline_code: string;
  message: string;
  param?: string;
}

export const DECLINES = {
  generic: { code: 'card_declined', decline_code: 'generic_decline', message: 'Your card was declined.' },
  insufficientFunds: {
    code: 'card_declined',
    decline_code: 'insufficient_funds',
    message: 'Your card has insufficient funds.',
  },
  lostCard: { code: 'card_declined', decline_code: 'lost_card', message: 'Your card was declined.' },
  stolenCard: { code: 'card_declined', decline_code: 'stolen_card', message: 'Your card was declined.' },
  expiredCard: { code: 'expired_card', decline_code: 'expired_card', message: 'Your card has expired.' },
  incorrectCvc: {
    code: 'incorrect_cvc',
    decline_code: 'incorrect_cvc',
    message: "Your card's security code is incorrect.",
    param: 'cvc',
  },
  processingError: {
    code: 'processing_error',
    decline_code: 'processing_error',
    message: 'An error occurred while processing your card. Try again in a little bit.',
  },
} satisfies Record<string, Decline>;

export type Check = 'pass' | 'fail' | 'unavailable';

export interface TestCard {
  number: string;
  brand: BrandKey;
  funding: Funding;
  country: string;
  /** Declined when saved to a customer (Stripe verifies the card) and on every charge. */
  declineOnAttach?: Decline;
  /** Saved fine; only charges decline. */
  declineOnCharge?: Decline;
  /** What the address checks say when an address was given. */
  addressLine1Check?: Check;
  addressZipCheck?: Check;
  /** cvc_check when a CVC was given; 'fail' also declines with incorrect_cvc. */
  cvcCheck?: Check;
}

export const TEST_CARDS: readonly TestCard[] = [
  { number: '4242424242424242', brand: 'visa', funding: 'credit', country: 'US' },
  { number: '4000056655665556', brand: 'visa', funding: 'debit', country: 'US' },
  { number: '5555555555554444', brand: 'mastercard', funding: 'credit', country: 'US' },
  { number: '2223003122003222', brand: 'mastercard', funding: 'credit', country: 'US' },
  { number: '5200828282828210', brand: 'mastercard', funding: 'debit', country: 'US' },
  { number: '5105105105105100', brand: 'mastercard', funding: 'prepaid', country: 'US' },
  { number: '378282246310005', brand: 'amex', funding: 'credit', country: 'US' },
  { number: '371449635398431', brand: 'amex', funding: 'credit', country: 'US' },
  { number: '6011111111111117', brand: 'discover', funding: 'credit', country: 'US' },
  { number: '6011000990139424', brand: 'discover', funding: 'credit', country: 'US' },
  { number: '3056930009020004', brand: 'diners', funding: 'credit', country: 'US' },
  { number: '36227206271667', brand: 'diners', funding: 'credit', country: 'US' },
  { number: '3566002020360505', brand: 'jcb', funding: 'credit', country: 'JP' },
  { number: '6200000000000005', brand: 'unionpay', funding: 'credit', country: 'CN' },
  { number: '4000000000000077', brand: 'visa', funding: 'credit', country: 'US' },
  {
    number: '4000000000000002',
    brand: 'visa',
    funding: 'credit',
    country: 'US',
    declineOnAttach: DECLINES.generic,
  },
  {
    number: '4000000000009995',
    brand: 'visa',
    funding: 'credit',
    country: 'US',
    declineOnAttach: DECLINES.insufficientFunds,
  },
  {
    number: '4000000000009987',
    brand: 'visa',
    funding: 'credit',
    country: 'US',
    declineOnAttach: DECLINES.lostCard,
  },
  {
    number: '4000000000009979',
    brand: 'visa',
    funding: 'credit',
    country: 'US',
    declineOnAttach: DECLINES.stolenCard,
  },
  {
    number: '4000000000000069',
    brand: 'visa',
    funding: 'credit',
    country: 'US',
    declineOnAttach: DECLINES.expiredCard,
  },
  {
    number: '4000000000000127',
    brand: 'visa',
    funding: 'credit',
    country: 'US',
    declineOnAttach: DECLINES.incorrectCvc,
  },
  {
    number: '4000000000000119',
    brand: 'visa',
    funding: 'credit',
    country: 'US',
    declineOnAttach: DECLINES.processingError,
  },
  {
    number: '4000000000000341',
    brand: 'visa',
    funding: 'credit',
    country: 'US',
    declineOnCharge: DECLINES.generic,
  },
  { number: '4000000000000101', brand: 'visa', funding: 'credit', country: 'US', cvcCheck: 'fail' },
  {
    number: '4000000000000010',
    brand: 'visa',
    funding: 'credit',
    country: 'US',
    addressLine1Check: 'fail',
    addressZipCheck: 'fail',
  },
  { number: '4000000000000028', brand: 'visa', funding: 'credit', country: 'US', addressLine1Check: 'fail' },
  { number: '4000000000000036', brand: 'visa', funding: 'credit', country: 'US', addressZipCheck: 'fail' },
  {
    number: '4000000000000044',
    brand: 'visa',
    funding: 'credit',
    country: 'US',
    addressLine1Check: 'unavailable',
    addressZipCheck: 'unavailable',
  },
];

const BY_NUMBER = new Map(TEST_CARDS.map((card) => [card.number, card]));

/** Suffixes shared by `tok_<suffix>` and `pm_card_<suffix>`, as Stripe names them. */
export const MAGIC_SUFFIXES: Readonly<Record<string, string>> = {
  visa: '4242424242424242',
  visa_debit: '4000056655665556',
  mastercard: '5555555555554444',
  mastercard_debit: '5200828282828210',
  mastercard_prepaid: '5105105105105100',
  amex: '378282246310005',
  discover: '6011111111111117',
  diners: '3056930009020004',
  jcb: '3566002020360505',
  unionpay: '6200000000000005',
  bypassPending: '4000000000000077',
  chargeDeclined: '4000000000000002',
  chargeDeclinedInsufficientFunds: '4000000000009995',
  chargeDeclinedLostCard: '4000000000009987',
  chargeDeclinedStolenCard: '4000000000009979',
  chargeDeclinedExpiredCard: '4000000000000069',
  chargeDeclinedIncorrectCvc: '4000000000000127',
  chargeDeclinedProcessingError: '4000000000000119',
  chargeCustomerFail: '4000000000000341',
  cvcCheckFail: '4000000000000101',
  avsFail: '4000000000000010',
  avsLine1Fail: '4000000000000028',
  avsZipFail: '4000000000000036',
  avsUnchecked: '4000000000000044',
};

export function magicTokenNumber(id: string): string | undefined {
  return id.startsWith('tok_') ? MAGIC_SUFFIXES[id.slice(4)] : undefined;
}

export function magicPaymentMethodNumber(id: string): string | undefined {
  return id.startsWith('pm_card_') ? MAGIC_SUFFIXES[id.slice(8)] : undefined;
}

export function luhnValid(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

/** Brand by IIN prefix, for numbers that are not in the test table. */
function brandOf(digits: string): BrandKey {
  const two = Number(digits.slice(0, 2));
  const three = Number(digits.slice(0, 3));
  const four = Number(digits.slice(0, 4));
  if (digits.startsWith('4')) return 'visa';
  if ((two >= 51 && two <= 55) || (four >= 2221 && four <= 2720)) return 'mastercard';
  if (two === 34 || two === 37) return 'amex';
  if (digits.startsWith('6011') || two === 65 || (three >= 644 && three <= 649)) return 'discover';
  if (two === 36 || two === 38 || two === 39 || (three >= 300 && three <= 305)) return 'diners';
  if (four >= 3528 && four <= 3589) return 'jcb';
  if (two === 62) return 'unionpay';
  return 'unknown';
}

export function describeNumber(digits: string): TestCard {
  return (
    BY_NUMBER.get(digits) ?? { number: digits, brand: brandOf(digits), funding: 'credit', country: 'US' }
  );
}
