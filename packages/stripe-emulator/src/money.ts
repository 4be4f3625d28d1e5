import { echo, invalidRequest, missingParam } from './errors.js';
import { type FormObject, int, str } from './form.js';

/** Currencies Stripe accepts for card payments (presentment), lowercase ISO 4217. */
const CURRENCIES = new Set(
  (
    'usd aed afn all amd ang aoa ars aud awg azn bam bbd bdt bgn bif bmd bnd bob brl bsd bwp byn bzd cad cdf chf ' +
    'clp cny cop crc cve czk djf dkk dop dzd egp etb eur fjd fkp gbp gel gip gmd gnf gtq gyd hkd hnl htg huf ' +
    'idr ils inr isk jmd jpy kes kgs khr kmf krw kyd kzt lak lbp lkr lrd lsl mad mdl mga mkd mmk mnt mop mur ' +
    'mvr mwk mxn myr mzn nad ngn nio nok npr nzd pab pen pgk php pkr pln pyg qar ron rsd rub rwf sar sbd scr ' +
    'sek sgd shp sle sos srd std szl thb tjs top try ttd twd tzs uah ugx uyu uzs vnd vuv wst xaf xcd xof xpf ' +
    'yer zar zmw'
  ).split(' '),
);

const ZERO_DECIMAL = new Set('bif clp djf gnf jpy kmf krw mga pyg rwf ugx vnd vuv xaf xof xpf'.split(' '));

/** Stripe's minimum charge per currency (minor units) and how its message writes it. */
const MINIMUMS: Record<string, { amount: number; symbol: string }> = {
  usd: { amount: 50, symbol: '$' },
  aud: { amount: 50, symbol: '$' },
  cad: { amount: 50, symbol: '$' },
  eur: { amount: 50, symbol: '€' },
  gbp: { amount: 30, symbol: '£' },
  chf: { amount: 50, symbol: 'CHF ' },
  jpy: { amount: 50, symbol: '¥' },
};

const MAX_AMOUNT = 99_999_999;

export function parseCurrency(params: FormObject): string {
  const raw = str(params, 'currency');
  if (!raw) throw missingParam('currency');
  const currency = raw.toLowerCase();
  if (!CURRENCIES.has(currency)) {
    throw invalidRequest(
      `Invalid currency: ${echo(currency)}. Stripe currently supports these currencies: ${[...CURRENCIES].join(', ')}`,
      'currency',
    );
  }
  return currency;
}

function format(amount: number, currency: string, symbol: string): string {
  const major = ZERO_DECIMAL.has(currency) ? String(amount) : (amount / 100).toFixed(2);
  return `${symbol}${major.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}`;
}

/** An amount as Stripe's messages write it, e.g. `$12.34` (no symbol for other currencies). */
export function formatAmount(amount: number, currency: string): string {
  return format(amount, currency, MINIMUMS[currency]?.symbol ?? '');
}

export function parseAmount(params: FormObject, currency: string): number {
  const amount = int(params, 'amount');
  if (amount === undefined) throw missingParam('amount');
  const min = MINIMUMS[currency] ?? { amount: 50, symbol: '' };
  if (amount < min.amount) {
    throw invalidRequest(
      `Amount must be at least ${format(min.amount, currency, min.symbol)} ${currency}`,
      'amount',
      'amount_too_small',
    );
  }
  if (amount > MAX_AMOUNT) {
    throw invalidRequest(
      `Amount must be no more than ${format(MAX_AMOUNT, currency, min.symbol)} ${currency}`,
      'amount',
      'amount_too_large',
    );
  }
  return amount;
}
