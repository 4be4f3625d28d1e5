import { factsFromNumber, newCardRecord } from './cards.js';
import { emptyBilling, newPaymentMethod, saveCard } from './handlers/common.js';
import { DEMO_SEED, nowSeconds, SeededIds, validSeed } from './ids.js';
import type { RequestContext } from './router.js';
import type { CustomerRecord, Store } from './store.js';
import { BRAND_NAMES } from './test-cards.js';
import type { SeededCustomer, SeedOptions } from './types.js';

/**
 * Demo data for the CLI, benchmarks and manual poking: customers with cards of every
 * brand and one PaymentMethod each, written straight into the store (no HTTP). Ids come
 * from the seed (`SeededIds`), so the same seed gives the same customers, cards and ids at
 * every start; objects created later through the API get random ids that never collide
 * with them. With `connectCustomers`, a Stripe Connect account (its id also from the seed)
 * gets customers and cards of its own, visible only with its `Stripe-Account` header.
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

/** Customers the demo seed (`--seed demo` or a number) gives its Connect account. */
export const DEMO_CONNECT_CUSTOMERS = 2;

/** The Connect account the seed makes: the same id for the same seed. */
export function demoConnectAccount(seed: number = DEMO_SEED): string {
  return new SeededIds(seed, 'connect').accountId('1');
}

/**
 * `--seed demo|none|<number>` → the seed number, or null for none. 'demo' stands for
 * `DEMO_SEED`; anything else is a TypeError.
 */
export function parseSeed(value: string | number): number | null {
  if (value === 'none') return null;
  if (value === 'demo') return DEMO_SEED;
  if (typeof value === 'number') return validSeed(value);
  if (!/^\d{1,15}$/.test(value)) throw new TypeError("seed must be 'demo', 'none' or an integer ≥ 0");
  return validSeed(Number(value));
}

function count(value: number | undefined, fallback: number, max: number, name: string): number {
  const n = value ?? fallback;
  if (!Number.isInteger(n) || n < 0 || n > max)
    throw new TypeError(`${name} must be an integer from 0 to ${max}`);
  return n;
}

export function seedDemo(store: Store, opts: SeedOptions = {}): SeededCustomer[] {
  const seed = validSeed(opts.seed ?? DEMO_SEED);
  const customers = count(opts.customers, 3, MAX_CUSTOMERS, 'customers');
  const cardsPerCustomer = count(opts.cardsPerCustomer, 2, MAX_CARDS, 'cardsPerCustomer');
  const connectCustomers = count(opts.connectCustomers, 0, MAX_CUSTOMERS, 'connectCustomers');
  const account = opts.stripeAccount ?? null;
  if (account !== null && !/^acct_[A-Za-z0-9_]+$/.test(account)) {
    throw new TypeError('stripeAccount must look like acct_…');
  }
  const seeded = seedAccount(store, seed, account, customers, cardsPerCustomer);
  if (connectCustomers > 0) {
    seeded.push(...seedAccount(store, seed, demoConnectAccount(seed), connectCustomers, cardsPerCustomer));
  }
  return seeded;
}

function seedAccount(
  store: Store,
  seed: number,
  account: string | null,
  customers: number,
  cardsPerCustomer: number,
): SeededCustomer[] {
  const space = store.space(account);
  const ids = new SeededIds(seed, account ?? 'platform');
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
  const emailPrefix = account === null ? 'demo' : 'connect';
  const metadata = (n: number) => ({ seed: String(seed), demo_index: String(n) });
  let cardNo = 0;

  for (let i = 0; i < customers; i++) {
    // Labels count per account, so seeding again continues (new ids) rather than repeats.
    const n = space.customers.size + 1;
    const [first, last, city, state, country, zip] = PEOPLE[(n - 1) % PEOPLE.length] ?? PEOPLE[0];
    const name = `${first} ${last}`;
    const customer: CustomerRecord = {
      id: store.reserveSeeded(ids.id('cus', String(n))),
      seq: store.nextSeq(),
      created: nowSeconds(),
      email: `${emailPrefix}${n}@example.com`,
      name,
      description: 'Seeded demo customer',
      phone: null,
      address: { city, country, line1: `${n} Demo Street`, line2: null, postal_code: zip, state },
      metadata: metadata(n),
      default_source: null,
      default_payment_method: null,
      invoice_prefix: ids.base62(8, `invoice_prefix/${n}`).toUpperCase(),
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
      const card = newCardRecord(
        store,
        facts,
        {
          name,
          address_city: city,
          address_country: country,
          address_line1: `${n} Demo Street`,
          address_line2: null,
          address_state: state,
          address_zip: zip,
        },
        { id: store.reserveSeeded(ids.id('card', `${n}/${c + 1}`)) },
      );
      const saved = saveCard(ctx, customer, { card, consume() {} }, metadata(n));
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
      metadata(n),
      store.reserveSeeded(ids.id('pm', `${n}/1`)),
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
