import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CREATED_FROM, demoConnectAccount, type StripeEmulator } from '../src/index.js';
import { failure, raw, sdk, start } from './helpers.js';
import { component, expectValid } from './openapi.js';

/** Stripe Connect from the platform's side: GET /v1/accounts and GET /v1/accounts/:id. */

const SEED = 31;
const ACCOUNTS = 12;

let emulator: StripeEmulator;
let stripe: Stripe;

beforeAll(async () => {
  ({ emulator, stripe } = await start());
  await emulator.seedDemo({
    seed: SEED,
    customers: 2,
    cardsPerCustomer: 1,
    connectAccounts: ACCOUNTS,
    connectCustomers: 3,
  });
});
afterAll(() => emulator.close());

const seededIds = Array.from({ length: ACCOUNTS }, (_, k) => demoConnectAccount(SEED, k + 1));

describe('GET /v1/accounts', () => {
  it('lists the connected accounts newest first, paged with starting_after and ending_before', async () => {
    const first = await stripe.accounts.list({ limit: 5 });
    expect(first).toMatchObject({ object: 'list', url: '/v1/accounts', has_more: true });
    expect(first.data).toHaveLength(5);
    const all: Stripe.Account[] = [];
    for await (const account of stripe.accounts.list({ limit: 5 })) all.push(account);
    expect(all.map((a) => a.id).sort()).toEqual([...seededIds].sort());
    const created = all.map((a) => a.created ?? 0);
    expect(created).toEqual([...created].sort((a, b) => b - a));
    // Account k was created after account k - 1, and all before the seeded customers.
    expect(all.map((a) => a.id)).toEqual([...seededIds].reverse());
    expect(Math.max(...created)).toBeLessThan(DEFAULT_CREATED_FROM);

    const third = all[2] as Stripe.Account;
    const after = await stripe.accounts.list({ limit: 3, starting_after: third.id });
    expect(after.data.map((a) => a.id)).toEqual(all.slice(3, 6).map((a) => a.id));
    const before = await stripe.accounts.list({ limit: 2, ending_before: third.id });
    expect(before.data.map((a) => a.id)).toEqual(all.slice(0, 2).map((a) => a.id));
    expect(before.has_more).toBe(false);
  });

  it('filters on created, limit is 1 to 100, an unknown cursor is resource_missing', async () => {
    const all = (await stripe.accounts.list({ limit: 100 })).data;
    const pivot = all[4]?.created ?? 0;
    const newer = await stripe.accounts.list({ limit: 100, created: { gt: pivot } });
    const older = await stripe.accounts.list({ limit: 100, created: { lte: pivot } });
    expect(newer.data.length + older.data.length).toBe(all.length);
    expect(newer.data.map((a) => a.id)).toEqual(all.slice(0, 4).map((a) => a.id));
    expect((await stripe.accounts.list({ created: pivot })).data.map((a) => a.id)).toEqual([all[4]?.id]);

    const tooMany = await failure(stripe.accounts.list({ limit: 101 }));
    expect(tooMany).toMatchObject({ statusCode: 400, param: 'limit' });
    const cursor = await failure(stripe.accounts.list({ starting_after: 'acct_1NotConnected00' }));
    expect(cursor).toMatchObject({
      statusCode: 400,
      code: 'resource_missing',
      param: 'starting_after',
      message: "No such account: 'acct_1NotConnected00'",
    });
    const unknown = await raw(emulator, 'GET', '/v1/accounts?created[after]=1');
    expect(unknown.status).toBe(400);
    expect(unknown.json.error).toMatchObject({ code: 'parameter_unknown', param: 'created[after]' });
  });

  it("is the platform key's alone: with a Stripe-Account header it is refused", async () => {
    const e = await failure(stripe.accounts.list({}, { stripeAccount: seededIds[0] as string }));
    expect(e.type).toBe('StripePermissionError');
    expect(e.statusCode).toBe(403);
    expect(e.message).toBe("You cannot access the connected accounts of your platform's connected accounts.");
  });

  it('an account the header names counts as connected from its first use', async () => {
    const local = await start();
    try {
      expect((await local.stripe.accounts.list()).data).toEqual([]);
      await local.stripe.customers.create({}, { stripeAccount: 'acct_1UsedByHeader' });
      const listed = await local.stripe.accounts.list();
      expect(listed.data.map((a) => a.id)).toEqual(['acct_1UsedByHeader']);
    } finally {
      await local.emulator.close();
    }
  });
});

