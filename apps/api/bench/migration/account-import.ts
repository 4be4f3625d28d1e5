import { createTestApp } from '@cardbridge/api/test/helpers.js';
import { MasterKey } from '@cardbridge/core';
import { sql } from '@cardbridge/db/testing';
import { startStripeEmulator } from '@cardbridge/stripe-emulator';
import Stripe from 'stripe';
import { settledJob, startWorkers, useServerDatabase } from './workers.js';

const customers = Number(process.env.BENCH_CUSTOMERS ?? 10_000);
const workerCount = Number(process.env.BENCH_WORKERS ?? 3);
const rate = Number(process.env.BENCH_RATE ?? 100);
const latencyMs = Number(process.env.BENCH_LATENCY_MS ?? 50);
const baselineCards = Number(process.env.BENCH_BASELINE_CARDS ?? 200);
const secretKey = 'sk_test_bench_account_import';
const rowsOf = <T>(r: unknown): T[] => (Array.isArray(r) ? r : (r as { rows: T[] }).rows) as T[];

useServerDatabase();

const emulator = await startStripeEmulator({ latencyMs, rateLimitPerSecond: rate });
await emulator.seedDemo({ seed: 2026, customers, cardsPerCustomer: 2, paymentMethodsPerCustomer: 0 });
const cards = customers * 2;
const stripe = new Stripe(secretKey, {
  host: new URL(emulator.url).hostname,
  port: Number(new URL(emulator.url).port),
  protocol: 'http',
  telemetry: false,
  maxNetworkRetries: 5,
});

// Baseline: what a script calling the seed's single-card import does, one card after another.
const sample: { customer: string; card: string }[] = [];
for await (const customer of stripe.customers.list({ limit: 100, expand: ['data.sources'] })) {
  for (const source of customer.sources?.data ?? []) sample.push({ customer: customer.id, card: source.id });
  if (sample.length >= baselineCards) break;
}
emulator.resetRequestStats();
const baselineStart = performance.now();
for (const { customer, card } of sample.slice(0, baselineCards))
  await stripe.customers.retrieveSource(customer, card);
const baselineCardsPerSecond = baselineCards / ((performance.now() - baselineStart) / 1000);

// cardbridge: the job on pg-boss, with worker processes.
const masterKey = MasterKey.generateBase64();
const app = await createTestApp({ masterKeyBase64: masterKey });
const t = await app.tenant();
const workers = await startWorkers({ databaseUrl: app.database.url!, masterKey, count: workerCount });

const account = (await t.caller.gatewayAccounts.create({ type: 'stripe', secretKey, apiBase: emulator.url }))
  .id;
emulator.resetRequestStats();
const started = performance.now();
const job = await t.caller.migrations.create({
  source: {
    kind: 'stripe_account',
    gatewayAccountId: account,
    paymentMethods: 'none',
    requestsPerSecond: rate,
  },
});
const final = await settledJob(() => t.caller.migrations.get({ id: job.id }));
const seconds = (performance.now() - started) / 1000;
const stats = emulator.requestStats();
const requestSeconds = ((stats.lastRequestAt ?? 0) - (stats.firstRequestAt ?? 0)) / 1000;
// Sustained: the listing without its first and last round trip. Nothing can be asked before
// the first answers (the account and the newest page), and a window's last page only after the
// one before it, so one latency at each end is idle for any client; in between, the budget.
const arrivals = emulator.requestArrivals();
const steady = arrivals.filter(
  (t) => t >= (arrivals[0] ?? 0) + latencyMs && t <= (arrivals.at(-1) ?? 0) - latencyMs,
);
const steadyRate = (steady.length - 1) / Math.max(((steady.at(-1) ?? 0) - (steady[0] ?? 0)) / 1000, 0.001);
if (process.env.BENCH_TIMELINE) {
  const t0 = arrivals[0] ?? 0;
  console.log(`arrivals (ms): ${arrivals.map((t) => Math.round(t - t0)).join(' ')}`);
}

