import { type StripeEmulator, startStripeEmulator } from '@cardbridge/stripe-emulator';
import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrationHandlers } from '../../src/services/migrations/index.js';
import { createTestApp, type TestApp, type TestTenant } from '../helpers.js';
import { emulatorStripe } from '../stripe-client.js';
import { allItems, settled, stripeCards } from './job-helpers.js';

/*
 * A whole Stripe account imported by reference, end to end in process: the emulator seeded
 * with customers (card sources, and a PaymentMethod default each), the job engine on pg-boss
 * with this process as its worker, the job driven through the tRPC caller. What Stripe holds
 * is read back through Stripe's own SDK and compared with what we hold.
 */

const secretKey = 'sk_test_migrations_account_1';

describe('migration job: a whole Stripe account by reference', () => {
  let emulator: StripeEmulator;
  let stripe: Stripe;
  let app: TestApp;
  let t: TestTenant;
  let accountId: number;

  beforeAll(async () => {
    emulator = await startStripeEmulator();
    stripe = emulatorStripe(emulator.url, secretKey);
    await emulator.seedDemo({ seed: 77, customers: 130, cardsPerCustomer: 2 });
    app = await createTestApp();
    await app.deps.jobs.work(migrationHandlers(app.deps));
    t = await app.tenant();
    accountId = (await t.caller.gatewayAccounts.create({ type: 'stripe', secretKey, apiBase: emulator.url }))
      .id;
  });
  afterAll(async () => {
    await app.close();
    await emulator.close();
  });

  const source = () => ({
    kind: 'stripe_account' as const,
    gatewayAccountId: accountId,
    requestsPerSecond: 1000,
  });

  it('a plan reads the account and writes nothing; the run agrees with it row for row; a re-run changes nothing', async () => {
    const expected = await stripeCards(stripe);
    expect(expected.size).toBe(130 * 3);

    const plan = await settled(
      t.caller,
      (await t.caller.migrations.create({ source: source(), dryRun: true })).id,
    );
    expect(plan.status).toBe('completed');
    expect(plan.progress).toMatchObject({
      total: 390,
      done: 390,
      sourceRead: true,
      counts: { created: 390 },
    });
    expect(plan.estimate?.requests).toBe(plan.progress.requests);
    // Nothing but the plan's own report was written.
    expect((await t.caller.customers.list({ limit: 10 })).data).toHaveLength(0);

    const run = await settled(t.caller, (await t.caller.migrations.create({ source: source() })).id);
    expect(run.status).toBe('completed');
    expect(run.progress.counts).toEqual({ created: 390 });
    // The account and its newest page at once (2: the page is dropped, 130 customers leave
    // fewer than 100 in the newest window), pages of up to 100 customers with their sources in
    // 8 created-windows read at once (8 to 8 + 2 requests), a PaymentMethod list per customer.
    expect(run.progress.requests).toBeGreaterThanOrEqual(2 + 8 + 130);
    expect(run.progress.requests).toBeLessThanOrEqual(2 + 8 + 2 + 130);

    const planned = new Map((await allItems(t.caller, plan.id)).map((i) => [i.key, i.outcome]));
    const done = await allItems(t.caller, run.id);
    expect(new Map(done.map((i) => [i.key, i.outcome]))).toEqual(planned);

    // What we hold is what Stripe holds: every card once, under the customer Stripe has it on.
    const customersByStripeId = new Map<string, number>();
    for (const item of done) {
      const stripeCard = expected.get(item.sourceCardId!);
      expect(stripeCard?.customer).toBe(item.sourceCustomerId);
      const ours = customersByStripeId.get(item.sourceCustomerId!) ?? item.customerId!;
      expect(item.customerId).toBe(ours);
      customersByStripeId.set(item.sourceCustomerId!, ours);
      const pm = await t.caller.paymentMethods.get({ id: item.paymentMethodId! });
      expect(pm).toMatchObject({ storedInVault: false, isDefault: stripeCard!.isDefault });
    }
    expect(customersByStripeId.size).toBe(130);
    expect(new Set(done.map((i) => i.paymentMethodId)).size).toBe(390);

    const again = await settled(t.caller, (await t.caller.migrations.create({ source: source() })).id);
    expect(again.progress.counts).toEqual({ unchanged: 390 });
  });
});
