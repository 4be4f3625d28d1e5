import type { CardType } from '../../card/index.js';

/**
 * The test gateway's card table. Numbers and token names are Stripe's own test cards
 * (https://docs.stripe.com/testing), so the same test data drives the test gateway, the
 * Stripe emulator and Stripe test mode.
 *
 * | number              | brand           | token(s)                                         | behaviour                              |
 * |---------------------|-----------------|--------------------------------------------------|----------------------------------------|
 * | 4242424242424242    | Visa            | tok_visa, pm_card_visa                           | success                                |
 * | 5555555555554444    | MasterCard      | tok_mastercard, pm_card_mastercard               | success                                |
 * | 2223003122003222    | MasterCard (2-series) | —                                          | success                                |
 * | 378282246310005     | AmericanExpress | tok_amex, pm_card_amex                           | success                                |
 * | 6011111111111117    | Discover        | tok_discover, pm_card_discover                   | success                                |
 * | 3056930009020004    | DinersClub      | tok_diners, pm_card_diners                       | success                                |
 * | 3566002020360505    | JCB             | tok_jcb, pm_card_jcb                             | success                                |
 * | 6200000000000005    | UnionPay        | tok_unionpay, pm_card_unionpay                   | success                                |
 * | 4000000000000002    | Visa            | tok_chargeDeclined, pm_card_chargeDeclined       | declined: card_declined / generic_decline (on create and charge) |
 * | 4000000000009995    | Visa            | tok_chargeDeclinedInsufficientFunds, pm_card_…   | declined: card_declined / insufficient_funds |
 * | 4000000000000069    | Visa            | tok_chargeDeclinedExpiredCard, pm_card_…         | declined: expired_card / expired_card  |
 * | 4000000000000119    | Visa            | tok_chargeDeclinedProcessingError, pm_card_…     | declined: processing_error / processing_error |
 * | 4000000000000341    | Visa            | tok_chargeCustomerFail, pm_card_chargeCustomerFail | attaches fine, every charge declined (card_declined / generic_decline) |
 *
 * Any other Luhn-valid number of a supported brand succeeds.
 */

export interface TestDecline {
  /** Stripe error `code`. */
  code: string;
  /** Stripe `decline_code`. */
  declineCode: string;
  /** Stripe's message, word for word. */
  message: string;
}

export const testDeclines = {
  generic: { code: 'card_declined', declineCode: 'generic_decline', message: 'Your card was declined.' },
  insufficientFunds: {
    code: 'card_declined',
    declineCode: 'insufficient_funds',
    message: 'Your card has insufficient funds.',
  },
  expiredCard: { code: 'expired_card', declineCode: 'expired_card', message: 'Your card has expired.' },
  processingError: {
    code: 'processing_error',
    declineCode: 'processing_error',
    message: 'An error occurred while processing your card. Try again in a little bit.',
  },
} as const satisfies Record<string, TestDecline>;

export type TestCardBehaviour =
  /** Attaches and charges. */
  | { outcome: 'success' }
  /** Declined when attached to a customer (Stripe verifies on attach) and on charge. */
  | { outcome: 'declined'; decline: TestDecline }
  /** Attaches fine; every charge is declined. */
  | { outcome: 'charge_declined'; decline: TestDecline };

export interface TestCard {
  number: string;
  brand: CardType;
  description: string;
  behaviour: TestCardBehaviour;
  /** Magic token names (Stripe `tok_…` for sources, `pm_card_…` for PaymentMethods). */
  tokens: readonly string[];
}

const success: TestCardBehaviour = { outcome: 'success' };

