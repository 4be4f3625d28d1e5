import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTestApp, type TestApp, type TestTenant } from '@cardbridge/api/test/helpers.js';
import { MasterKey } from '@cardbridge/core';
import { sql } from '@cardbridge/db/testing';
import { type StripeEmulator, startStripeEmulator } from '@cardbridge/stripe-emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/*
 * Workers die mid-import: three `cardbridge worker` processes on one PostgreSQL database take a
 * 10,000-card Stripe account import, and one of them is killed with SIGKILL 20 times (each time
 * replaced). The job must end with exactly the source: every card once, every customer once,
 * one audit row per card. PostgreSQL only: on the embedded database no second process can work.
 */

const root = fileURLToPath(new URL('../../..', import.meta.url));
const workerTs = path.join(root, 'apps', 'api', 'src', 'worker.ts');
const kills = Number(process.env.WORKER_KILLS ?? 20);
const customers = Number(process.env.WORKER_KILL_CUSTOMERS ?? 5_000);
const secretKey = 'sk_test_migration_kill_1';
const masterKey = MasterKey.generateBase64();

const rowsOf = <T>(r: unknown): T[] => (Array.isArray(r) ? r : (r as { rows: T[] }).rows) as T[];

describe.skipIf(!process.env.TEST_DATABASE_URL)('migration workers killed with SIGKILL', () => {
  let emulator: StripeEmulator;
  let app: TestApp;
  let t: TestTenant;
  let dataDir: string;
  const workers = new Set<ChildProcess>();

  function startWorker(): Promise<ChildProcess> {
    const env: NodeJS.ProcessEnv = {};
    for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('CARDBRIDGE_')) env[k] = v;
    const child = spawn(process.execPath, ['--import', 'tsx', workerTs], {
      cwd: root,
      env: {
        ...env,
        NODE_ENV: 'test',
        LOG_LEVEL: 'silent',
        DATABASE_URL: app.database.url,
        CARDBRIDGE_DATA_DIR: dataDir,
        CARDBRIDGE_MASTER_KEY: masterKey,
        CARDBRIDGE_WORKER_CONCURRENCY: '4',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    workers.add(child);
    child.once('exit', () => workers.delete(child));
    return new Promise((resolve, reject) => {
      let out = '';
      child.stdout!.on('data', (d) => {
        out += String(d);
        if (out.includes('working on migration jobs')) resolve(child);
      });
      child.once('exit', (code) => reject(new Error(`worker exited (${code}) before it started: ${out}`)));
    });
  }

  beforeAll(async () => {
    emulator = await startStripeEmulator();
    await emulator.seedDemo({ seed: 303, customers, cardsPerCustomer: 2, paymentMethodsPerCustomer: 0 });
    dataDir = await mkdtemp(path.join(tmpdir(), 'cardbridge-workers-'));
    app = await createTestApp({ masterKeyBase64: masterKey });
    t = await app.tenant();
  });
  afterAll(async () => {
    for (const w of workers) w.kill('SIGKILL');
    await app?.close();
    await emulator?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it(`imports ${customers * 2} cards exactly once across ${kills} SIGKILLs of its workers`, async () => {
    await Promise.all([startWorker(), startWorker(), startWorker()]);
    const account = (
      await t.caller.gatewayAccounts.create({ type: 'stripe', secretKey, apiBase: emulator.url })
    ).id;
    const job = await t.caller.migrations.create({
      source: {
        kind: 'stripe_account',
        gatewayAccountId: account,
        paymentMethods: 'none',
        requestsPerSecond: 1000,
      },
    });

    for (let k = 0; k < kills; k++) {
      // Let the workers get into the middle of something, then kill one of them.
      const done = (await t.caller.migrations.get({ id: job.id })).progress.done;
      for (;;) {
        const now = await t.caller.migrations.get({ id: job.id });
        if (now.progress.done > done || now.status === 'completed') break;
        await new Promise((r) => setTimeout(r, 20));
      }
      const victims = [...workers];
      victims[Math.floor(Math.random() * victims.length)]?.kill('SIGKILL');
      await startWorker();
    }

    let final = await t.caller.migrations.get({ id: job.id });
    while (final.status !== 'completed' && final.status !== 'failed') {
      await new Promise((r) => setTimeout(r, 200));
      final = await t.caller.migrations.get({ id: job.id });
    }
    expect(final.status).toBe('completed');
    expect(final.progress).toMatchObject({
      total: customers * 2,
      done: customers * 2,
      counts: { created: customers * 2 },
    });

    const db = app.database.db;
    const [cards] = rowsOf<{ n: number; distinct_cards: number; customers: number }>(
      await db.execute(sql`select count(*)::int as n, count(distinct external_card_id)::int as distinct_cards,
        count(distinct customer_id)::int as customers
        from payment_methods where tenant_id = ${t.tenantId} and status = 'active'`),
    );
    expect(cards).toEqual({ n: customers * 2, distinct_cards: customers * 2, customers });
    const [tenantCustomers] = rowsOf<{ n: number }>(
      await db.execute(sql`select count(*)::int as n from customers where tenant_id = ${t.tenantId}`),
    );
    expect(tenantCustomers!.n).toBe(customers);
    const [audited] = rowsOf<{ n: number }>(
      await db.execute(
        sql`select count(*)::int as n from audit_events where tenant_id = ${t.tenantId} and action = 'migrations.importCard'`,
      ),
    );
    expect(audited!.n).toBe(customers * 2);
    const [defaults] = rowsOf<{ n: number }>(
      await db.execute(
        sql`select count(*)::int as n from payment_methods where tenant_id = ${t.tenantId} and is_default`,
      ),
    );
    expect(defaults!.n).toBe(customers);
  }, 900_000);
});
