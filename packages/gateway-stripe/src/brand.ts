import type { CardType } from '@cardbridge/core';

/**
 * Stripe card brands. The Card/Source object uses display names ('Visa', 'MasterCard',
 * 'American Express', 'Diners Club', …); PaymentMethod `card.brand` uses lowercase ids
 * ('visa', 'mastercard', 'amex', 'diners', …). Both map to ours; lookup ignores case,
 * spaces, dashes and underscores. 'Unknown', 'Eftpos Australia'/'eftpos_au',
 * 'cartes_bancaires', 'interac', 'link' → null.
 */
const fromStripeBrand: Readonly<Record<string, CardType>> = {
  visa: 'Visa',
  mastercard: 'MasterCard',
  americanexpress: 'AmericanExpress',
  amex: 'AmericanExpress',
  discover: 'Discover',
  dinersclub: 'DinersClub',
  diners: 'DinersClub',
  jcb: 'JCB',
  unionpay: 'UnionPay',
  maestro: 'Maestro',
};

export function cardTypeFromStripeBrand(brand: string): CardType | null {
  if (typeof brand !== 'string') return null;
  const key = brand.toLowerCase().replace(/[\s_-]/g, '');
  return Object.hasOwn(fromStripeBrand, key) ? (fromStripeBrand[key] ?? null) : null;
}

/** Stripe's Card object brand (`card`) and PaymentMethod `card.brand` (`payment_method`) spellings. */
export type StripeBrandForm = 'card' | 'payment_method';

const toStripeCardBrand: Readonly<Record<CardType, string>> = {
  Visa: 'Visa',
  MasterCard: 'MasterCard',
  AmericanExpress: 'American Express',
  Discover: 'Discover',
  DinersClub: 'Diners Club',
  JCB: 'JCB',
  UnionPay: 'UnionPay',
  // Stripe has no Maestro brand: Maestro is a Mastercard product and Stripe reports it as MasterCard.
  Maestro: 'MasterCard',
};

const toStripePaymentMethodBrand: Readonly<Record<CardType, string>> = {
  Visa: 'visa',
  MasterCard: 'mastercard',
  AmericanExpress: 'amex',
  Discover: 'discover',
  DinersClub: 'diners',
  JCB: 'jcb',
  UnionPay: 'unionpay',
  Maestro: 'mastercard',
};

/** Our brand in Stripe's spelling; `form` picks the Card object ('Visa', default) or PaymentMethod ('visa') form. */
export function stripeBrandFromCardType(type: CardType, form: StripeBrandForm = 'card'): string {
  return form === 'card' ? toStripeCardBrand[type] : toStripePaymentMethodBrand[type];
}
