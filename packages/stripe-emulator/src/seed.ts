import { factsFromNumber } from './cards.js';
import { DEMO_SEED, SeededIds, validSeed } from './ids.js';
import type {
  AccountSpace,
  Address,
  CardFacts,
  CardRecord,
  CustomerRecord,
  Metadata,
  PaymentMethodRecord,
  Store,
} from './store.js';
import { BRAND_NAMES } from './test-cards.js';
import type { SeededCustomer, SeedOptions } from './types.js';

/**
 * Demo data for the CLI, benchmarks and manual poking: customers with cards of every brand
 * and PaymentMethods, written straight into the store (no HTTP). Everything derives from
 * the seed: ids (`SeededIds`), `created` timestamps spread over a fixed range, expiry dates
 * (relative to the current month, some within 60 days), which customers default to a
 * PaymentMethod. So the same seed gives the same data and ids at every start; objects
 * created later through the API get random ids that never collide with them. Connect
 * accounts (their ids also from the seed) get customers and cards of their own, visible
 * only with their `Stripe-Account` header.
 *
 * Built for large accounts (100k customers): records are written directly, card facts
 * (fingerprint included) are computed once per number and expiry and shared, and
 * nothing is copied on the way.
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

interface Person {
  name: string;
  city: string;
  state: string | null;
  country: string;
  zip: string;
  /** A PaymentMethod's billing address (country and postal code, as Stripe.js collects them); shared, never mutated. */
  billingAddress: Address;
}

const PEOPLE: readonly Person[] = (
  [
    ['Jenny', 'Rosen', 'Kanata', 'ON', 'CA', 'K2K 2A1'],
    ['John', 'Doe', 'San Francisco', 'CA', 'US', '94102'],
    ['Amélie', 'Poulain', 'Paris', null, 'FR', '75018'],
    ['Kenji', 'Sato', 'Tokyo', null, 'JP', '100-0001'],
    ['Ada', 'Lovelace', 'London', null, 'GB', 'SW1A 1AA'],
  ] as const
).map(([first, last, city, state, country, zip]) => ({
  name: `${first} ${last}`,
  city,
  state,
  country,
  zip,
  billingAddress: { city: null, country, line1: null, line2: null, postal_code: zip, state: null },
}));

const MAX_CUSTOMERS = 1_000_000;
const MAX_PER_CUSTOMER = 100;
const MAX_CONNECT_ACCOUNTS = 1000;
const DAY = 86_400;

/** Default range of seeded customers' `created`: 2021-01-01T00:00:00Z … 2026-01-01T00:00:00Z. */
export const DEFAULT_CREATED_FROM = 1_609_459_200;
export const DEFAULT_CREATED_TO = 1_767_225_600;

/** Customers the demo seed (`--seed demo` or a number) gives its Connect account. */
export const DEMO_CONNECT_CUSTOMERS = 2;

