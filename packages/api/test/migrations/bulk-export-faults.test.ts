import { getMigrationJob, listExports } from '@cardbridge/db';
import { sql } from '@cardbridge/db/testing';
import { type StripeEmulator, startStripeEmulator } from '@cardbridge/stripe-emulator';
import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BULK_EXPORT_CHUNK } from '../../src/services/migrations/bulk-export.js';
import { migrationHandlers } from '../../src/services/migrations/index.js';
import { createTestApp, type TestApp, type TestTenant } from '../helpers.js';
import { emulatorStripe } from '../stripe-client.js';
import {
  allItems,
  bulkSource,
  expectAtStripe,
  exportedIds,
  type Job,
  runJob,
  SOURCES,
  servedRequests,
  settled,
  TOKENS,
  vaultedCards,
} from './bulk-export-helpers.js';

/*
 * Bulk export when things go wrong: Stripe answering 429 and 5xx at random, a copy whose
 * record fails to commit, a pause that lands while a row is being exported. Whatever happens,
 * each card is at Stripe exactly once and reported exactly once.
 */

const secretKey = 'sk_test_bulk_export_faults';

/** Runs plain SQL statements (a trigger for a test), one at a time as PGlite wants them. */
async function execute(app: TestApp, ...statements: string[]) {
  for (const statement of statements) await app.deps.db.execute(sql.raw(statement));
}