describe('GET /v1/accounts/:id', () => {
  it('retrieves a connected account in Stripe’s shape', async () => {
    const id = seededIds[1] as string;
    const account = await stripe.accounts.retrieve(id);
    expect(account).toMatchObject({
      id,
      object: 'account',
      type: 'standard',
      charges_enabled: true,
      payouts_enabled: true,
      details_submitted: true,
      country: 'US',
      default_currency: 'usd',
      email: 'connect-account2@example.com',
      business_profile: { name: 'Demo Connect 2' },
      metadata: { seed: String(SEED), demo_index: '2' },
      external_accounts: {
        object: 'list',
        data: [],
        has_more: false,
        url: `/v1/accounts/${id}/external_accounts`,
      },
    });
    expectValid(component('account'), account, 'account');
    // The same object in the list.
    const listed = (await stripe.accounts.list({ limit: 100 })).data.find((a) => a.id === id);
    expect(listed).toEqual(account);
  });

  it('an account that is not connected is Stripe’s 403 without access; a connected account may read itself only', async () => {
    const e = await failure(stripe.accounts.retrieve('acct_1NotConnected00'));
    expect(e.type).toBe('StripePermissionError');
    expect(e).toMatchObject({ statusCode: 403, code: 'account_invalid' });
    expect(e.message).toMatch(
      /^The provided key 'sk_test_\*+0001' does not have access to account 'acct_1NotConnected00' \(or that account does not exist\)\./,
    );
    const own = seededIds[0] as string;
    expect((await stripe.accounts.retrieve(own, {}, { stripeAccount: own })).id).toBe(own);
    const other = await failure(stripe.accounts.retrieve(seededIds[1] as string, {}, { stripeAccount: own }));
    expect(other.statusCode).toBe(403);
  });
});

describe('seeded Connect accounts', () => {
  it('each has its own customers, visible only with its Stripe-Account header; ids follow the seed', async () => {
    const seen = new Set<string>();
    for (const account of seededIds.slice(0, 3)) {
      const customers = await stripe.customers.list({ limit: 100 }, { stripeAccount: account });
      expect(customers.data).toHaveLength(3);
      for (const c of customers.data) {
        expect(seen.has(c.id)).toBe(false);
        seen.add(c.id);
      }
    }
    const platform = await stripe.customers.list({ limit: 100 });
    expect(platform.data).toHaveLength(2);

    const again = await start();
    try {
      await again.emulator.seedDemo({
        seed: SEED,
        customers: 2,
        cardsPerCustomer: 1,
        connectAccounts: ACCOUNTS,
        connectCustomers: 3,
      });
      const a = await stripe.customers.list({ limit: 100 }, { stripeAccount: seededIds[5] as string });
      const b = await sdk(again.emulator).customers.list(
        { limit: 100 },
        { stripeAccount: seededIds[5] as string },
      );
      expect(b.data).toEqual(a.data);
      expect((await again.stripe.accounts.list({ limit: 100 })).data).toEqual(
        (await stripe.accounts.list({ limit: 100 })).data,
      );
    } finally {
      await again.emulator.close();
    }
  });

  it('demoConnectAccount(seed) is account 1; connectCustomers without accounts is refused', async () => {
    expect(demoConnectAccount(SEED)).toBe(seededIds[0]);
    expect(new Set(seededIds).size).toBe(ACCOUNTS);
    await expect(emulator.seedDemo({ connectAccounts: 0, connectCustomers: 1 })).rejects.toThrow(
      /connectCustomers needs connectAccounts/,
    );
  });
});
