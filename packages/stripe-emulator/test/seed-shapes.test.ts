import type Stripe from 'stripe';
import { afterEach, describe, expect, it } from 'vitest';
import {
  DEFAULT_CREATED_FROM,
  DEFAULT_CREATED_TO,
  emulatorControl,
  formatSeedTable,
  type SeededCustomer,
  type StripeEmulator,
  startStripeEmulator,
} from '../src/index.js';
import { sdk } from './helpers.js';

/**
 * Seeding shapes for large accounts: everything derives from the seed (ids, created
 * timestamps, expiries, which customers default to a PaymentMethod), `created` spreads
 * over a range, some cards expire within 60 days, PaymentMethods are attached (not sources).
 */

const open: StripeEmulator[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((e) => e.close()));
});

async function started() {
  const emulator = await startStripeEmulator();
  open.push(emulator);
  return { emulator, stripe: sdk(emulator) };
}

const SHAPE = {
  seed: 77,
  customers: 1500,
  cardsPerCustomer: 2,
  paymentMethodsPerCustomer: 2,
  defaultPaymentMethodShare: 0.4,
  expiringSoonShare: 0.2,
};

/** The last millisecond of the expiry month: a card is good through it. */
const endOfMonth = (m: number, y: number) => Date.UTC(y, m, 1) - 1;
const DAY_MS = 86_400_000;

function expiries(seeded: SeededCustomer[]) {
  return seeded
    .flatMap((c) => [...c.cards, ...c.paymentMethods])
    .map((x) => endOfMonth(x.exp_month, x.exp_year));
}

describe('large-account seeding', () => {
  it('is the same data at every start: ids, created, expiries, defaults', async () => {
    const a = await started();
    const b = await started();
    const seededA = await a.emulator.seedDemo(SHAPE);
    const seededB = await b.emulator.seedDemo(SHAPE);
    expect(seededB).toEqual(seededA);
    const pageA = await a.stripe.customers.list({ limit: 100, expand: ['data.sources'] });
    const pageB = await b.stripe.customers.list({ limit: 100, expand: ['data.sources'] });
    expect(pageB.data).toEqual(pageA.data);
    const id = seededA[1234]?.paymentMethods[1]?.id as string;
    expect(await b.stripe.paymentMethods.retrieve(id)).toEqual(await a.stripe.paymentMethods.retrieve(id));
    expect(a.emulator.stats(null)).toEqual({
      customers: 1500,
      cards: 3000,
      paymentMethods: 3000,
      charges: 0,
      refunds: 0,
    });
  });

  it('spreads created over the range, in seeding order; cards and PaymentMethods follow their customer', async () => {
    const { emulator, stripe } = await started();
    const seeded = await emulator.seedDemo({ ...SHAPE, customers: 400 });
    const customers: Stripe.Customer[] = [];
    for await (const c of stripe.customers.list({ limit: 100 })) customers.push(c);
    const created = customers.map((c) => c.created).reverse(); // oldest first = seeding order
    expect(customers.map((c) => c.id).reverse()).toEqual(seeded.map((c) => c.id));
    expect(created.every((t, i) => i === 0 || t > (created[i - 1] as number))).toBe(true);
    expect(created[0]).toBeGreaterThanOrEqual(DEFAULT_CREATED_FROM);
    expect(created.at(-1)).toBeLessThan(DEFAULT_CREATED_TO);
    // Spread over the whole range, not bunched at one end.
    const quarter = (DEFAULT_CREATED_TO - DEFAULT_CREATED_FROM) / 4;
    expect(created.filter((t) => t < DEFAULT_CREATED_FROM + quarter).length).toBeGreaterThan(80);
    expect(created.filter((t) => t >= DEFAULT_CREATED_TO - quarter).length).toBeGreaterThan(80);

    const first = customers.at(-1) as Stripe.Customer;
    const pms = await stripe.customers.listPaymentMethods(first.id);
    for (const pm of pms.data) expect(pm.created).toBeGreaterThan(first.created);

    const custom = await started();
    await custom.emulator.seedDemo({
      seed: 1,
      customers: 50,
      createdFrom: 1_000_000_000,
      createdTo: 1_000_086_400,
    });
    for await (const c of custom.stripe.customers.list({ limit: 100 })) {
      expect(c.created >= 1_000_000_000 && c.created < 1_000_086_400).toBe(true);
    }
  });

  it('seeding the same account again continues the numbering and interleaves by created', async () => {
    const { emulator, stripe } = await started();
    const first = await emulator.seedDemo({ seed: 6, customers: 150, cardsPerCustomer: 0 });
    const second = await emulator.seedDemo({ seed: 6, customers: 150, cardsPerCustomer: 0 });
    expect(second[0]?.email).toBe('demo151@example.com');
    const listed: Stripe.Customer[] = [];
    for await (const c of stripe.customers.list({ limit: 100 })) listed.push(c);
    expect(listed.map((c) => c.id).sort()).toEqual([...first, ...second].map((c) => c.id).sort());
    const created = listed.map((c) => c.created);
    expect(created).toEqual([...created].sort((a, b) => b - a));
    // Interleaved: the newest customer of the first batch is not below the whole second batch.
    const newestOfFirst = listed.findIndex((c) => c.id === first.at(-1)?.id);
    expect(newestOfFirst).toBeLessThan(10);
  });

  it('a share of cards and PaymentMethods expires within the next 60 days; none has expired', async () => {
    const { emulator } = await started();
    const seeded = await emulator.seedDemo(SHAPE);
    const ends = expiries(seeded);
    const now = Date.now();
    const soon = ends.filter((end) => end <= now + 60 * DAY_MS);
    expect(ends.every((end) => end >= now)).toBe(true);
    expect(soon.length / ends.length).toBeGreaterThan(0.15);
    expect(soon.length / ends.length).toBeLessThan(0.25);
    expect(ends.filter((end) => end > now + 3 * 365 * DAY_MS).length).toBeGreaterThan(ends.length / 4);
    const none = await emulator.seedDemo({ ...SHAPE, customers: 200, expiringSoonShare: 0 });
    expect(expiries(none).filter((end) => end <= now + 60 * DAY_MS)).toEqual([]);
  });

  it('PaymentMethods are attached through the PaymentMethods API; a share of customers defaults to one', async () => {
    const { emulator, stripe } = await started();
    const seeded = await emulator.seedDemo(SHAPE);
    const withDefault = seeded.filter((c) => c.defaultPaymentMethod !== null);
    expect(withDefault.length / seeded.length).toBeGreaterThan(0.35);
    expect(withDefault.length / seeded.length).toBeLessThan(0.45);
    for (const c of withDefault) expect(c.defaultPaymentMethod).toBe(c.paymentMethods[0]?.id);

    const sample = [withDefault[0], seeded.find((c) => c.defaultPaymentMethod === null)] as SeededCustomer[];
    for (const seededCustomer of sample) {
      const customer = (await stripe.customers.retrieve(seededCustomer.id)) as Stripe.Customer;
      expect(customer.invoice_settings.default_payment_method).toBe(seededCustomer.defaultPaymentMethod);
      expect(customer.default_source).toBe(seededCustomer.cards[0]?.id);
      for (const { id } of seededCustomer.paymentMethods) {
        const pm = await stripe.paymentMethods.retrieve(id);
        expect(pm).toMatchObject({ object: 'payment_method', type: 'card', customer: customer.id });
      }
      const sources = await stripe.customers.listSources(customer.id, { object: 'card' });
      expect(sources.data.map((s) => s.id).sort()).toEqual(seededCustomer.cards.map((c) => c.id).sort());
    }
    // Defaults keep the old shape: one PaymentMethod each, every one the invoice default.
    const plain = await emulator.seedDemo({ seed: 2, customers: 20 });
    expect(
      plain.every((c) => c.paymentMethods.length === 1 && c.defaultPaymentMethod === c.paymentMethods[0]?.id),
    ).toBe(true);
  });

  it('a 20k-customer account pages and filters by created', async () => {
    const { emulator, stripe } = await started();
    await emulator.seedDemo({ seed: 9, customers: 20_000, cardsPerCustomer: 2 });
    expect(emulator.stats(null).customers).toBe(20_000);
    const page = await stripe.customers.list({ limit: 100, expand: ['data.sources'] });
    expect(page.data).toHaveLength(100);
    expect(page.has_more).toBe(true);
    const year = 365 * 86_400;
    let count = 0;
    for await (const _ of stripe.customers.list({ limit: 100, created: { gte: DEFAULT_CREATED_TO - year } }))
      count++;
    expect(count).toBeGreaterThan(3600);
    expect(count).toBeLessThan(4400);
  });
});

