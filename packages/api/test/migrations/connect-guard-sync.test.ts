import { demoConnectAccount, type StripeEmulator, startStripeEmulator } from '@cardbridge/stripe-emulator';
import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrationHandlers } from '../../src/services/migrations/index.js';
import { createTestApp, seedPaymentMethod, type TestApp } from '../helpers.js';
import { emulatorStripe } from '../stripe-client.js';
import { allItems, heldCards, settled, stripeCards } from './job-helpers.js';

/*
 * Stripe Connect (each connected account through the tenant's Connect gateway account for it),
 * the live/test guard, and sync: what changed at Stripe since an import, reported, then applied.
 */

const secretKey = 'sk_test_migrations_connect_1';
const SEED = 55;

describe('migration job: Connect, live/test guard, sync', () => {
  let emulator: StripeEmulator;
  let stripe: Stripe;
  let app: TestApp;

  beforeAll(async () => {
    emulator = await startStripeEmulator();
    stripe = emulatorStripe(emulator.url, secretKey);
    await emulator.seedDemo({
      seed: SEED,
      customers: 4,
      cardsPerCustomer: 2,
      connectAccounts: 2,
      connectCustomers: 3,
    });
    app = await createTestApp();
    await app.deps.jobs.work(migrationHandlers(app.deps));
  });
  afterAll(async () => {
    await app.close();
    await emulator.close();
  });

  it('reads every connected account the platform lists through its Connect gateway account; a missing one is a failed row', async () => {
    const t = await app.tenant();
    const platform = (
      await t.caller.gatewayAccounts.create({ type: 'stripe', secretKey, apiBase: emulator.url })
    ).id;
    const first = demoConnectAccount(SEED, 1);
    const second = demoConnectAccount(SEED, 2);
    const connect = (
      await t.caller.gatewayAccounts.create({
        type: 'stripe',
        secretKey,
        apiBase: emulator.url,
        connectedAccountId: first,
      })
    ).id;
    const job = await settled(
      t.caller,
      (
        await t.caller.migrations.create({
          source: { kind: 'stripe_account', gatewayAccountId: platform, connectedAccounts: 'all' },
        })
      ).id,
    );
    expect(job.status).toBe('completed');
    const items = await allItems(t.caller, job.id);
    const missing = items.filter((i) => i.outcome === 'failed');
    expect(missing).toHaveLength(1);
    expect(missing[0]).toMatchObject({ key: `account:${second}` });
    expect(missing[0]!.reason).toContain(`no Connect gateway account of the tenant for ${second}`);

    // Exactly the first connected account's cards, on its Connect gateway account; none of the platform's.
    const expected = await stripeCards(stripe, first);
    const created = items.filter((i) => i.outcome === 'created');
    expect(new Set(created.map((i) => i.sourceCardId))).toEqual(new Set(expected.keys()));
    for (const item of created) {
      const pm = await t.caller.paymentMethods.get({ id: item.paymentMethodId! });
      expect(pm.gatewayAccountId).toBe(connect);
    }
    const platformCards = await stripeCards(stripe);
    expect(created.some((i) => platformCards.has(i.sourceCardId!))).toBe(false);

    // A Connect account named explicitly: the same cards, unchanged.
    const again = await settled(
      t.caller,
      (
        await t.caller.migrations.create({
          source: { kind: 'stripe_account', gatewayAccountId: platform, connectedAccounts: [first] },
        })
      ).id,
    );
    expect(again.progress.counts).toEqual({ unchanged: expected.size });
  });

  it('never links a test-mode account’s cards to a customer holding live-mode cards', async () => {
    const t = await app.tenant();
    const account = (
      await t.caller.gatewayAccounts.create({ type: 'stripe', secretKey, apiBase: emulator.url })
    ).id;
    const live = (
      await t.caller.gatewayAccounts.create({
        type: 'stripe',
        secretKey: 'sk_live_migrations_guard_1',
        apiBase: emulator.url,
      })
    ).id;
    const [stripeCustomer] = (await stripe.customers.list({ limit: 1 })).data;
    const ours = await t.caller.customers.create({ email: stripeCustomer!.email });
    await seedPaymentMethod(app.database.db, t.tenantId, {
      customerId: ours.id,
      gatewayAccountId: live,
      cardType: 'Visa',
      maskedCardNumber: '************4242',
      expirationMonth: 12,
      expirationYear: 2031,
      externalCardId: 'card_live_1',
    });
    const job = await settled(
      t.caller,
      (
        await t.caller.migrations.create({
          source: { kind: 'stripe_account', gatewayAccountId: account, matchBy: 'email' },
        })
      ).id,
    );
    expect(job.status).toBe('completed');
    const items = await allItems(t.caller, job.id);
    const refused = items.filter((i) => i.sourceCustomerId === stripeCustomer!.id);
    expect(refused.length).toBeGreaterThan(0);
    for (const item of refused) {
      expect(item.outcome).toBe('skipped');
      expect(item.reason).toContain('live and test data never mix');
    }
    // The other Stripe customers were imported as usual, each into a new customer.
    expect(items.filter((i) => i.outcome === 'created').length).toBe(items.length - refused.length);
    expect((await t.caller.paymentMethods.list({ customerId: ours.id, limit: 10 })).data).toHaveLength(1);
  });

  it('sync reports what changed at Stripe (expiry, deleted, new, default) and applies it only when asked', async () => {
    const t = await app.tenant();
    const account = (
      await t.caller.gatewayAccounts.create({ type: 'stripe', secretKey, apiBase: emulator.url })
    ).id;
    const source = { kind: 'stripe_account' as const, gatewayAccountId: account };
    const first = await settled(t.caller, (await t.caller.migrations.create({ source })).id);
    expect(first.status).toBe('completed');

    const customers = (await stripe.customers.list({ limit: 4 })).data;
    const [a, b, c] = customers;
    const sourcesOf = async (id: string) =>
      (await stripe.customers.listSources(id, { object: 'card', limit: 10 })).data as Stripe.Card[];
    const [expiring] = await sourcesOf(a!.id);
    await stripe.customers.updateSource(a!.id, expiring!.id, { exp_month: '1', exp_year: '2035' });
    const [gone] = await sourcesOf(b!.id);
    await stripe.customers.deleteSource(b!.id, gone!.id);
    const added = (await stripe.customers.createSource(c!.id, { source: 'tok_mastercard' })) as Stripe.Card;
    const [, second] = await sourcesOf(a!.id);
    await stripe.customers.update(a!.id, {
      invoice_settings: { default_payment_method: '' },
      default_source: second!.id,
    });

    const report = await settled(
      t.caller,
      (await t.caller.migrations.create({ source: { ...source, sync: true } })).id,
    );
    const byCard = new Map((await allItems(t.caller, report.id)).map((i) => [i.sourceCardId, i]));
    expect(byCard.get(expiring!.id)).toMatchObject({ outcome: 'drift', reason: 'expiry' });
    expect(byCard.get(gone!.id)).toMatchObject({ outcome: 'drift', reason: 'deleted at Stripe' });
    expect(byCard.get(added.id)).toMatchObject({ outcome: 'drift', reason: 'new card at Stripe' });
    expect(byCard.get(second!.id)).toMatchObject({ outcome: 'drift', reason: 'default' });
    expect(report.progress.counts.drift).toBe(4);
    // Reported only: nothing of ours changed.
    const before = await heldCards(
      t.caller,
      new Set((await allItems(t.caller, first.id)).map((i) => i.customerId!)),
    );
    expect(before.get(expiring!.id)?.expirationYear).not.toBe('35');
    expect(before.has(gone!.id)).toBe(true);
    expect(before.has(added.id)).toBe(false);

    const applied = await settled(
      t.caller,
      (await t.caller.migrations.create({ source: { ...source, sync: true, apply: true } })).id,
    );
    expect(applied.status).toBe('completed');
    const appliedItems = new Map((await allItems(t.caller, applied.id)).map((i) => [i.sourceCardId, i]));
    expect(appliedItems.get(expiring!.id)).toMatchObject({ outcome: 'updated', reason: 'expiry' });
    expect(appliedItems.get(gone!.id)).toMatchObject({ outcome: 'deleted' });
    expect(appliedItems.get(added.id)).toMatchObject({ outcome: 'created' });
    expect(appliedItems.get(second!.id)).toMatchObject({ outcome: 'updated', reason: 'default' });

    const after = await heldCards(t.caller, new Set([...appliedItems.values()].map((i) => i.customerId!)));
    expect(new Set(after.keys())).toEqual(new Set((await stripeCards(stripe)).keys()));
    expect(after.get(expiring!.id)?.expirationYear).toBe('35');
    expect(after.get(second!.id)?.isDefault).toBe(true);

    // In sync, nothing is left to change.
    const quiet = await settled(
      t.caller,
      (await t.caller.migrations.create({ source: { ...source, sync: true } })).id,
    );
    expect(quiet.progress.counts).toEqual({ unchanged: (await stripeCards(stripe)).size });
  });
});
