import { afterEach, describe, expect, it } from 'vitest';
import {
  type EmulatorStatsReport,
  readEmulatorStats,
  resetEmulatorStats,
  type StripeEmulator,
  startStripeEmulator,
} from '../src/index.js';
import { failure, raw, sdk } from './helpers.js';

/**
 * Request stats for benchmarks: counts per account and per route template, 429s and 5xx
 * served, first and last request times; read and reset in-process or over HTTP. A fake
 * clock makes the timestamps exact.
 */

const open: StripeEmulator[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((e) => e.close()));
});

const T0 = 1_750_000_000_000;

async function started() {
  let now = T0;
  const emulator = await startStripeEmulator({ clock: () => now, rateLimitPerAccount: { acct_1Tight: 1 } });
  open.push(emulator);
  return {
    emulator,
    stripe: sdk(emulator),
    tick: (ms = 10) => {
      now += ms;
    },
  };
}

describe('request stats', () => {
  it('counts per account and route template, with the 429s and 5xx served and the first/last request times', async () => {
    const { emulator, stripe, tick } = await started();
    const customer = await stripe.customers.create({ email: 'stats@example.com' });
    tick();
    await stripe.customers.retrieve(customer.id);
    tick();
    await stripe.customers.listSources(customer.id, { object: 'card' });
    tick();
    await stripe.customers.list({}, { stripeAccount: 'acct_1Tight' });
    tick();
    expect((await failure(stripe.customers.list({}, { stripeAccount: 'acct_1Tight' }))).statusCode).toBe(429);
    tick();
    emulator.injectFault({ kind: '5xx', status: 502, pathIncludes: '/v1/customers/' });
    expect((await failure(stripe.customers.retrieve(customer.id))).statusCode).toBe(502);
    tick();
    expect((await raw(emulator, 'GET', '/v1/nothing')).status).toBe(404);
    // The control plane is not counted.
    await fetch(`${emulator.url}/_emulator/health`);

    expect(emulator.requestStats()).toEqual({
      since: T0,
      firstRequestAt: T0,
      lastRequestAt: T0 + 60,
      requests: 7,
      rateLimited: 1,
      serverErrors: 1,
      unanswered: 0,
      byStatus: { '200': 4, '404': 1, '429': 1, '502': 1 },
      byAccount: {
        acct_1Tight: { requests: 2, rateLimited: 1, serverErrors: 0 },
        platform: { requests: 5, rateLimited: 0, serverErrors: 1 },
      },
      byRoute: {
        'GET (unrecognized)': { requests: 1, rateLimited: 0, serverErrors: 0 },
        'GET /v1/customers': { requests: 2, rateLimited: 1, serverErrors: 0 },
        'GET /v1/customers/:customer': { requests: 2, rateLimited: 0, serverErrors: 1 },
        'GET /v1/customers/:customer/sources': { requests: 1, rateLimited: 0, serverErrors: 0 },
        'POST /v1/customers': { requests: 1, rateLimited: 0, serverErrors: 0 },
      },
    });
  });

  it('GET /_emulator/stats (readEmulatorStats) adds totals, object counts and the knobs in force', async () => {
    const { emulator, stripe } = await started();
    await emulator.seedDemo({ seed: 1, customers: 4, cardsPerCustomer: 1 });
    emulator.setFaultRates({ fault429Rate: 0.25, faultSeed: 2 });
    emulator.setFaultRates({ fault429Rate: 0 });
    await stripe.customers.list();
    const report: EmulatorStatsReport = await readEmulatorStats(emulator.url);
    expect(report).toEqual({
      ...emulator.requestStats(),
      totalRequests: 1,
      objects: { accounts: 1, customers: 4, cards: 4, paymentMethods: 4, charges: 0, refunds: 0 },
      config: {
        latencyMs: 0,
        rateLimitPerSecond: null,
        rateLimitPerAccount: { acct_1Tight: 1 },
        fault429Rate: 0,
        fault5xxRate: 0,
        faultSeed: 2,
        faultsQueued: 0,
      },
    });
  });

  it('reset (POST /_emulator/stats/reset, resetEmulatorStats or resetRequestStats) starts the counts again', async () => {
    const { emulator, stripe, tick } = await started();
    await stripe.customers.list();
    tick(500);
    await resetEmulatorStats(emulator.url);
    expect(emulator.requestStats()).toMatchObject({
      since: T0 + 500,
      firstRequestAt: null,
      lastRequestAt: null,
      requests: 0,
      byAccount: {},
      byRoute: {},
      byStatus: {},
    });
    tick(500);
    await stripe.customers.list();
    expect(emulator.requestStats()).toMatchObject({ requests: 1, firstRequestAt: T0 + 1000 });
    const viaHttp = await fetch(`${emulator.url}/_emulator/stats/reset`, { method: 'POST' });
    expect(await viaHttp.json()).toEqual({ ok: true, since: T0 + 1000 });
    emulator.resetRequestStats();
    const after = await readEmulatorStats(emulator.url);
    expect(after.requests).toBe(0);
    expect(after.totalRequests).toBe(2);
  });

  it('requests a fault left unanswered are counted apart', async () => {
    const { emulator, stripe } = await started();
    emulator.injectFault({ kind: 'drop', count: 2 });
    expect((await failure(stripe.customers.list())).type).toBe('StripeConnectionError');
    expect(emulator.requestStats()).toMatchObject({ requests: 2, unanswered: 2, byStatus: {} });
  });
});
