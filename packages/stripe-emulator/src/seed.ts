import { factsFromNumber, newCardRecord } from './cards.js';
import { emptyBilling, newPaymentMethod, saveCard } from './handlers/common.js';
import { newId, nowSeconds, randomBase62 } from './ids.js';
import type { RequestContext } from './router.js';
import type { CustomerRecord, Store } from './store.js';
import { BRAND_NAMES } from './test-cards.js';
import type { SeededCustomer, SeedOptions } from './types.js';

/**
 * Demo data for the CLI, benchmarks and manual poking: customers with cards of every
 * brand and one PaymentMethod each, written straight into the store (no HTTP).
 */

const SUCCESS_NUMBERS = [
  '4242424242424242',
  '5555555555554444',
  '378282246310005',
  '6011111111111117',
  '3056930009020004',
  '3566002020360505',
  '6200000000000005',
  '2223003122003222',
  '4000056655665556',
];

const PEOPLE = [
  ['Jenny', 'Rosen', 'Kanata', 'ON', 'CA', 'K2K 2A1'],
  ['John', 'Doe', 'San Francisco', 'CA', 'US', '94102'],
  ['Amélie', 'Poulain', 'Paris', null, 'FR', '75018'],
  ['Kenji', 'Sato', 'Tokyo', null, 'JP', '100-0001'],
  ['Ada', 'Lovelace', 'London', null, 'GB', 'SW1A 1AA'],
] as const;

const MAX_CUSTOMERS = 100_000;
const MAX_CARDS = 100;

function count(value: number | undefined, fallback: number, max: number, name: string): number {
  const n = value ?? fallback;
  if (!Number.isInteger(n) || n < 0 || n > max)
    throw new TypeError(`${name} must be an integer from 0 to ${max}`);
  return n;
}

export function seedDemo(store: Store, opts: SeedOptions = {}): SeededCustomer[] {
  const customers = count(opts.customers, 3, MAX_CUSTOMERS, 'customers');
  const cardsPerCustomer = count(opts.cardsPerCustomer, 2, MAX_CARDS, 'cardsPerCustomer');
  const account = opts.stripeAccount ?? null;
  if (account !== null && !/^acct_[A-Za-z0-9_]+$/.test(account)) {
    throw new TypeError('stripeAccount must look like acct_…');
  }
  const space = store.space(account);
  const ctx: RequestContext = {
    method: 'POST',
    path: '/_emulator/seed',
    params: {},
    pathParams: {},
    store,
    space,
  };
  const year = new Date().getUTCFullYear();
  const seeded: SeededCustomer[] = [];
  let cardNo = 0;

  for (let i = 0; i < customers; i++) {
    const n = space.customers.size + 1;
    const [first, last, city, state, country, zip] = PEOPLE[(n - 1) % PEOPLE.length] ?? PEOPLE[0];
    const name = `${first} ${last}`;
    const customer: CustomerRecord = {
      id: newId('cus'),
      seq: store.nextSeq(),
      created: nowSeconds(),
      email: `demo${n}@example.com`,
      name,
      description: 'Seeded demo customer',
      phone: null,
      address: { city, country, line1: `${n} Demo Street`, line2: null, postal_code: zip, state },
      metadata: { seed: 'demo', demo_index: String(n) },
      default_source: null,
      default_payment_method: null,
      invoice_prefix: randomBase62(8).toUpperCase(),
      cardIds: [],
      deleted: false,
    };
    space.customers.set(customer.id, customer);
    const out: SeededCustomer = {
      id: customer.id,
      email: customer.email,
      stripeAccount: account,
      cards: [],
      paymentMethods: [],
    };

    for (let c = 0; c < cardsPerCustomer; c++, cardNo++) {
      const number = SUCCESS_NUMBERS[cardNo % SUCCESS_NUMBERS.length] ?? '4242424242424242';
      const expiry = { exp_month: (cardNo % 12) + 1, exp_year: year + 2 + (cardNo % 5) };
      const facts = factsFromNumber(number, expiry, true, space);
      const card = newCardRecord(store, facts, {
        name,
        address_city: city,
        address_country: country,
        address_line1: `${n} Demo Street`,
        address_line2: null,
        address_state: state,
        address_zip: zip,
      });
      const saved = saveCard(ctx, customer, { card, consume() {} }, { seed: 'demo' });
      out.cards.push({
        id: saved.id,
        brand: BRAND_NAMES[facts.brand],
        last4: facts.last4,
        exp_month: facts.exp_month,
        exp_year: facts.exp_year,
      });
    }

    const pmNumber = SUCCESS_NUMBERS[(i + 1) % SUCCESS_NUMBERS.length] ?? '4242424242424242';
    const pmFacts = factsFromNumber(pmNumber, { exp_month: 12, exp_year: year + 3 }, true, space);
    const pm = newPaymentMethod(
      ctx,
      pmFacts,
      {
        ...emptyBilling(),
        name,
        email: customer.email,
        address: { ...emptyBilling().address, country, postal_code: zip },
      },
      { seed: 'demo' },
    );
    pm.customer = customer.id;
    customer.default_payment_method = pm.id;
    out.paymentMethods.push({ id: pm.id, brand: pmFacts.brand, last4: pmFacts.last4 });
    seeded.push(out);
  }
  return seeded;
}

/** A plain-text table of what `seedDemo` made; the first card of each customer is its default. */
export function formatSeedTable(seeded: readonly SeededCustomer[]): string {
  const header = [
    'customer',
    'email',
    'account',
    'card / payment method',
    'brand',
    'last4',
    'exp',
    'default',
  ];
  const rows: string[][] = [];
  for (const customer of seeded) {
    const lead = [customer.id, customer.email ?? '', customer.stripeAccount ?? '(platform)'];
    const blank = lead.map(() => '');
    let first = true;
    customer.cards.forEach((card, index) => {
      const exp = `${String(card.exp_month).padStart(2, '0')}/${card.exp_year}`;
      rows.push([
        ...(first ? lead : blank),
        card.id,
        card.brand,
        card.last4,
        exp,
        index === 0 ? 'source' : '',
      ]);
      first = false;
    });
    for (const pm of customer.paymentMethods) {
      rows.push([...(first ? lead : blank), pm.id, pm.brand, pm.last4, '', 'invoice']);
      first = false;
    }
    if (first) rows.push([...lead, '(no cards)', '', '', '', '']);
  }
  const widths = header.map((h, col) => Math.max(h.length, ...rows.map((r) => (r[col] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, col) => cell.padEnd(widths[col] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}