// The same at a shape where requests, not rows, bound the job: every customer's PaymentMethods
// are listed (one request each), so the workers must keep the account's budget full.
const rateBound = await startStripeEmulator({ latencyMs, rateLimitPerSecond: rate });
const rateBoundCustomers = Math.min(customers, Number(process.env.BENCH_RATE_BOUND_CUSTOMERS ?? 2_000));
await rateBound.seedDemo({
  seed: 2027,
  customers: rateBoundCustomers,
  cardsPerCustomer: 1,
  paymentMethodsPerCustomer: 1,
});
const rateBoundAccount = (
  await t.caller.gatewayAccounts.create({ type: 'stripe', secretKey, apiBase: rateBound.url })
).id;
const rateBoundJob = await t.caller.migrations.create({
  source: {
    kind: 'stripe_account',
    gatewayAccountId: rateBoundAccount,
    paymentMethods: 'all',
    requestsPerSecond: rate,
  },
});
const rateBoundFinal = await settledJob(() => t.caller.migrations.get({ id: rateBoundJob.id }));
const rbStats = rateBound.requestStats();
const rbSeconds = ((rbStats.lastRequestAt ?? 0) - (rbStats.firstRequestAt ?? 0)) / 1000;
await rateBound.close();

const [held] = rowsOf<{ n: number; distinct_cards: number; customers: number }>(
  await app.database.db.execute(sql`select count(*)::int as n, count(distinct external_card_id)::int as distinct_cards,
    count(distinct customer_id)::int as customers from payment_methods
    where tenant_id = ${t.tenantId} and gateway_account_id = ${account} and status = 'active'`),
);
await workers.stop();
await app.close();
await emulator.close();

const minimumRequests = Math.ceil(customers / 100);
const sustained = stats.requests / Math.max(requestSeconds, 0.001);
const cardsPerSecond = (final.progress.counts.created ?? 0) / seconds;
const lost = cards - (held?.distinct_cards ?? 0);
const duplicated = (held?.n ?? 0) - (held?.distinct_cards ?? 0);
const row = (label: string, value: string, target: string) =>
  console.log(`${label.padEnd(44)} ${value.padStart(14)}   ${target}`);
console.log(
  `\nStripe account import: ${cards} cards over ${customers} customers, ${workerCount} workers, PostgreSQL`,
);
console.log(
  `emulator: ${rate} requests/s per account, ${latencyMs} ms latency; job ${final.status} in ${seconds.toFixed(1)} s\n`,
);
row(
  'sustained request rate while listing / limit',
  `${((steadyRate / rate) * 100).toFixed(1)} %`,
  `≥ 95 % (${steady.length} requests between the first and the last round trip)`,
);
row(
  'request rate, first request to last / limit',
  `${((sustained / rate) * 100).toFixed(1)} %`,
  `(${stats.requests} requests in ${requestSeconds.toFixed(2)} s, both ${latencyMs} ms round trips included)`,
);
row(
  'requests per card / minimum for the shape',
  `${(stats.requests / cards / (minimumRequests / cards)).toFixed(3)}×`,
  `≤ 1.10× (${stats.requests} requests, minimum ${minimumRequests})`,
);
row(
  'cards/s: cardbridge / naive baseline',
  `${(cardsPerSecond / baselineCardsPerSecond).toFixed(1)}×`,
  `≥ 50× (${cardsPerSecond.toFixed(0)} vs ${baselineCardsPerSecond.toFixed(1)} cards/s)`,
);
row('429 answers from the emulator', String(stats.rateLimited), '');
console.log(
  `\nRate-bound shape: ${rateBoundCustomers} customers with a source and a PaymentMethod each (paymentMethods: 'all'); job ${rateBoundFinal.status}`,
);
row(
  'sustained request rate / limit',
  `${((rbStats.requests / Math.max(rbSeconds, 0.001) / rate) * 100).toFixed(1)} %`,
  `≥ 95 % (${rbStats.requests} requests in ${rbSeconds.toFixed(1)} s, ${rbStats.rateLimited} answered 429)`,
);
row(
  'requests per customer / minimum',
  `${(rbStats.requests / (Math.ceil(rateBoundCustomers / 100) + rateBoundCustomers)).toFixed(3)}×`,
  '≤ 1.10× (a page per 100 customers + a PaymentMethod list each)',
);
row('lost / duplicated', `${lost} / ${duplicated}`, '0 / 0');
if (final.status !== 'completed' || rateBoundFinal.status !== 'completed' || lost !== 0 || duplicated !== 0) {
  process.exitCode = 1;
}
