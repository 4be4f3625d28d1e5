import { type StripeEmulator, startStripeEmulator } from '@cardbridge/stripe-emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrationHandlers } from '../../src/services/migrations/index.js';
import { createTestApp, type TestApp } from '../helpers.js';
import { allItems, settled } from './job-helpers.js';

/*
 * How an account's listing starts: the account (for its creation date, which cuts the
 * `created` windows) and its newest page are asked for at once. A small account is then read
 * whole; a large one's newest page is its newest window's first page.
 */

const secretKey = 'sk_test_migrations_windows_1';
const SMALL = 'acct_windowsSmall1';
const LARGE = 'acct_windowsLarge1';

describe('migration job: the start of an account listing', () => {
  let emulator: StripeEmulator;
  let app: TestApp;

  beforeAll(async () => {
    emulator = await startStripeEmulator();
    const shape = { cardsPerCustomer: 1, paymentMethodsPerCustomer: 0 };
    await emulator.seedDemo({ seed: 5, stripeAccount: SMALL, customers: 60, ...shape });
    await emulator.seedDemo({ seed: 6, stripeAccount: LARGE, customers: 1000, ...shape });
    app = await createTestApp();
    await app.deps.jobs.work(migrationHandlers(app.deps));
  });
  afterAll(async () => {
    await app.close();
    await emulator.close();
  });

  async function importAccount(connectedAccountId: string) {
    const t = await app.tenant();
    const gatewayAccountId = (
      await t.caller.gatewayAccounts.create({
        type: 'stripe',
        secretKey,
        apiBase: emulator.url,
        connectedAccountId,
      })
    ).id;
    emulator.resetRequestStats();
    const source = { kind: 'stripe_account' as const, gatewayAccountId, paymentMethods: 'none' as const };
    const job = await settled(
      t.caller,
      (await t.caller.migrations.create({ source: { ...source, requestsPerSecond: 1000 } })).id,
    );
    return { t, job, stats: emulator.requestStats() };
  }

  it('an account of one page costs two requests: the account and that page', async () => {
    const { t, job, stats } = await importAccount(SMALL);
    expect(job.status).toBe('completed');
    expect(job.progress.counts).toEqual({ created: 60 });
    expect(stats.requests).toBe(2);
    expect(job.progress.requests).toBe(2);
    expect(new Set((await allItems(t.caller, job.id)).map((i) => i.sourceCardId)).size).toBe(60);
  });

  it("a large account's newest page is its newest window's first: no request is spent twice", async () => {
    const { t, job, stats } = await importAccount(LARGE);
    expect(job.status).toBe('completed');
    expect(job.progress.counts).toEqual({ created: 1000 });
    expect(new Set((await allItems(t.caller, job.id)).map((i) => i.sourceCardId)).size).toBe(1000);
    // 1,000 customers spread evenly from a month after the account opened: 8 windows of about
    // 110–127 customers, two pages each (16), the newest window's first page being the one
    // asked for at the start, plus the account: 17. Had that page been dropped, 18.
    expect(stats.byRoute['GET /v1/customers']?.requests).toBe(16);
    expect(stats.requests).toBe(17);
  });
});
