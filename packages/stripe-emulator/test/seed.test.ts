import type Stripe from 'stripe';
import { afterEach, describe, expect, it } from 'vitest';
import {
  DEMO_SEED,
  demoConnectAccount,
  formatSeedTable,
  parseSeed,
  type StripeEmulator,
  startStripeEmulator,
} from '../src/index.js';
import { failure, raw, sdk } from './helpers.js';

/** Deterministic demo data: the same seed gives the same customers, cards and ids at every start. */

const open: StripeEmulator[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((e) => e.close()));
});

async function started(seed: 'demo' | 'none' | number) {
  const emulator = await startStripeEmulator({ seed });
  open.push(emulator);
  return { emulator, stripe: sdk(emulator) };
}

/** Every id the emulator holds for an account: customers, their cards and PaymentMethods. */
async function idsOf(stripe: Stripe, stripeAccount?: string): Promise<string[]> {
  const options = stripeAccount ? { stripeAccount } : {};
  const customers = await stripe.customers.list({ limit: 100 }, options);
  const ids: string[] = [];
  for (const customer of customers.data) {
    ids.push(customer.id, customer.invoice_prefix ?? '');
    const sources = await stripe.customers.listSources(customer.id, { object: 'card' }, options);
    ids.push(...sources.data.map((s) => s.id));
    const pms = await stripe.customers.listPaymentMethods(customer.id, {}, options);
    ids.push(...pms.data.map((p) => p.id));
  }
  return ids;
}

describe('seeded demo data', () => {
  it('the same seed gives the same ids at two starts, Connect account included', async () => {
    const a = await started(42);
    const b = await started(42);
    const account = demoConnectAccount(42);
    expect(account).toMatch(/^acct_1[A-Za-z0-9]{15}$/);
    const platformA = await idsOf(a.stripe);
    expect(platformA).toHaveLength(3 * (1 + 1 + 2 + 1)); // customer, prefix, 2 cards, 1 pm
    expect(await idsOf(b.stripe)).toEqual(platformA);
    const connectA = await idsOf(a.stripe, account);
    expect(connectA).toHaveLength(2 * 5);
    expect(await idsOf(b.stripe, account)).toEqual(connectA);
    expect(connectA.filter((id) => platformA.includes(id))).toEqual([]);
    expect(a.emulator.stats(account)).toEqual(b.emulator.stats(account));
  });

  it("'demo' is DEMO_SEED; different seeds give different ids and Connect accounts", async () => {
    const demo = await started('demo');
    const same = await started(DEMO_SEED);
    const other = await started(43);
    const demoIds = await idsOf(demo.stripe);
    expect(await idsOf(same.stripe)).toEqual(demoIds);
    const otherIds = await idsOf(other.stripe);
    expect(otherIds).toHaveLength(demoIds.length);
    expect(otherIds.filter((id) => demoIds.includes(id))).toEqual([]);
    expect(demoConnectAccount(43)).not.toBe(demoConnectAccount(DEMO_SEED));
  });

  it("the Connect account's customers are visible only with its Stripe-Account header", async () => {
    const { emulator, stripe } = await started('demo');
    const account = demoConnectAccount();
    const connected = await stripe.customers.list({}, { stripeAccount: account });
    expect(connected.data.map((c) => c.email).sort()).toEqual([
      'connect1@example.com',
      'connect2@example.com',
    ]);
    const platform = await stripe.customers.list();
    expect(platform.data.map((c) => c.email).sort()).toEqual([
      'demo1@example.com',
      'demo2@example.com',
      'demo3@example.com',
    ]);
    const one = connected.data[0]!;
    const missing = await failure(stripe.customers.retrieve(one.id));
    expect(missing.statusCode).toBe(404);
    expect(missing.code).toBe('resource_missing');
    const card = one.default_source as string;
    expect((await stripe.customers.retrieveSource(one.id, card, {}, { stripeAccount: account })).id).toBe(
      card,
    );
    // Another account sees nothing either.
    const elsewhere = await raw(emulator, 'GET', `/v1/customers/${one.id}`, {
      headers: { 'stripe-account': 'acct_1SomeoneElse000' },
    });
    expect(elsewhere.status).toBe(404);
  });

  it('objects created through the API get fresh ids; seeding again adds new ids, never repeats', async () => {
    const { emulator, stripe } = await started(7);
    const before = await idsOf(stripe);
    const created = await stripe.customers.create({ email: 'new@example.com' });
    expect(before).not.toContain(created.id);
    const reseed = await fetch(`${emulator.url}/_emulator/seed`, {
      method: 'POST',
      body: JSON.stringify({ seed: 7, customers: 2 }),
    });
    expect(reseed.status).toBe(200);
    const after = await idsOf(stripe);
    expect(new Set(after).size).toBe(after.length);
    expect(after).toEqual(expect.arrayContaining(before));
    expect(emulator.stats(null).customers).toBe(3 + 1 + 2);
  });

  it("'none' seeds nothing; parseSeed takes numbers, 'demo' and 'none' only", async () => {
    const { emulator } = await started('none');
    expect(emulator.stats().customers).toBe(0);
    expect(parseSeed('42')).toBe(42);
    expect(parseSeed('demo')).toBe(DEMO_SEED);
    expect(parseSeed('none')).toBeNull();
    for (const bad of ['lots', '-1', '4.2', '', '1e3']) expect(() => parseSeed(bad)).toThrow(TypeError);
    expect(() => parseSeed(-1)).toThrow(TypeError);
    await expect(startStripeEmulator({ seed: 1.5 })).rejects.toThrow(TypeError);
  });

  it('the seed table shows the Connect account with its customers and cards', async () => {
    const { emulator } = await started('none');
    const seeded = await emulator.seedDemo({
      seed: 42,
      customers: 1,
      cardsPerCustomer: 1,
      connectCustomers: 1,
    });
    const table = formatSeedTable(seeded);
    const account = demoConnectAccount(42);
    expect(seeded.map((c) => c.stripeAccount)).toEqual([null, account]);
    expect(table).toContain('(platform)');
    expect(table).toContain(account);
    for (const c of seeded) {
      expect(table).toContain(c.id);
      for (const card of c.cards) expect(table).toContain(card.id);
    }
  });
});