describe('seeding options and the control API', () => {
  it('POST /_emulator/seed takes the new options and lists at most 1000 customers in its reply', async () => {
    const { emulator, stripe } = await started();
    const control = emulatorControl(emulator.url);
    const reply = await control.seed({
      seed: 3,
      customers: 1200,
      cardsPerCustomer: 1,
      paymentMethodsPerCustomer: 3,
      defaultPaymentMethodShare: 0,
      connectAccounts: 2,
      connectCustomers: 5,
    });
    expect(reply).toMatchObject({ count: 1210, truncated: true });
    expect(reply.customers).toHaveLength(1000);
    expect(reply.customers[0]?.paymentMethods).toHaveLength(3);
    expect(reply.customers.every((c) => c.defaultPaymentMethod === null)).toBe(true);
    expect((await stripe.accounts.list()).data).toHaveLength(2);

    await expect(control.seed({ customers: 'many' as unknown as number })).rejects.toMatchObject({
      status: 400,
      message: 'customers must be a number',
    });
    await expect(control.seed({ paymentMethodsPerCustomer: -1 })).rejects.toMatchObject({
      message: 'paymentMethodsPerCustomer must be an integer from 0 to 100',
    });
  });

  it('refuses shares outside 0–1 and an empty created range', async () => {
    const { emulator } = await started();
    await expect(emulator.seedDemo({ defaultPaymentMethodShare: 1.5 })).rejects.toThrow(
      'defaultPaymentMethodShare must be a number from 0 to 1',
    );
    await expect(emulator.seedDemo({ expiringSoonShare: -0.1 })).rejects.toThrow(TypeError);
    await expect(emulator.seedDemo({ createdFrom: 2000, createdTo: 1000 })).rejects.toThrow(
      'createdTo must be after createdFrom',
    );
    expect(emulator.stats().customers).toBe(0);
  });

  it('formatSeedTable can show only the first customers', async () => {
    const { emulator } = await started();
    const seeded = await emulator.seedDemo({ seed: 4, customers: 30, cardsPerCustomer: 1 });
    const table = formatSeedTable(seeded, { maxCustomers: 5 });
    expect(table).toContain(seeded[4]?.id);
    expect(table).not.toContain(seeded[5]?.id);
    expect(table.endsWith('… and 25 more customers')).toBe(true);
  });
});