export const testCards: readonly TestCard[] = [
  {
    number: '4242424242424242',
    brand: 'Visa',
    description: 'Visa, succeeds',
    behaviour: success,
    tokens: ['tok_visa', 'pm_card_visa'],
  },
  {
    number: '5555555555554444',
    brand: 'MasterCard',
    description: 'Mastercard, succeeds',
    behaviour: success,
    tokens: ['tok_mastercard', 'pm_card_mastercard'],
  },
  {
    number: '2223003122003222',
    brand: 'MasterCard',
    description: 'Mastercard 2-series, succeeds',
    behaviour: success,
    tokens: [],
  },
  {
    number: '378282246310005',
    brand: 'AmericanExpress',
    description: 'American Express, succeeds',
    behaviour: success,
    tokens: ['tok_amex', 'pm_card_amex'],
  },
  {
    number: '6011111111111117',
    brand: 'Discover',
    description: 'Discover, succeeds',
    behaviour: success,
    tokens: ['tok_discover', 'pm_card_discover'],
  },
  {
    number: '3056930009020004',
    brand: 'DinersClub',
    description: 'Diners Club, succeeds',
    behaviour: success,
    tokens: ['tok_diners', 'pm_card_diners'],
  },
  {
    number: '3566002020360505',
    brand: 'JCB',
    description: 'JCB, succeeds',
    behaviour: success,
    tokens: ['tok_jcb', 'pm_card_jcb'],
  },
  {
    number: '6200000000000005',
    brand: 'UnionPay',
    description: 'UnionPay, succeeds',
    behaviour: success,
    tokens: ['tok_unionpay', 'pm_card_unionpay'],
  },
  {
    number: '4000000000000002',
    brand: 'Visa',
    description: 'generic decline',
    behaviour: { outcome: 'declined', decline: testDeclines.generic },
    tokens: ['tok_chargeDeclined', 'pm_card_chargeDeclined'],
  },
  {
    number: '4000000000009995',
    brand: 'Visa',
    description: 'insufficient funds decline',
    behaviour: { outcome: 'declined', decline: testDeclines.insufficientFunds },
    tokens: ['tok_chargeDeclinedInsufficientFunds', 'pm_card_chargeDeclinedInsufficientFunds'],
  },
  {
    number: '4000000000000069',
    brand: 'Visa',
    description: 'expired card decline',
    behaviour: { outcome: 'declined', decline: testDeclines.expiredCard },
    tokens: ['tok_chargeDeclinedExpiredCard', 'pm_card_chargeDeclinedExpiredCard'],
  },
  {
    number: '4000000000000119',
    brand: 'Visa',
    description: 'processing error decline',
    behaviour: { outcome: 'declined', decline: testDeclines.processingError },
    tokens: ['tok_chargeDeclinedProcessingError', 'pm_card_chargeDeclinedProcessingError'],
  },
  {
    number: '4000000000000341',
    brand: 'Visa',
    description: 'attaches, but charges are declined',
    behaviour: { outcome: 'charge_declined', decline: testDeclines.generic },
    tokens: ['tok_chargeCustomerFail', 'pm_card_chargeCustomerFail'],
  },
];

/** Named numbers for tests. */
export const testCardNumbers = {
  visa: '4242424242424242',
  mastercard: '5555555555554444',
  mastercard2Series: '2223003122003222',
  amex: '378282246310005',
  discover: '6011111111111117',
  diners: '3056930009020004',
  jcb: '3566002020360505',
  unionpay: '6200000000000005',
  declined: '4000000000000002',
  insufficientFunds: '4000000000009995',
  expired: '4000000000000069',
  processingError: '4000000000000119',
  chargeCustomerFail: '4000000000000341',
} as const;

/** Named magic tokens for tests. */
export const testTokens = {
  visa: 'tok_visa',
  mastercard: 'tok_mastercard',
  amex: 'tok_amex',
  discover: 'tok_discover',
  diners: 'tok_diners',
  jcb: 'tok_jcb',
  unionpay: 'tok_unionpay',
  chargeDeclined: 'tok_chargeDeclined',
  chargeDeclinedInsufficientFunds: 'tok_chargeDeclinedInsufficientFunds',
  chargeDeclinedExpiredCard: 'tok_chargeDeclinedExpiredCard',
  chargeDeclinedProcessingError: 'tok_chargeDeclinedProcessingError',
  chargeCustomerFail: 'tok_chargeCustomerFail',
} as const;

const byNumber = new Map(testCards.map((c) => [c.number, c]));
const byToken = new Map(testCards.flatMap((c) => c.tokens.map((t) => [t, c] as const)));

/** The table entry for a card number (digits only), if any. */
export const testCardByNumber = (digits: string): TestCard | undefined => byNumber.get(digits);

/** The table entry for a magic token (`tok_visa`, `pm_card_visa`, …), if any. */
export const testCardByToken = (token: string): TestCard | undefined => byToken.get(token);
