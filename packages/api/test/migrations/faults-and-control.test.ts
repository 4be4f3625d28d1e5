import { sql } from '@cardbridge/db/testing';
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
const CONTROL_ACCOUNT = 'acct_migrationsControl1';

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
  let controlCards: Awaited<ReturnType<typeof stripeCards>>;

  /** Runs plain SQL statements (a trigger for a test), one at a time as PGlite wants them. */
  async function execute(...statements: string[]) {
    for (const statement of statements) await app.deps.db.execute(sql.raw(statement));
  }

  beforeAll(async () => {
    emulator = await startStripeEmulator();
    stripe = emulatorStripe(emulator.url, secretKey);
    await emulator.seedDemo({ seed: 91, customers: 25, cardsPerCustomer: 2 });
    expected = await stripeCards(stripe);
    await emulator.seedDemo({
      seed: 92,
      stripeAccount: CONTROL_ACCOUNT,
      customers: 240,
      cardsPerCustomer: 1,
      paymentMethodsPerCustomer: 0,
    });
    controlCards = await stripeCards(stripe, CONTROL_ACCOUNT);
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
  async function expectExactlyWhatStripeHolds(caller: Caller, jobIds: number[], cards = expected) {
    const customers = new Map<string, number>();
    for (const id of jobIds) {
      for (const item of await allItems(caller, id)) {
        if (item.customerId !== null) customers.set(item.sourceCustomerId!, item.customerId);
      }
    }
    expect(new Set(customers.values()).size).toBe(customers.size);
    const held = await heldCards(caller, customers.values());
    expect(new Set(held.keys())).toEqual(new Set(cards.keys()));
    for (const [cardId, pm] of held) {
      expect(customers.get(cards.get(cardId)!.customer)).toBe(pm.customerId);
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

  /**
   * A tenant reading the Connect account seeded for pause and cancel: 240 customers make
   * several chunks, so a job can be stopped between them.
   */
  async function controlTenant() {
    const tenant = await app.tenant();
    const account = (
      await tenant.caller.gatewayAccounts.create({
        type: 'stripe',
        secretKey,
        apiBase: emulator.url,
        connectedAccountId: CONTROL_ACCOUNT,
      })
    ).id;
    return { tenant, source: { kind: 'stripe_account' as const, gatewayAccountId: account } };
  }

  /**
   * The tenant's running job is paused in the transaction that reports its first rows (a
   * status change, as migrations.pause makes it): deterministically in the middle of the job.
   * Returns the job once it is neither queued nor running (chunks under way may still finish).
   */
  async function pausedAtFirstRows(tenant: TestTenant, create: () => Promise<{ id: number }>) {
    await execute(
      `create function cardbridge_test_pause() returns trigger language plpgsql as $$
        begin
          if new.tenant_id = ${tenant.tenantId}
            and (select status from migration_jobs where id = new.job_id) = 'running' then
            update migration_jobs set status = 'paused' where id = new.job_id;
          end if;
          return new;
        end $$`,
      `create trigger cardbridge_test_pause after insert on migration_job_items
        for each row execute function cardbridge_test_pause()`,
    );
    try {
      const { id } = await create();
      return await until(
        () => tenant.caller.migrations.get({ id }),
        (j) => !['queued', 'running'].includes(j.status),
      );
    } finally {
      await execute(
        'drop trigger cardbridge_test_pause on migration_job_items',
        'drop function cardbridge_test_pause()',
      );
    }
  }

  it('pause stops every worker at its next row; resume finishes exactly once; control errors name the state', async () => {
    const { tenant, source } = await controlTenant();
    const first = await tenant.caller.migrations.create({ source });
    // A client's pause, while the account is still being listed (5 requests/s: ~2 s).
    const slow = await tenant.caller.migrations.create({ source: { ...source, requestsPerSecond: 5 } });
    expect((await tenant.caller.migrations.pause({ id: slow.id })).status).toBe('paused');
    await tenant.caller.migrations.cancel({ id: slow.id });
    await settled(tenant.caller, first.id);

    const other = await controlTenant();
    const paused = await pausedAtFirstRows(other.tenant, () =>
      other.tenant.caller.migrations.create({ source: other.source }),
    );
    expect(paused.status).toBe('paused');
    expect(paused.progress.done).toBeGreaterThan(0);
    expect(paused.progress.done).toBeLessThan(controlCards.size);
    await expect(other.tenant.caller.migrations.pause({ id: paused.id })).rejects.toThrow(
      /Cannot pause migration job .* it is paused/,
    );

    const resumed = await other.tenant.caller.migrations.resume({ id: paused.id });
    expect(resumed.status).toBe('running');
    const done = await settled(other.tenant.caller, paused.id);
    expect(done.status).toBe('completed');
    expect(done.progress.counts).toEqual({ created: controlCards.size });
    await expectExactlyWhatStripeHolds(other.tenant.caller, [paused.id], controlCards);
  });

  it('cancel stops the job for good; a new run imports the rest, once', async () => {
    const { tenant, source } = await controlTenant();
    const first = await pausedAtFirstRows(tenant, () => tenant.caller.migrations.create({ source }));
    expect((await tenant.caller.migrations.cancel({ id: first.id })).status).toBe('cancelled');
    await expect(tenant.caller.migrations.resume({ id: first.id })).rejects.toThrow(/it is cancelled/);
    const cancelled = await tenant.caller.migrations.get({ id: first.id });
    expect(cancelled.progress.done).toBeGreaterThan(0);
    expect(cancelled.progress.done).toBeLessThan(controlCards.size);

    const second = await settled(tenant.caller, (await tenant.caller.migrations.create({ source })).id);
    // Rows the cancelled job finished (chunks under way when it stopped finish their rows) are
    // unchanged now, the rest created: each card once.
    const finished = (await tenant.caller.migrations.get({ id: first.id })).progress.done;
    expect(finished).toBeLessThan(controlCards.size);
    expect(second.progress.counts).toEqual({
      created: controlCards.size - finished,
      unchanged: finished,
    });
    await expectExactlyWhatStripeHolds(tenant.caller, [first.id, second.id], controlCards);
  });

  it('another tenant cannot see or control the job', async () => {
    const job = (await t.caller.migrations.list({ limit: 1 })).data[0]!;
    const stranger = await app.tenant();
    await expect(stranger.caller.migrations.get({ id: job.id })).rejects.toThrow(/not found/);
    await expect(stranger.caller.migrations.cancel({ id: job.id })).rejects.toThrow(/not found/);
    await expect(stranger.caller.migrations.items({ id: job.id, limit: 10 })).rejects.toThrow(/not found/);
  });
});
