import { type DatabaseHandle, listAuditEvents, listExports, openDatabase } from '@cardbridge/db';
import { type StripeEmulator, startStripeEmulator } from '@cardbridge/stripe-emulator';
import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppDeps } from '../../src/context.js';
import { createDeps } from '../../src/deps.js';
import { createLogger } from '../../src/logger.js';
import { migrationHandlers } from '../../src/services/migrations/index.js';
import { createTestApp, logSink, type TestApp, type TestTenant } from '../helpers.js';
import { emulatorStripe } from '../stripe-client.js';
import {
  allItems,
  bulkSource,
  expectAtStripe,
  exportedIds,
  SOURCES,
  servedRequests,
  settled,
  TOKENS,
  type VaultedCard,
  vaultedCards,
} from './bulk-export-helpers.js';

/*
 * Two workers on one bulk export: each with its own dependencies, its own pg-boss and (on
 * PostgreSQL) its own connection pool, as two `cardbridge worker` processes would be. Only a
 * real PostgreSQL server (TEST_DATABASE_URL) runs their transactions in parallel; PGlite runs
 * one at a time, so there the same test only checks the bookkeeping.
 */

const secretKey = 'sk_test_bulk_export_race';

describe('bulk export: two workers on one job', () => {
  let emulator: StripeEmulator;
  let stripe: Stripe;
  let app: TestApp;
  let secondDatabase: DatabaseHandle;
  let second: AppDeps;

  beforeAll(async () => {
    emulator = await startStripeEmulator();
    stripe = emulatorStripe(emulator.url, secretKey);
    app = await createTestApp();
    secondDatabase = app.database.url
      ? await openDatabase({ kind: 'postgres', url: app.database.url, maxConnections: 10 })
      : app.database;
    second = createDeps({
      database: secondDatabase,
      masterKey: app.deps.masterKey,
      logger: createLogger({ level: 'debug', destination: logSink }),
      stripeTimeoutMs: 2_000,
      gatewaySleep: async () => {},
      intentLeaseMs: 60_000,
      idempotencyLeaseMs: 60_000,
    });
  });
  afterAll(async () => {
    await second.jobs.stop();
    if (secondDatabase !== app.database) await secondDatabase.close();
    await app.close();
    await emulator.close();
  });

  async function exportJob(cards: number) {
    const t = await app.tenant();
    const target = await t.caller.gatewayAccounts.create({
      type: 'stripe',
      secretKey,
      apiBase: emulator.url,
    });
    const made = await vaultedCards(t, 2, cards / 2);
    const job = await t.caller.migrations.create({ source: bulkSource(target.id) });
    return { t, cards: made.cards, jobId: job.id };
  }

  /** Each card copied once, reported once, aliased once and audited once, as the job's change. */
  async function expectExactlyOnce(t: TestTenant, jobId: number, cards: VaultedCard[]) {
    const job = await settled(t.caller, jobId);
    expect(job.status).toBe('completed');
    expect(job.progress.counts).toEqual({ created: cards.length });
    const done = await allItems(t.caller, jobId);
    expect(done).toHaveLength(cards.length);
    expect(exportedIds(done)).toEqual(new Set(cards.map((c) => c.id)));
    expect(servedRequests(emulator, TOKENS)).toBe(cards.length);
    expect(servedRequests(emulator, SOURCES)).toBe(cards.length);
    await expectAtStripe(stripe, done, cards);
    for (const card of cards) {
      expect((await listExports(app.deps.db, t.tenantId, card.id)).map((e) => e.status)).toEqual([
        'succeeded',
      ]);
    }
    const audited = await listAuditEvents(app.deps.db, t.tenantId, { action: 'paymentMethods.export' });
    expect(audited.every((e) => e.actorKeyId === `job:${jobId}`)).toBe(true);
    expect(audited.map((e) => Number(e.targetId)).sort()).toEqual(cards.map((c) => c.id).sort());
  }

  it('both run the same chunk at the same moment: every card is copied and reported once', async () => {
    const { t, cards, jobId } = await exportJob(12);
    const task = { tenantId: t.tenantId, jobId };
    const workers = [migrationHandlers(app.deps), migrationHandlers(second)];
    await workers[0]!.readSource(task);
    emulator.resetRequestStats();

    const chunk = { ...task, chunkNo: 0 };
    const first = await Promise.allSettled(workers.map((w) => w.runChunk(chunk)));
    // A worker that meets the other's export of a card in flight gives the chunk back (a
    // CONFLICT: the queue delivers it again later) rather than copying or guessing.
    for (const outcome of first) {
      if (outcome.status === 'rejected') expect(outcome.reason).toMatchObject({ code: 'CONFLICT' });
    }
    // Deliver it again, as the queue would, until the job is done (the other finished by now).
    for (let delivery = 0; (await t.caller.migrations.get({ id: jobId })).status === 'running'; delivery++) {
      expect(delivery).toBeLessThan(3);
      await workers[1]!.runChunk(chunk);
    }
    await expectExactlyOnce(t, jobId, cards);
  });

  it('both take the job from the queue, its chunk delivered twice: every card is copied and reported once', async () => {
    const { t, cards, jobId } = await exportJob(8);
    const task = { tenantId: t.tenantId, jobId };
    await migrationHandlers(app.deps).readSource(task);
    // At-least-once delivery: the chunk's task a second time, as after a lost heartbeat.
    await app.deps.jobs.sendChunk({ ...task, chunkNo: 0 }, 1);
    emulator.resetRequestStats();
    await app.deps.jobs.work(migrationHandlers(app.deps));
    await second.jobs.work(migrationHandlers(second));
    await expectExactlyOnce(t, jobId, cards);
  });
});