describe('bulk export under faults, failures and a pause', () => {
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

  it('with 30 % 429 and 10 % 5xx from Stripe, every card is exported once: none lost, none duplicated', async () => {
    const t = await app.tenant();
    const targetId = await stripeTarget(t);
    const { cards } = await vaultedCards(t, 3, 2);
    emulator.resetRequestStats();
    // The n-th request draws the same fault at every run; every 429 holds the account's budget
    // for its Retry-After (1 s), so a seed with a typical share of each keeps the test short.
    emulator.setFaultRates({ fault429Rate: 0.3, fault5xxRate: 0.1, faultSeed: 10 });
    let run: Job;
    try {
      run = await runJob(t.caller, bulkSource(targetId));
    } finally {
      emulator.setFaultRates({ fault429Rate: 0, fault5xxRate: 0 });
    }
    const stats = emulator.requestStats();
    expect(stats.rateLimited).toBeGreaterThan(0);
    expect(stats.serverErrors).toBeGreaterThan(0);
    expect(run.status).toBe('completed');
    expect(run.progress.counts).toEqual({ created: cards.length });
    // Every attempt, faulted or not, went through the job's budget and was counted.
    expect(run.progress.requests).toBe(stats.requests);
    const done = await allItems(t.caller, run.id);
    expect(done).toHaveLength(cards.length);
    expect(exportedIds(done)).toEqual(new Set(cards.map((c) => c.id)));
    expect(servedRequests(emulator, SOURCES)).toBe(cards.length);
    await expectAtStripe(stripe, done, cards);
  });

  it('a copy whose record did not commit is found at Stripe by its key on the retry, never copied twice', async () => {
    const t = await app.tenant();
    const targetId = await stripeTarget(t);
    const { cards } = await vaultedCards(t, 1, 2);
    // The first export to complete fails inside the database after its copy reached Stripe
    // (a sequence, not a table: it counts even in the transaction the failure rolls back).
    await execute(
      app,
      'create sequence cardbridge_test_fail_once',
      `create function cardbridge_test_fail_once() returns trigger language plpgsql as $$
        begin
          if nextval('cardbridge_test_fail_once') = 1 then raise exception 'injected failure'; end if;
          return new;
        end $$`,
      `create trigger cardbridge_test_fail_once before update on payment_method_exports for each row
        when (new.status = 'succeeded') execute function cardbridge_test_fail_once()`,
    );
    emulator.resetRequestStats();
    let run: Job;
    try {
      run = await runJob(t.caller, bulkSource(targetId));
    } finally {
      await execute(app, 'drop trigger cardbridge_test_fail_once on payment_method_exports');
    }
    expect(run.status).toBe('completed');
    expect(run.progress.counts).toEqual({ created: 2 });
    // The retried chunk looked the copy up (by its export key) instead of making a second one.
    expect(servedRequests(emulator, TOKENS)).toBe(2);
    expect(servedRequests(emulator, SOURCES)).toBe(2);
    await expectAtStripe(stripe, await allItems(t.caller, run.id), cards);
    // One export alias per card, none left failed beside it.
    for (const card of cards) {
      const exports = await listExports(app.deps.db, t.tenantId, card.id);
      expect(exports.map((e) => e.status)).toEqual(['succeeded']);
    }
  });

  it('a pause that lands while a row is exported: that row completes, the rest waits; resume completes exactly once', async () => {
    const t = await app.tenant();
    const targetId = await stripeTarget(t);
    const { cards } = await vaultedCards(t, 2, 3);
    // The pause lands inside the transaction of a row's result once two rows are reported
    // (seen by that transaction: two customers' rows commit at once), i.e. while the worker is
    // in the middle of the job (a status change, as migrations.pause makes it).
    await execute(
      app,
      `create function cardbridge_test_pause() returns trigger language plpgsql as $$
        begin
          if (select count(*) from migration_job_items where job_id = new.job_id) >= 2 then
            update migration_jobs set status = 'paused' where id = new.job_id;
          end if;
          return new;
        end $$`,
      `create trigger cardbridge_test_pause after insert on migration_job_items
        for each row execute function cardbridge_test_pause()`,
    );
    emulator.resetRequestStats();
    let paused: Job;
    try {
      const { id } = await t.caller.migrations.create({ source: bulkSource(targetId) });
      for (;;) {
        paused = await t.caller.migrations.get({ id });
        if (!['queued', 'running'].includes(paused.status)) break;
        await new Promise((r) => setTimeout(r, 100));
      }
    } finally {
      await execute(app, 'drop trigger cardbridge_test_pause on migration_job_items');
    }
    // Each customer's worker saw the pause before its next row: the rows under way when it
    // landed are copied (at most one per customer after the second; they may still be
    // finishing now), the rest untouched.
    expect(paused.status).toBe('paused');
    const copied = paused.progress.done;
    expect(copied).toBeGreaterThanOrEqual(2);
    expect(paused.progress).toMatchObject({ total: 6, counts: { created: copied } });
    expect(servedRequests(emulator, SOURCES)).toBeGreaterThanOrEqual(copied);
    expect(servedRequests(emulator, SOURCES)).toBeLessThanOrEqual(4);

    const resumed = await t.caller.migrations.resume({ id: paused.id });
    expect(resumed.status).toBe('running');
    const run = await settled(t.caller, paused.id);
    expect(run.status).toBe('completed');
    expect(run.progress.counts).toEqual({ created: 6 });
    const done = await allItems(t.caller, run.id);
    expect(exportedIds(done)).toEqual(new Set(cards.map((c) => c.id)));
    // The resumed chunk skipped the two settled rows: one token and one source per card.
    expect(servedRequests(emulator, TOKENS)).toBe(6);
    expect(servedRequests(emulator, SOURCES)).toBe(6);
    await expectAtStripe(stripe, done, cards);
  });

  it('reading stopped after its first chunk goes on from its checkpoint: every row of every chunk reported once', async () => {
    const t = await app.tenant();
    const targetId = await stripeTarget(t);
    // 230 cards whose number only a gateway holds (seeded in the table), then two vaulted ones.
    const customerId = (await t.caller.customers.create({})).id;
    const held: number[] = [];
    for (let i = 0; i < 230; i++) held.push((await t.addCard(customerId)).id);
    const { cards } = await vaultedCards(t, 1, 2);
    // The job is paused in the transaction that writes its first chunk and its checkpoint.
    await execute(
      app,
      `create function cardbridge_test_pause_reading() returns trigger language plpgsql as $$
        begin
          update migration_jobs set status = 'paused' where id = new.job_id;
          return new;
        end $$`,
      `create trigger cardbridge_test_pause_reading after insert on migration_job_chunks
        for each row when (new.chunk_no = 0) execute function cardbridge_test_pause_reading()`,
    );
    let paused: Job;
    try {
      const { id } = await t.caller.migrations.create({ source: bulkSource(targetId) });
      for (;;) {
        paused = await t.caller.migrations.get({ id });
        if (!['queued', 'running'].includes(paused.status)) break;
        await new Promise((r) => setTimeout(r, 100));
      }
    } finally {
      await execute(app, 'drop trigger cardbridge_test_pause_reading on migration_job_chunks');
    }
    expect(paused.status).toBe('paused');
    expect(paused.progress).toMatchObject({ total: BULK_EXPORT_CHUNK, done: 0, sourceRead: false });
    const stopped = await getMigrationJob(app.deps.db, t.tenantId, paused.id);
    expect(stopped?.checkpoint).toEqual({ afterId: held[BULK_EXPORT_CHUNK - 1], nextChunkNo: 1 });

    await t.caller.migrations.resume({ id: paused.id });
    const run = await settled(t.caller, paused.id);
    expect(run.status).toBe('completed');
    expect(run.progress).toMatchObject({ total: 232, done: 232, counts: { skipped: 230, created: 2 } });
    const done = await allItems(t.caller, run.id);
    // Chunks run side by side: the report is complete, in whatever order they finished.
    const byId = (a: number, b: number) => a - b;
    expect(done.map((i) => i.paymentMethodId!).sort(byId)).toEqual(
      [...held, ...cards.map((c) => c.id)].sort(byId),
    );
    expect(done.find((i) => i.paymentMethodId === held[150])?.reason).toBe(
      `Payment method ${held[150]} cannot be exported: its card number is held by a gateway, not by cardbridge's vault.`,
    );
    await expectAtStripe(stripe, done, cards);
  });
});
