import { freshCardNumber } from '@cardbridge/api/test/card-data.js';
import { createTestApp } from '@cardbridge/api/test/helpers.js';
import { MasterKey } from '@cardbridge/core';
import { startStripeEmulator } from '@cardbridge/stripe-emulator';
import { settledJob, startWorkers, useServerDatabase } from './workers.js';

const cards = Number(process.env.BENCH_CARDS ?? 1_000);
const workerCount = Number(process.env.BENCH_WORKERS ?? 3);
const rate = Number(process.env.BENCH_RATE ?? 100);
const latencyMs = Number(process.env.BENCH_LATENCY_MS ?? 50);
const secretKey = 'sk_test_bench_bulk_export';

useServerDatabase();

const emulator = await startStripeEmulator({ latencyMs, rateLimitPerSecond: rate });
const masterKey = MasterKey.generateBase64();
const app = await createTestApp({ masterKeyBase64: masterKey });
const t = await app.tenant();
// The vault's cards: 2 per customer, through the PCI path.
for (let c = 0; c < cards / 2; c++) {
  const customerId = (await t.caller.customers.create({ firstName: `Bench${c}`, lastName: 'Export' })).id;
  for (let k = 0; k < 2; k++) {
    await t.caller.paymentMethods.createCard({
      customerId,
      cardNumber: freshCardNumber('4', 16),
      expirationMonth: 1 + ((c + k) % 12),
      expirationYear: 31,
      firstName: `Bench${c}`,
      lastName: 'Export',
    });
  }
}

const workers = await startWorkers({ databaseUrl: app.database.url!, masterKey, count: workerCount });

const target = (await t.caller.gatewayAccounts.create({ type: 'stripe', secretKey, apiBase: emulator.url }))
  .id;
emulator.resetRequestStats();
const started = performance.now();
const job = await t.caller.migrations.create({
  source: { kind: 'bulk_export', targetGatewayAccountId: target, requestsPerSecond: rate },
});
const final = await settledJob(() => t.caller.migrations.get({ id: job.id }));
const seconds = (performance.now() - started) / 1000;
const stats = emulator.requestStats();
const requestSeconds = ((stats.lastRequestAt ?? 0) - (stats.firstRequestAt ?? 0)) / 1000;
const atTarget = emulator.stats(null);
await workers.stop();
await app.close();
await emulator.close();

const sustained = stats.requests / Math.max(requestSeconds, 0.001);
const row = (label: string, value: string, target: string) =>
  console.log(`${label.padEnd(40)} ${value.padStart(14)}   ${target}`);
console.log(`\nBulk export: ${cards} vaulted cards to a Stripe account, ${workerCount} workers, PostgreSQL`);
console.log(
  `emulator: ${rate} requests/s per account, ${latencyMs} ms latency; job ${final.status} in ${seconds.toFixed(1)} s\n`,
);
row('sustained request rate / limit', `${((sustained / rate) * 100).toFixed(1)} %`, '≥ 95 %');
row(
  'requests per card',
  (stats.requests / cards).toFixed(2),
  `${stats.requests} requests, ${stats.rateLimited} answered 429`,
);
row(
  'cards at the target / exported',
  `${atTarget.cards} / ${final.progress.counts.created ?? 0}`,
  `${cards} / ${cards}`,
);
if (final.status !== 'completed' || atTarget.cards !== cards || final.progress.counts.created !== cards)
  process.exitCode = 1;
