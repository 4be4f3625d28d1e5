import { sql } from '@cardbridge/db/testing';
import { type StripeEmulator, startStripeEmulator } from '@cardbridge/stripe-emulator';
import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrationHandlers } from '../../src/services/migrations/index.js';
import { freshCardNumber } from '../card-data.js';
import { createTestApp, type TestApp, type TestTenant } from '../helpers.js';
import { emulatorStripe } from '../stripe-client.js';
import {
  allItems,
  bulkSource,
  expectAtStripe,
  exportedIds,
  type Item,
  outcomes,
  runJob as runJobOf,
  SOURCES,
  servedRequests,
  TOKENS,
  vaultedCards,
} from './bulk-export-helpers.js';

/*
 * Bulk export end to end in process: vaulted cards made through the PCI path, the job engine
 * on pg-boss with this process as its worker, the job driven through the tRPC caller, the
 * Stripe emulator as the target, looked at from outside through Stripe's own SDK.
 */

const secretKey = 'sk_test_bulk_export_1';
const source = bulkSource;
const reasons = (items: Item[]) => new Map(items.map((i) => [i.key, i.reason]));

describe('migration job: bulk export of vaulted cards', () => {
  let emulator: StripeEmulator;
  let stripe: Stripe;
  let app: TestApp;

  beforeAll(async () => {
    emulator = await startStripeEmulator();
    stripe = emulatorStripe(emulator.url, secretKey);
    app = await createTestApp();
    await app.deps.jobs.work(migrationHandlers(app.deps));
  });
  afterAll(async () => {
    await app.close();
    await emulator.close();
  });

  const stripeTarget = async (t: TestTenant) =>
    (await t.caller.gatewayAccounts.create({ type: 'stripe', secretKey, apiBase: emulator.url })).id;

  const runJob = (t: TestTenant, src: ReturnType<typeof source>, dryRun = false) =>
    runJobOf(t.caller, src, dryRun);

  it('the whole tenant: the plan asks no gateway and the run agrees row for row; every card lands once at its Stripe customer; gateway-held cards are refused; a re-run is all unchanged without a request', async () => {
    const t = await app.tenant();
    const targetId = await stripeTarget(t);
    const { customerIds, cards } = await vaultedCards(t, 3, 3);
    const testAccountId = (await t.caller.gatewayAccounts.list()).find((a) => a.type === 'test')!.id;
    // Only the test gateway holds this one's number.
    const held = await t.caller.paymentMethods.createFromToken({
      customerId: customerIds[0]!,
      token: 'tok_visa',
    });
    // Verified at the target when it was created: it lives there already.
    const onTarget = await t.caller.paymentMethods.createCard({
      customerId: customerIds[1]!,
      cardNumber: freshCardNumber(),
      expirationMonth: 5,
      expirationYear: 33,
      firstName: 'On',
      lastName: 'Target',
      verify: true,
      gatewayAccountId: targetId,
    });
    // Exported by a request before the job: the alias is there.
    const early = await t.caller.paymentMethods.export({ id: cards[0]!.id, gatewayAccountId: targetId });

    emulator.resetRequestStats();
    const plan = await runJob(t, source(targetId), true);
    expect(plan.status).toBe('completed');
    const counts = { created: 8, unchanged: 1, skipped: 2 };
    expect(plan.progress).toMatchObject({ total: 11, done: 11, requests: 0, counts });
    expect(emulator.requestStats().requests).toBe(0);
    const planned = await allItems(t.caller, plan.id);

    const run = await runJob(t, source(targetId));
    expect(run.status).toBe('completed');
    expect(run.progress.counts).toEqual(counts);
    const done = await allItems(t.caller, run.id);
    expect(outcomes(done)).toEqual(outcomes(planned));
    expect(reasons(done)).toEqual(reasons(planned));
    // The single export's refusals, word for word.
    expect(reasons(done).get(`pm:${held.id}`)).toBe(
      `Payment method ${held.id} cannot be exported: its card number is held by gateway account ${testAccountId}, not by cardbridge's vault.`,
    );
    expect(reasons(done).get(`pm:${onTarget.id}`)).toBe(
      `Invalid input: gatewayAccountId: payment method ${onTarget.id} already lives on gateway account ${targetId}`,
    );
    expect(done.find((i) => i.key === `pm:${early.paymentMethodId}`)).toMatchObject({
      outcome: 'unchanged',
      sourceCustomerId: early.externalCustomerId,
      sourceCardId: early.externalCardId,
    });

    // One token and one source per copy, nothing twice; the job counted what Stripe saw.
    expect(servedRequests(emulator, TOKENS)).toBe(8);
    expect(servedRequests(emulator, SOURCES)).toBe(8);
    expect(run.progress.requests).toBe(emulator.requestStats().requests);
    await expectAtStripe(stripe, done, cards);
    // Each copy is an export alias of our card, audited as the job's change.
    for (const item of done.filter((i) => i.outcome === 'created')) {
      const pm = await t.caller.paymentMethods.get({ id: item.paymentMethodId! });
      expect(pm).toMatchObject({ storedInVault: true, customerId: item.customerId });
    }

    emulator.resetRequestStats();
    const again = await runJob(t, source(targetId));
    expect(again.progress.counts).toEqual({ unchanged: 9, skipped: 2 });
    expect(again.progress.requests).toBe(0);
    expect(emulator.requestStats().requests).toBe(0);
  });

  it('filters: customer ids, brand and a created window choose the cards', async () => {
    const t = await app.tenant();
    const { customerIds, cards } = await vaultedCards(t, 3, 3);
    // Brands go Visa, MasterCard, AmericanExpress in turn. Creation dates are set in the table
    // (the API takes none): cards 1, 5 and 6 in March, the others in January or May.
    const march = new Set([1, 5, 6]);
    for (const [n, card] of cards.entries()) {
      const at = march.has(n)
        ? '2026-03-15T00:00:00Z'
        : n % 2 === 0
          ? '2026-01-15T00:00:00Z'
          : '2026-05-15T00:00:00Z';
      await app.deps.db.execute(sql`update payment_methods set created_at = ${at} where id = ${card.id}`);
    }
    const ids = (indexes: number[]) => new Set(indexes.map((n) => cards[n]!.id));

    const cases = [
      { filter: { customerIds: [customerIds[0]!, customerIds[2]!] }, expected: ids([0, 1, 2, 6, 7, 8]) },
      { filter: { brand: 'MasterCard' }, expected: ids([1, 4, 7]) },
      {
        filter: { createdAfter: '2026-02-01T00:00:00Z', createdBefore: '2026-04-01T00:00:00Z' },
        expected: ids([1, 5, 6]),
      },
      // The window is half-open: a card created at createdBefore belongs to the next one.
      { filter: { createdAfter: '2026-03-15T00:00:00Z' }, expected: ids([1, 3, 5, 6, 7]) },
      { filter: { createdBefore: '2026-03-15T00:00:00Z' }, expected: ids([0, 2, 4, 8]) },
      { filter: { customerIds: [customerIds[1]!], brand: 'Visa' }, expected: ids([3]) },
    ];
    for (const { filter, expected } of cases) {
      // A target account each, so every job starts with nothing exported.
      const targetId = await stripeTarget(t);
      const run = await runJob(t, source(targetId, filter));
      expect(run.status, JSON.stringify(filter)).toBe('completed');
      expect(run.progress.counts, JSON.stringify(filter)).toEqual({ created: expected.size });
      const done = await allItems(t.caller, run.id);
      expect(exportedIds(done), JSON.stringify(filter)).toEqual(expected);
      await expectAtStripe(stripe, done, cards);
    }
  });

  it('refuses a job it cannot run, naming the field', async () => {
    const t = await app.tenant();
    const targetId = await stripeTarget(t);
    const other = await app.tenant();
    const foreign = (await other.caller.gatewayAccounts.list())[0]!.id;
    const stranger = (await other.caller.customers.create({})).id;
    const refusal = async (src: ReturnType<typeof source>) => {
      try {
        await t.caller.migrations.create({ source: src });
      } catch (error) {
        return (error as Error).message;
      }
      throw new Error('expected a refusal');
    };
    expect(await refusal(source(foreign))).toBe(`Gateway account with id ${foreign} not found.`);
    expect(await refusal(source(targetId, { customerIds: [stranger] }))).toBe(
      `Invalid input: source.customerIds: no customer with id ${stranger}`,
    );
    expect(
      await refusal(
        source(targetId, { createdAfter: '2026-04-01T00:00:00Z', createdBefore: '2026-04-01T00:00:00Z' }),
      ),
    ).toBe('Invalid input: source.createdBefore: must be later than createdAfter');
    // The key must be allowed to export cards, besides running imports.
    const importsOnly = await app.tenant(['read', 'imports']);
    const own = (await importsOnly.caller.gatewayAccounts.list())[0]!.id;
    await expect(importsOnly.caller.migrations.create({ source: source(own) })).rejects.toThrow(
      "A 'bulk_export' job needs the 'cards:export' scope.",
    );
  });

  it('the built-in test gateway as the target: each card once at the sandbox', async () => {
    const t = await app.tenant();
    const { customerIds, cards } = await vaultedCards(t, 2, 2);
    const target = await t.caller.gatewayAccounts.create({ type: 'test', name: 'second processor' });
    const run = await runJob(t, source(target.id));
    expect(run.progress.counts).toEqual({ created: 4 });
    const done = await allItems(t.caller, run.id);
    expect(exportedIds(done)).toEqual(new Set(cards.map((c) => c.id)));
    const sandbox = app.deps.gateways.testGateway(target.id);
    const gatewayCustomers = new Set(done.map((i) => i.sourceCustomerId!));
    expect(gatewayCustomers.size).toBe(customerIds.length);
    for (const customer of gatewayCustomers) expect(await sandbox.cardCount(customer)).toBe(2);
    for (const item of done) {
      const copy = await sandbox.retrieveCard({
        externalCustomerId: item.sourceCustomerId!,
        externalCardId: item.sourceCardId!,
      });
      const card = cards.find((c) => c.id === item.paymentMethodId)!;
      expect(copy).toMatchObject({ last4: card.last4, expMonth: card.expMonth });
    }
    const again = await runJob(t, source(target.id));
    expect(again.progress.counts).toEqual({ unchanged: 4 });
    expect(sandbox.calls.filter((c) => c.operation === 'createCardFromNumber')).toHaveLength(4);
  });
});
