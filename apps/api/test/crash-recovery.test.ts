/**
 * Crash safety from outside: the real server as a child process, SIGKILLed at random points of
 * a mixed write loop (replace with collection, import, create at Stripe, delete at Stripe, set
 * default) at least 20 times and restarted on the same database each time. Then, after one
 * recovery pass, by SQL and at the Stripe emulator: no charge without a committed replacement
 * unless refunded, no card we made at Stripe without a row unless removed, an audit row for
 * every payment method, at most one default per customer, exactly one successor per replaced
 * card. The kill points are random by design; what is asserted holds wherever they fall.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ApiKeyCache } from '@cardbridge/api/src/auth/api-key-cache.js';
import { defaultRateLimits, RateLimits } from '@cardbridge/api/src/auth/rate-limits.js';
import type { AppDeps } from '@cardbridge/api/src/context.js';
import { GatewayRegistry } from '@cardbridge/api/src/gateways/registry.js';
import { createLogger } from '@cardbridge/api/src/logger.js';
import { recoverGatewayIntents } from '@cardbridge/api/src/services/payment-methods/index.js';
import { freshCardNumber, freshCvv } from '@cardbridge/api/test/card-data.js';
import { emulatorStripe } from '@cardbridge/api/test/stripe-client.js';
import { MasterKey, Vault } from '@cardbridge/core';
import { type DatabaseHandle, dataKeyStore, openDatabase } from '@cardbridge/db';
import { createPostgresTestDatabase, sql } from '@cardbridge/db/testing';
import { type StripeEmulator, startStripeEmulator } from '@cardbridge/stripe-emulator';
import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const mainTs = path.join(root, 'apps', 'api', 'src', 'main.ts');
const kills = Number(process.env.CRASH_KILLS ?? 20);
const secretKey = 'sk_test_cardbridgeCrash01';
const masterKey = MasterKey.generateBase64();

interface Running {
  child: ChildProcess;
  url: string;
  exited: Promise<void>;
}

const random = (n: number) => Math.floor(Math.random() * n);

describe('kill -9 during writes, then recovery', () => {
  let emulator: StripeEmulator;
  let stripe: Stripe;
  let dataDir: string;
  let pgDatabase: (DatabaseHandle & { url: string }) | undefined;
  let bootstrapKey: string;

  const env = () => {
    const base: NodeJS.ProcessEnv = {};
    for (const [k, v] of Object.entries(process.env)) {
      if (!k.startsWith('CARDBRIDGE_') && !['DATABASE_URL', 'PORT', 'HOST'].includes(k)) base[k] = v;
    }
    return {
      ...base,
      PORT: '0',
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      CARDBRIDGE_DATA_DIR: dataDir,
      CARDBRIDGE_MASTER_KEY: masterKey,
      CARDBRIDGE_INTENT_LEASE_MS: '1000',
      CARDBRIDGE_RECOVERY_INTERVAL_MS: '200',
      ...(pgDatabase ? { DATABASE_URL: pgDatabase.url } : {}),
    };
  };

  async function startServer(): Promise<Running> {
    const child = spawn(process.execPath, ['--import', 'tsx', mainTs], {
      cwd: root,
      env: env(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    let out = '';
    let err = '';
    child.stderr!.on('data', (d) => {
      err += String(d);
    });
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout!.on('data', (d) => {
        out += String(d);
        const m = /listening on (http:\/\/\S+)/.exec(out);
        if (m?.[1]) resolve(m[1]);
      });
      void exited.then(() => reject(new Error(`server exited:\n${out}\n${err}`)));
    });
    return { child, url, exited };
  }

  async function call<T>(url: string, key: string, procedure: string, input?: unknown): Promise<T> {
    const query = procedure.endsWith('.list');
    const res = await fetch(
      `${url}/trpc/${procedure}${query ? `?input=${encodeURIComponent(JSON.stringify(input))}` : ''}`,
      {
        method: query ? 'GET' : 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        ...(query ? {} : { body: JSON.stringify(input ?? null) }),
      },
    );
    const body = (await res.json()) as { result?: { data: T }; error?: { message: string } };
    if (!body.result) throw new Error(`${procedure}: ${res.status} ${body.error?.message}`);
    return body.result.data;
  }

  beforeAll(async () => {
    emulator = await startStripeEmulator();
    stripe = emulatorStripe(emulator.url, secretKey);
    dataDir = await mkdtemp(path.join(tmpdir(), 'cardbridge-crash-'));
    if (process.env.TEST_DATABASE_URL)
      pgDatabase = await createPostgresTestDatabase(process.env.TEST_DATABASE_URL);
    const first = await startServer();
    const { readFile } = await import('node:fs/promises');
    bootstrapKey = (await readFile(path.join(dataDir, 'bootstrap-admin.key'), 'utf8')).trim();
    first.child.kill('SIGTERM');
    await first.exited;
  }, 120_000);

  afterAll(async () => {
    await emulator.close();
    await pgDatabase?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it(`keeps money and cards exactly once across ${kills} kill -9`, async () => {
    // Set-up on a first life: a tenant, a Stripe account, customers with a card each.
    let server = await startServer();
    const tenant = await call<{ adminKey: { secret: string } }>(server.url, bootstrapKey, 'tenants.create', {
      name: 'Crash tenant',
    });
    const key = tenant.adminKey.secret;
    const account = await call<{ id: number }>(server.url, key, 'gatewayAccounts.create', {
      type: 'stripe',
      secretKey,
      apiBase: emulator.url,
      isDefault: true,
    });
    const customers: number[] = [];
    for (let i = 0; i < 4; i++) {
      customers.push(
        (await call<{ id: number }>(server.url, key, 'customers.create', { firstName: `C${i}` })).id,
      );
    }
    const newCard = (customerId: number) => ({
      customerId,
      cardNumber: freshCardNumber(),
      cvv: freshCvv(),
      expirationMonth: 12,
      expirationYear: 2031,
      firstName: 'Crash',
      lastName: 'Test',
    });

    /** One random write; failures (refusals, the kill) are part of the game. */
    const oneWrite = async (url: string) => {
      const customerId = customers[random(customers.length)]!;
      const cards = (
        await call<{ data: { id: number; storedInVault: boolean }[] }>(url, key, 'paymentMethods.list', {
          customerId,
          limit: 100,
        })
      ).data;
      const some = cards[random(Math.max(cards.length, 1))];
      switch (cards.length === 0 ? 0 : random(5)) {
        case 0:
          return call(url, key, 'paymentMethods.createCard', {
            ...newCard(customerId),
            verify: true,
            gatewayAccountId: account.id,
          });
        case 1:
          if (!some?.storedInVault) return;
          return call(url, key, 'paymentMethods.replaceCreditCard', {
            id: some.id,
            ...newCard(customerId),
            paymentCollectOptions: { collectionAmount: 1 + random(50), currency: 'usd' },
          });
        case 2: {
          const sc = await stripe.customers.create({ email: 'crash@example.com' });
          const src = (await stripe.customers.createSource(sc.id, {
            source: 'tok_mastercard',
          })) as Stripe.Card;
          return call(url, key, 'paymentMethods.importStripeCard', {
            customerId,
            stripeCustomerId: sc.id,
            stripeCardId: src.id,
            gatewayAccountId: account.id,
          });
        }
        case 3:
          return call(url, key, 'paymentMethods.delete', { id: some!.id, atGateway: true });
        default:
          return call(url, key, 'paymentMethods.setDefault', { id: some!.id });
      }
    };

    for (let life = 0; life < kills; life++) {
      if (life > 0) server = await startServer();
      const { url } = server;
      let alive = true;
      let done = 0;
      const enough = 2 + random(8);
      let reached: () => void = () => {};
      const progress = new Promise<void>((resolve) => {
        reached = resolve;
      });
      const workers = Array.from({ length: 4 }, async () => {
        while (alive) {
          await oneWrite(url).catch(() => {});
          if (++done >= enough) reached();
        }
      });
      // A random point of the loop: after a random number of writes, plus a random moment.
      await progress;
      await new Promise((resolve) => setTimeout(resolve, random(400)));
      server.child.kill('SIGKILL');
      await server.exited;
      alive = false;
      await Promise.all(workers);
    }

    // One more life ends cleanly, then a recovery pass in-process over the same database with a
    // clock past every lease: what the crashes left pending is resolved now.
    server = await startServer();
    server.child.kill('SIGTERM');
    await server.exited;
    const database = pgDatabase
      ? await openDatabase({ kind: 'postgres', url: pgDatabase.url })
      : await openDatabase({ kind: 'pglite', dataDir: path.join(dataDir, 'pgdata') });
    try {
      const master = MasterKey.fromBase64(masterKey);
      const vault = new Vault(master, dataKeyStore(database.db));
      const deps: AppDeps = {
        db: database.db,
        vault,
        masterKey: master,
        gateways: new GatewayRegistry(vault, {
          db: database.db,
          stripeTimeoutMs: 5_000,
          sleep: async () => {},
          apiBases: { allowList: [], allowLoopback: true },
        }),
        logger: createLogger({ level: 'silent' }),
        clock: () => new Date(Date.now() + 3_600_000),
        isProduction: false,
        intentLeaseMs: 1_000,
        idempotencyLeaseMs: 1_000,
        rateLimits: new RateLimits(defaultRateLimits),
        apiKeyCache: new ApiKeyCache({ ttlMs: 0, clock: () => new Date() }),
        ping: () => database.ping(),
      };
      const recovered = await recoverGatewayIntents(deps);
      expect(recovered.deferred).toBe(0);
      const q = async <T>(query: ReturnType<typeof sql>) => {
        const r = await database.db.execute(query);
        return (Array.isArray(r) ? r : (r as unknown as { rows: T[] }).rows) as T[];
      };

      expect(await q(sql`select id, action from gateway_intents where state = 'pending'`)).toEqual([]);

      // Every charge at Stripe: its intent committed with a replacement, or refunded.
      const intentState = new Map(
        (await q<{ id: string; state: string }>(sql`select id::text, state from gateway_intents`)).map(
          (r) => [r.id, r.state],
        ),
      );
      const charges = [];
      for await (const c of stripe.charges.list({ limit: 100 })) charges.push(c);
      expect(charges.length).toBeGreaterThan(0);
      for (const c of charges) {
        const state = intentState.get(c.metadata.cardbridge_intent ?? '');
        expect({ charge: c.id, refunded: c.refunded, state }).toEqual(
          expect.objectContaining(c.refunded ? { refunded: true } : { state: 'committed' }),
        );
      }

      // Every card we made at Stripe is held by a payment method, or was removed.
      const held = new Set(
        (
          await q<{ id: string }>(
            sql`select external_card_id as id from payment_methods where external_card_id is not null`,
          )
        ).map((r) => r.id),
      );
      const stripeCustomers = await q<{ id: string }>(
        sql`select distinct external_customer_id as id from gateway_customers`,
      );
      for (const { id } of stripeCustomers) {
        const sources = await stripe.customers.listSources(id, { object: 'card', limit: 100 });
        for (const card of sources.data as Stripe.Card[]) {
          if (card.metadata?.cardbridge_intent)
            expect({ card: card.id, held: held.has(card.id) }).toEqual({ card: card.id, held: true });
        }
      }

      expect(
        await q(sql`select pm.id from payment_methods pm where not exists (
          select 1 from audit_events a where a.tenant_id = pm.tenant_id and a.outcome = 'success'
            and (a.target_id = pm.id::text or a.details->>'replacedPaymentMethodId' = pm.id::text))`),
      ).toEqual([]);
      expect(
        await q(
          sql`select customer_id from payment_methods where is_default group by customer_id having count(*) > 1`,
        ),
      ).toEqual([]);
      expect(
        await q(sql`select old.id from payment_methods old where old.status = 'replaced' and
          (select count(*) from payment_methods n where n.original_payment_method_id = old.id) <> 1`),
      ).toEqual([]);
    } finally {
      await database.close();
    }
  }, 600_000);
});
