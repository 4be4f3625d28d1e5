import { type StripeEmulator, startStripeEmulator } from '@cardbridge/stripe-emulator';
import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrationHandlers } from '../../src/services/migrations/index.js';
import { createTestApp, type TestApp, type TestTenant } from '../helpers.js';
import { emulatorStripe } from '../stripe-client.js';
import { allItems, type Caller, heldCards, settled, stripeCards } from './job-helpers.js';

/*
 * A Stripe account import when Stripe misbehaves (429 and 5xx at random) and when people pause,
 * resume and cancel it: nothing lost, nothing twice, what we hold equals what Stripe holds.
 */

const secretKey = 'sk_test_migrations_faults_1';

async function until<T>(probe: () => Promise<T>, ok: (value: T) => boolean): Promise<T> {
  for (;;) {
    const value = await probe();
    if (ok(value)) return value;
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('migration job: faults, pause, resume, cancel', () => {
  let emulator: StripeEmulator;
  let stripe: Stripe;
  let app: TestApp;
  let t: TestTenant;
  let accountId: number;
  let expected: Awaited<ReturnType<typeof stripeCards>>;

  beforeAll(async () => {
    emulator = await startStripeEmulator();
    stripe = emulatorStripe(emulator.url, secretKey);
    await emulator.seedDemo({ seed: 91, customers: 25, cardsPerCustomer: 2 });
    expected = await stripeCards(stripe);
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

  /** Every Stripe card held exactly once, under one customer per Stripe customer. */
  async function expectExactlyWhatStripeHolds(caller: Caller, jobIds: number[]) {
    const customers = new Map<string, number>();
    for (const id of jobIds) {
      for (const item of await allItems(caller, id)) {
        if (item.customerId !== null) customers.set(item.sourceCustomerId!, item.customerId);
      }
    }
    expect(new Set(customers.values()).size).toBe(customers.size);
    const held = await heldCards(caller, customers.values());
    expect(new Set(held.keys())).toEqual(new Set(expected.keys()));
    for (const [cardId, pm] of held) {
      expect(customers.get(expected.get(cardId)!.customer)).toBe(pm.customerId);
    }
  }

  it('30 % 429 and 10 % 5xx from Stripe: the job completes with every card once', async () => {
    emulator.setFaultRates({ fault429Rate: 0.3, fault5xxRate: 0.1, faultSeed: 7 });
    try {
      const job = await settled(
        t.caller,
        (
          await t.caller.migrations.create({
            source: { kind: 'stripe_account', gatewayAccountId: accountId },
          })
        ).id,
      );
      expect(job.status).toBe('completed');
      expect(job.progress.counts).toEqual({ created: expected.size });
      expect(emulator.requestStats().rateLimited).toBeGreaterThan(0);
      expect(emulator.requestStats().serverErrors).toBeGreaterThan(0);
      await expectExactlyWhatStripeHolds(t.caller, [job.id]);
    } finally {
      emulator.setFaultRates({ fault429Rate: 0, fault5xxRate: 0 });
    }
  });

  it('pause stops every worker at its next row; resume finishes exactly once; control errors name the state', async () => {
    const other = await app.tenant();
    const account = (
      await other.caller.gatewayAccounts.create({ type: 'stripe', secretKey, apiBase: emulator.url })
    ).id;
    // Slow enough (5 requests/s for 26 requests) to be paused half way.
    const created = await other.caller.migrations.create({
      source: { kind: 'stripe_account', gatewayAccountId: account, requestsPerSecond: 5 },
    });
    await until(
      () => other.caller.migrations.get({ id: created.id }),
      (j) => j.progress.done > 0,
    );
    const paused = await other.caller.migrations.pause({ id: created.id });
    expect(paused.status).toBe('paused');
    await expect(other.caller.migrations.pause({ id: created.id })).rejects.toThrow(
      /Cannot pause migration job .* it is paused/,
    );
    expect((await other.caller.migrations.get({ id: created.id })).status).toBe('paused');

    const resumed = await other.caller.migrations.resume({ id: created.id });
    expect(resumed.status).toBe('running');
    const done = await settled(other.caller, created.id);
    expect(done.status).toBe('completed');
    expect(done.progress.counts).toEqual({ created: expected.size });
    await expectExactlyWhatStripeHolds(other.caller, [created.id]);
  });

  it('cancel stops the job for good; a new run imports the rest, once', async () => {
    const other = await app.tenant();
    const account = (
      await other.caller.gatewayAccounts.create({ type: 'stripe', secretKey, apiBase: emulator.url })
    ).id;
    const source = { kind: 'stripe_account' as const, gatewayAccountId: account, requestsPerSecond: 5 };
    const first = await other.caller.migrations.create({ source });
    await until(
      () => other.caller.migrations.get({ id: first.id }),
      (j) => j.progress.done > 0,
    );
    expect((await other.caller.migrations.cancel({ id: first.id })).status).toBe('cancelled');
    await expect(other.caller.migrations.resume({ id: first.id })).rejects.toThrow(/it is cancelled/);
    const cancelled = await other.caller.migrations.get({ id: first.id });
    expect(cancelled.progress.done).toBeLessThan(expected.size);

    const second = await settled(
      other.caller,
      (await other.caller.migrations.create({ source: { ...source, requestsPerSecond: 1000 } })).id,
    );
    // Rows the cancelled job finished are unchanged now; a row it was in the middle of is either.
    const after = await other.caller.migrations.get({ id: first.id });
    expect((second.progress.counts.created ?? 0) + (second.progress.counts.unchanged ?? 0)).toBe(
      expected.size,
    );
    expect(second.progress.counts.unchanged).toBe(after.progress.done);
    await expectExactlyWhatStripeHolds(other.caller, [first.id, second.id]);
  });

  it('another tenant cannot see or control the job', async () => {
    const job = (await t.caller.migrations.list({ limit: 1 })).data[0]!;
    const stranger = await app.tenant();
    await expect(stranger.caller.migrations.get({ id: job.id })).rejects.toThrow(/not found/);
    await expect(stranger.caller.migrations.cancel({ id: job.id })).rejects.toThrow(/not found/);
    await expect(stranger.caller.migrations.items({ id: job.id, limit: 10 })).rejects.toThrow(/not found/);
  });
});