/** Connect account `index` (1, 2, …) the seed makes: the same id for the same seed. */
export function demoConnectAccount(seed: number = DEMO_SEED, index = 1): string {
  if (!Number.isInteger(index) || index < 1) throw new TypeError('index must be an integer ≥ 1');
  return new SeededIds(seed, 'connect').accountId(String(index));
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

function share(value: number | undefined, fallback: number, name: string): number {
  const n = value ?? fallback;
  if (typeof n !== 'number' || !(n >= 0 && n <= 1))
    throw new TypeError(`${name} must be a number from 0 to 1`);
  return n;
}

function timestamp(value: number | undefined, fallback: number, name: string): number {
  const n = value ?? fallback;
  if (!Number.isSafeInteger(n) || n < 0) throw new TypeError(`${name} must be unix seconds (an integer ≥ 0)`);
  return n;
}

/** What every seeded account of one `seedDemo` call shares. */
interface Plan {
  seed: number;
  cardsPerCustomer: number;
  paymentMethodsPerCustomer: number;
  defaultPaymentMethodShare: number;
  expiringSoonShare: number;
  createdFrom: number;
  createdTo: number;
}

export function seedDemo(store: Store, opts: SeedOptions = {}): SeededCustomer[] {
  const seed = validSeed(opts.seed ?? DEMO_SEED);
  const customers = count(opts.customers, 3, MAX_CUSTOMERS, 'customers');
  const connectAccounts = count(
    opts.connectAccounts,
    (opts.connectCustomers ?? 0) > 0 ? 1 : 0,
    MAX_CONNECT_ACCOUNTS,
    'connectAccounts',
  );
  const connectCustomers = count(
    opts.connectCustomers,
    opts.connectAccounts !== undefined ? DEMO_CONNECT_CUSTOMERS : 0,
    MAX_CUSTOMERS,
    'connectCustomers',
  );
  if (connectCustomers > 0 && connectAccounts === 0) {
    throw new TypeError('connectCustomers needs connectAccounts ≥ 1');
  }
  const plan: Plan = {
    seed,
    cardsPerCustomer: count(opts.cardsPerCustomer, 2, MAX_PER_CUSTOMER, 'cardsPerCustomer'),
    paymentMethodsPerCustomer: count(
      opts.paymentMethodsPerCustomer,
      1,
      MAX_PER_CUSTOMER,
      'paymentMethodsPerCustomer',
    ),
    defaultPaymentMethodShare: share(opts.defaultPaymentMethodShare, 1, 'defaultPaymentMethodShare'),
    expiringSoonShare: share(opts.expiringSoonShare, 0.1, 'expiringSoonShare'),
    createdFrom: timestamp(opts.createdFrom, DEFAULT_CREATED_FROM, 'createdFrom'),
    createdTo: timestamp(opts.createdTo, DEFAULT_CREATED_TO, 'createdTo'),
  };
  if (plan.createdTo <= plan.createdFrom) throw new TypeError('createdTo must be after createdFrom');
  const account = opts.stripeAccount ?? null;
  if (account !== null && !/^acct_[A-Za-z0-9_]+$/.test(account)) {
    throw new TypeError('stripeAccount must look like acct_…');
  }
  // A named account seen first here opens before the customers seeded into it, as at Stripe.
  if (account !== null) store.connectAccount(account, { created: Math.max(0, plan.createdFrom - 30 * DAY) });
  const seeded = seedAccount(store, plan, account, customers);
  for (let k = 1; k <= connectAccounts; k++) {
    const id = connectSeededAccount(store, plan, k);
    const more = seedAccount(store, plan, id, connectCustomers);
    for (const customer of more) seeded.push(customer);
  }
  return seeded;
}

/** Registers Connect account `k` of the seed, created (deterministically) before its customers. */
function connectSeededAccount(store: Store, plan: Plan, k: number): string {
  const id = demoConnectAccount(plan.seed, k);
  const ids = new SeededIds(plan.seed, 'connect');
  store.connectAccount(id, {
    created: Math.max(
      0,
      plan.createdFrom - 30 * DAY + (k - 1) * 3600 + Math.floor(ids.unit(`created/${k}`) * 3600),
    ),
    email: `connect-account${k}@example.com`,
    businessName: `Demo Connect ${k}`,
    metadata: { seed: String(plan.seed), demo_index: String(k) },
  });
  return id;
}

/** `ahead` months after the month `monthIndex` (year * 12 + 0-based month), and when that month ends (ms). */
function monthAhead(
  monthIndex: number,
  ahead: number,
): { exp_month: number; exp_year: number; endsAt: number } {
  const index = monthIndex + ahead;
  const year = Math.floor(index / 12);
  const month = index % 12; // 0-based
  return { exp_month: month + 1, exp_year: year, endsAt: Date.UTC(year, month + 1, 1) - 1 };
}

/**
 * Expiry dates, deterministic per label for a given current month: a share expires this
 * month or (when it ends within 60 days) next month, the rest 2 to 73 months ahead.
 */
function expiryPicker(ids: SeededIds, expiringSoonShare: number) {
  const now = new Date();
  const thisMonth = now.getUTCFullYear() * 12 + now.getUTCMonth();
  const nextMonthIsSoon = monthAhead(thisMonth, 1).endsAt <= now.getTime() + 60 * DAY * 1000;
  return (label: string): { exp_month: number; exp_year: number } => {
    const u = ids.unit(`exp/${label}`);
    if (u < expiringSoonShare) {
      const ahead = nextMonthIsSoon && ids.unit(`exp-soon/${label}`) < 0.5 ? 1 : 0;
      return monthAhead(thisMonth, ahead);
    }
    return monthAhead(thisMonth, 2 + Math.floor(ids.unit(`exp-later/${label}`) * 72));
  };
}

function seedAccount(store: Store, plan: Plan, account: string | null, customers: number): SeededCustomer[] {
  const space = store.space(account);
  const ids = new SeededIds(plan.seed, account ?? 'platform');
  const expiry = expiryPicker(ids, plan.expiringSoonShare);
  const facts = factsCache(space);
  const seeded: SeededCustomer[] = [];
  const emailPrefix = account === null ? 'demo' : 'connect';
  const span = plan.createdTo - plan.createdFrom;
  // Labels count per account, so seeding again continues (new ids) rather than repeats.
  const first = space.customers.size;
  const batch: CustomerRecord[] = new Array(customers);
  let cardNo = 0;

  for (let i = 0; i < customers; i++) {
    const n = first + i + 1;
    const person = PEOPLE[(n - 1) % PEOPLE.length] as Person;
    const metadata: Metadata = { seed: String(plan.seed), demo_index: String(n) };
    const line1 = `${n} Demo Street`;
    const id = store.reserveSeeded(space.customers, ids.id('cus', String(n)));
    // Evenly spread with jitter inside each slot, so `created` never decreases with n.
    const created = plan.createdFrom + Math.floor(((i + ids.unit(`created/${n}`)) * span) / customers);
    const customer: CustomerRecord = {
      id,
      seq: store.nextSeq(),
      created,
      email: `${emailPrefix}${n}@example.com`,
      name: person.name,
      description: 'Seeded demo customer',
      phone: null,
      address: {
        city: person.city,
        country: person.country,
        line1,
        line2: null,
        postal_code: person.zip,
        state: person.state,
      },
      metadata,
      default_source: null,
      default_payment_method: null,
      invoice_prefix: ids.base62(8, `invoice_prefix/${n}`).toUpperCase(),
      // Sized up front: an array grown by push reserves room for 17.
      cardIds: new Array<string>(plan.cardsPerCustomer),
      deleted: false,
    };
    batch[i] = customer;
    const out: SeededCustomer = {
      id,
      email: customer.email,
      stripeAccount: account,
      cards: new Array(plan.cardsPerCustomer),
      paymentMethods: new Array(plan.paymentMethodsPerCustomer),
      defaultPaymentMethod: null,
    };

    for (let c = 0; c < plan.cardsPerCustomer; c++, cardNo++) {
      const label = `${n}/${c + 1}`;
      const cardFacts = facts(cardNo % SUCCESS_NUMBERS.length, expiry(`card/${label}`));
      const card: CardRecord = {
        id: store.reserveSeeded(space.cards, ids.id('card', label)),
        seq: store.nextSeq(),
        created: created + c + 1,
        customer: id,
        facts: cardFacts,
        name: person.name,
        address_city: person.city,
        address_country: person.country,
        address_line1: line1,
        address_line2: null,
        address_state: person.state,
        address_zip: person.zip,
        metadata,
      };
      space.cards.set(card.id, card);
      customer.cardIds[c] = card.id;
      customer.default_source ??= card.id;
      out.cards[c] = {
        id: card.id,
        brand: BRAND_NAMES[cardFacts.brand],
        last4: cardFacts.last4,
        exp_month: cardFacts.exp_month,
        exp_year: cardFacts.exp_year,
      };
    }

    for (let p = 0; p < plan.paymentMethodsPerCustomer; p++) {
      const label = `${n}/${p + 1}`;
      const pmFacts = facts((i + 1 + p) % SUCCESS_NUMBERS.length, expiry(`pm/${label}`));
      const pm: PaymentMethodRecord = {
        id: store.reserveSeeded(space.paymentMethods, ids.id('pm', label)),
        seq: store.nextSeq(),
        created: created + plan.cardsPerCustomer + p + 1,
        customer: null,
        facts: pmFacts,
        billing_details: {
          address: person.billingAddress,
          email: customer.email,
          name: person.name,
          phone: null,
        },
        metadata,
      };
      space.paymentMethods.set(pm.id, pm);
      space.setPaymentMethodCustomer(pm, id);
      out.paymentMethods[p] = {
        id: pm.id,
        brand: pmFacts.brand,
        last4: pmFacts.last4,
        exp_month: pmFacts.exp_month,
        exp_year: pmFacts.exp_year,
      };
    }
    const firstPm = out.paymentMethods[0];
    if (firstPm && ids.unit(`default_pm/${n}`) < plan.defaultPaymentMethodShare) {
      customer.default_payment_method = firstPm.id;
      out.defaultPaymentMethod = firstPm.id;
    }
    seeded.push(out);
  }
  space.addCustomers(batch);
  return seeded;
}

/** Card facts per (test number, expiry) of one account, computed once (the fingerprint is an HMAC) and shared. */
function factsCache(space: AccountSpace) {
  const cache = new Map<string, CardFacts>();
  return (numberIndex: number, exp: { exp_month: number; exp_year: number }): CardFacts => {
    const key = `${numberIndex}/${exp.exp_month}/${exp.exp_year}`;
    let facts = cache.get(key);
    if (!facts) {
      const number = SUCCESS_NUMBERS[numberIndex] as string;
      facts = factsFromNumber(number, { exp_month: exp.exp_month, exp_year: exp.exp_year }, true, space);
      cache.set(key, facts);
    }
    return facts;
  };
}

/**
 * A plain-text table of what `seedDemo` made; the first card of each customer is its
 * default source. With `maxCustomers`, only the first ones and a line saying how many more.
 */
export function formatSeedTable(
  seeded: readonly SeededCustomer[],
  options: { maxCustomers?: number } = {},
): string {
  const max = options.maxCustomers ?? Number.POSITIVE_INFINITY;
  if (seeded.length > max) {
    const more = seeded.length - max;
    return `${formatSeedTable(seeded.slice(0, max))}\n… and ${more} more customer${more === 1 ? '' : 's'}`;
  }
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
    const exp = (m: number, y: number) => `${String(m).padStart(2, '0')}/${y}`;
    customer.cards.forEach((card, index) => {
      rows.push([
        ...(first ? lead : blank),
        card.id,
        card.brand,
        card.last4,
        exp(card.exp_month, card.exp_year),
        index === 0 ? 'source' : '',
      ]);
      first = false;
    });
    for (const pm of customer.paymentMethods) {
      const isDefault = pm.id === customer.defaultPaymentMethod;
      rows.push([
        ...(first ? lead : blank),
        pm.id,
        pm.brand,
        pm.last4,
        exp(pm.exp_month, pm.exp_year),
        isDefault ? 'invoice' : '',
      ]);
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
