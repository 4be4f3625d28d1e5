/**
 * How much the HTTP + tRPC layer adds to listing a customer's cards, as a ratio against the
 * same service call made in process, both measured in this run (absolute times on a shared
 * machine mean little). Run: pnpm --filter @cardbridge/api bench
 */
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type AppRouter, createLogger } from '@cardbridge/api';
import { listPaymentMethods } from '@cardbridge/api/src/services/payment-methods/index.js';
import { MasterKey } from '@cardbridge/core';
import { findApiKeyByKeyId, openDatabase } from '@cardbridge/db';
import { createTRPCClient, httpLink } from '@trpc/client';
import { startApp } from '../src/app.js';
import { parseEnv } from '../src/env.js';
import { seedPaymentMethod } from '../test/helpers.js';

const rounds = Number(process.env.BENCH_ROUNDS ?? 400);

async function time(label: string, fn: () => Promise<unknown>): Promise<number> {
  for (let i = 0; i < 30; i++) await fn(); // warm-up
  const started = performance.now();
  for (let i = 0; i < rounds; i++) await fn();
  const perCall = (performance.now() - started) / rounds;
  console.log(`${label.padEnd(34)} ${perCall.toFixed(3)} ms/call`);
  return perCall;
}

const dataDir = await mkdtemp(path.join(tmpdir(), 'cardbridge-bench-'));
const database = await openDatabase({ kind: 'pglite' });
const app = await startApp({
  env: parseEnv({
    PORT: '0',
    CARDBRIDGE_DATA_DIR: dataDir,
    CARDBRIDGE_MASTER_KEY: MasterKey.generateBase64(),
  }),
  database,
  logger: createLogger({ level: 'silent' }),
});
const key = (await readFile(app.bootstrapKeyFile, 'utf8')).trim();
const row = (await findApiKeyByKeyId(app.deps.db, key.slice(4, 16)))!;
const principal = {
  kind: 'api_key' as const,
  origin: 'bench',
  requestId: 'bench',
  tenantId: row.tenantId,
  apiKeyId: row.id,
  keyId: row.keyId,
  scopes: row.scopes,
};
const api = createTRPCClient<AppRouter>({
  links: [httpLink({ url: `${app.url}/trpc`, headers: { authorization: `Basic ${key}` } })],
});
const customer = await api.customers.create.mutate({ firstName: 'Bench' });
for (let i = 0; i < 10; i++) {
  await seedPaymentMethod(app.deps.db, row.tenantId, {
    customerId: customer.id,
    cardType: 'Visa',
    maskedCardNumber: '************4242',
    expirationMonth: 12,
    expirationYear: 2031,
  });
}
const input = { customerId: customer.id, limit: 10 };
const baseline = await time('in process (service call)', () =>
  listPaymentMethods(app.deps, principal, input),
);
const http = await time('HTTP + tRPC (auth, audit, zod)', () => api.paymentMethods.list.query(input));
console.log(`ratio HTTP+tRPC / in-process: ${(http / baseline).toFixed(2)}x over ${rounds} calls`);
await app.close();
