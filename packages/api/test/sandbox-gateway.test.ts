import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { MasterKey, Vault } from '@cardbridge/core';
import { runGatewayContract } from '@cardbridge/core/testing';
import {
  type DatabaseHandle,
  dataKeyStore,
  getGatewayAccount,
  insertGatewayAccount,
  insertTenant,
  migrationsFolder,
} from '@cardbridge/db';
import { createEmptyTestDatabase, createTestDatabase, sql } from '@cardbridge/db/testing';
import { createSandboxGateway } from '@cardbridge/gateway-sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStripeEmulator } from '../../stripe-emulator/src/index.js';
import { createInternalContext } from '../src/context.js';
import { createDeps } from '../src/deps.js';
import { createLogger } from '../src/logger.js';
import { appRouter } from '../src/routers/index.js';
import { issueApiKey } from '../src/services/access.js';
import { createCallerFactory } from '../src/trpc.js';
import { freshCardNumber } from './card-data.js';
import { createTestApp, errorOf, type TestApp } from './helpers.js';

const createCaller = createCallerFactory(appRouter);
const holder = { expirationMonth: 12, expirationYear: 40, firstName: 'Sand', lastName: 'Box' };

/*
 * The sandbox gateway kind keeps its state in the database (on PGlite, or on PostgreSQL with
 * TEST_DATABASE_URL): the shared contract suite, state across a restart, the migration of
 * pre-kind gateway accounts, and capability refusals.
 */

runGatewayContract('sandbox gateway (database-backed)', async () => {
  const database = await createTestDatabase();
  const tenant = await insertTenant(database.db, { name: 'sandbox contract' });
  const account = await insertGatewayAccount(database.db, tenant.id, { kind: 'sandbox', name: 'sandbox' });
  return {
    gateway: createSandboxGateway(database.db, { gatewayAccountId: account.id, tenantId: tenant.id }),
    tokens: {
      visa: 'tok_visa',
      declined: 'tok_chargeDeclined',
      chargeDeclines: 'tok_chargeCustomerFail',
      paymentMethod: 'pm_card_visa',
    },
    teardown: () => database.close(),
  };
});

const quietDeps = (database: DatabaseHandle, masterKey: MasterKey) =>
  createDeps({
    database,
    masterKey,
    logger: createLogger({ level: 'silent' }),
    gatewaySleep: async () => {},
    stripeTimeoutMs: 2_000,
  });

describe('sandbox state survives a restart', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp();
  });
  afterAll(() => app.close());

  it('a card created through one AppDeps is retrievable and chargeable through another over the same database', async () => {
    const t = await app.tenant();
    const customerId = (await t.caller.customers.create({ firstName: 'Re', lastName: 'Start' })).id;
    const card = await t.caller.paymentMethods.createCard({
      customerId,
      cardNumber: freshCardNumber(),
      ...holder,
      verify: true,
    });
    expect(card.externalCardId).toMatch(/^tcard_s\d+_\d+$/);
    const accountId = card.gatewayAccountId!;

    // "Restart": new dependencies (a new registry, new adapters) over the same database.
    const restarted = quietDeps(app.database, app.deps.masterKey);
    const caller = createCaller(createInternalContext(restarted, `Bearer ${t.key}`));
    const sandbox = restarted.gateways.testGateway(accountId);
    const ref = { externalCustomerId: card.externalCustomerId!, externalCardId: card.externalCardId! };
    await expect(sandbox.retrieveCard(ref)).resolves.toMatchObject({
      last4: card.maskedCardNumber.slice(-4),
    });
    const charge = await sandbox.charge({
      ...ref,
      amountMinor: 1234,
      currency: 'usd',
      idempotencyKey: 'restart-1',
    });
    expect(charge.status).toBe('succeeded');
    expect(await sandbox.listCharges()).toEqual([
      expect.objectContaining({ id: charge.chargeId, amountMinor: 1234 }),
    ]);

    // And through the API: a replace with collection charges the gateway customer made before the restart.
    const replaced = await caller.paymentMethods.replaceCreditCard({
      id: card.id,
      customerId,
      cardNumber: freshCardNumber(),
      ...holder,
      paymentCollectOptions: { collectionAmount: 5 },
    });
    expect(replaced.collected).toMatchObject({ status: 'succeeded' });
    expect(replaced.externalCustomerId).toBe(card.externalCustomerId);
    expect(await sandbox.listCharges()).toHaveLength(2);
    // The first process's adapter sees the same state.
    expect(await app.deps.gateways.testGateway(accountId).listCharges()).toHaveLength(2);
  });

  it('sandbox state is scoped by account and tenant', async () => {
    const a = await app.tenant();
    const b = await app.tenant();
    const accountA = (await a.caller.gatewayAccounts.list())[0]!.id;
    const accountB = (await b.caller.gatewayAccounts.list())[0]!.id;
    const customerId = (await a.caller.customers.create({ firstName: 'A' })).id;
    const card = await a.caller.paymentMethods.createCard({
      customerId,
      cardNumber: freshCardNumber(),
      ...holder,
      verify: true,
    });
    const ref = { externalCustomerId: card.externalCustomerId!, externalCardId: card.externalCardId! };
    await expect(app.deps.gateways.testGateway(accountA).retrieveCard(ref)).resolves.toBeTruthy();
    await expect(app.deps.gateways.testGateway(accountB).retrieveCard(ref)).rejects.toThrow(
      /No such customer/,
    );
    const rows = await app.database.db.execute<{ tenant_id: number }>(
      sql`select distinct tenant_id from sandbox_cards where gateway_account_id = ${accountA}`,
    );
    const list = (Array.isArray(rows) ? rows : (rows as { rows: { tenant_id: number }[] }).rows) as {
      tenant_id: number;
    }[];
    expect(list.map((r) => r.tenant_id)).toEqual([a.tenantId]);
  });
});

describe('gateway accounts by kind', () => {
  let app: TestApp;
  let emulator: Awaited<ReturnType<typeof startStripeEmulator>>;
  beforeAll(async () => {
    app = await createTestApp();
    emulator = await startStripeEmulator();
  });
  afterAll(async () => {
    await emulator.close();
    await app.close();
  });

  it("accepts 'sandbox' as well as 'test', and shows both as type 'test'", async () => {
    const t = await app.tenant();
    const account = await t.caller.gatewayAccounts.create({ type: 'sandbox', name: 'Sandbox' });
    expect(account).toMatchObject({ type: 'test', livemode: false, apiBase: null, secretKeyLast4: null });
    const row = await getGatewayAccount(app.database.db, t.tenantId, account.id);
    expect(row).toMatchObject({ kind: 'sandbox', config: {}, credentialsCiphertext: null });
  });

  it('stores Stripe credentials sealed as JSON and the rest as config; the DTO is unchanged', async () => {
    const t = await app.tenant();
    const secretKey = 'sk_test_kindsCredentials1234';
    const account = await t.caller.gatewayAccounts.create({
      type: 'stripe',
      secretKey,
      connectedAccountId: 'acct_1KindConnect',
      apiBase: emulator.url,
    });
    expect(account).toMatchObject({
      type: 'stripe',
      name: 'Stripe Connect acct_1KindConnect',
      livemode: false,
      connectedAccountId: 'acct_1KindConnect',
      apiBase: emulator.url,
      secretKeyLast4: '1234',
    });
    const row = (await getGatewayAccount(app.database.db, t.tenantId, account.id))!;
    expect(row).toMatchObject({
      kind: 'stripe',
      credentialsFormat: 'json',
      credentialsHint: '1234',
      config: { livemode: false, connectedAccountId: 'acct_1KindConnect', apiBase: emulator.url },
    });
    expect(row.credentialsCiphertext).not.toContain(secretKey);
    const opened = await app.deps.vault.openGatewaySecret(t.tenantId, row.id, {
      ciphertext: row.credentialsCiphertext!,
      keyVersion: row.credentialsKeyVersion!,
    });
    expect(JSON.parse(opened)).toEqual({ secretKey });
  });

  it('capability refusals are 400s naming the account', async () => {
    const t = await app.tenant();
    const sandboxId = (await t.caller.gatewayAccounts.list())[0]!.id;
    const customerId = (await t.caller.customers.create({ firstName: 'Cap' })).id;
    const importInput = {
      customerId,
      stripeCustomerId: 'cus_123',
      stripeCardId: 'card_123',
      gatewayAccountId: sandboxId,
    };
    const noImport = await errorOf(() => t.caller.paymentMethods.importStripeCard(importInput));
    expect(noImport).toMatchObject({ code: 'BAD_REQUEST', domainCode: 'VALIDATION_FAILED' });
    expect(noImport.message).toContain(
      `gateway account ${sandboxId} (sandbox) cannot import cards by reference: its kind lacks the 'import' capability`,
    );

    const platform = await t.caller.gatewayAccounts.create({
      type: 'stripe',
      secretKey: 'sk_test_kindsPlatform5678',
      apiBase: emulator.url,
    });
    const noConnect = await errorOf(() =>
      t.caller.paymentMethods.importStripeConnectCard({ ...importInput, gatewayAccountId: platform.id }),
    );
    expect(noConnect).toMatchObject({ code: 'BAD_REQUEST', domainCode: 'VALIDATION_FAILED' });
    expect(noConnect.message).toContain(
      `gateway account ${platform.id} (stripe) cannot act on a connected account (Stripe Connect): its kind lacks the 'connect' capability`,
    );
  });
});

describe('migration 0002: pre-kind gateway accounts', () => {
  it('moves a Stripe row (its sealed secret still opens) and a test row, read back through the new code', async () => {
    // The committed migrations up to 0001 only.
    const before = mkdtempSync(path.join(tmpdir(), 'cardbridge-migrations-'));
    const emulator = await startStripeEmulator();
    const database = await createEmptyTestDatabase();
    try {
      cpSync(migrationsFolder, before, { recursive: true });
      const journalFile = path.join(before, 'meta', '_journal.json');
      const journal = JSON.parse(readFileSync(journalFile, 'utf8')) as { entries: { tag: string }[] };
      journal.entries = journal.entries.filter((e) => e.tag < '0002');
      expect(journal.entries.map((e) => e.tag)).toEqual(['0000_init', '0001_intents_idempotency_claims']);
      writeFileSync(journalFile, JSON.stringify(journal));
      await database.migrate(before);

      const { db } = database;
      const rowsOf = <T>(r: unknown) => (Array.isArray(r) ? r : (r as { rows: T[] }).rows) as T[];
      const tenantId = rowsOf<{ id: number }>(
        await db.execute(sql`insert into tenants (name) values ('pre-kinds') returning id`),
      )[0]!.id;
      const testId = rowsOf<{ id: number }>(
        await db.execute(
          sql`insert into gateway_accounts (tenant_id, type, name, is_default) values (${tenantId}, 'test', 'Test gateway', true) returning id`,
        ),
      )[0]!.id;
      const stripeId = rowsOf<{ id: number }>(
        await db.execute(
          sql`insert into gateway_accounts (tenant_id, type, name, livemode, connected_account_id, api_base)
              values (${tenantId}, 'stripe', 'Old Stripe', false, 'acct_1OldConnect', ${emulator.url}) returning id`,
        ),
      )[0]!.id;
      // Sealed as before the seam: the bare secret key, bound to tenant, row and key version.
      const masterKey = MasterKey.fromBase64(MasterKey.generateBase64());
      const vault = new Vault(masterKey, dataKeyStore(db));
      const secretKey = 'sk_test_preKindsSecret9876';
      const sealed = await vault.sealGatewaySecret(tenantId, stripeId, secretKey);
      await db.execute(
        sql`update gateway_accounts set secret_ciphertext = ${sealed.ciphertext}, secret_key_version = ${sealed.keyVersion}, secret_last4 = '9876' where id = ${stripeId}`,
      );

      await database.migrate(); // 0002 onwards

      const deps = quietDeps(database, masterKey);
      const { secret } = await issueApiKey(db, tenantId, 'migrated', ['read', 'admin']);
      const caller = createCaller(createInternalContext(deps, `Bearer ${secret}`));
      const accounts = await caller.gatewayAccounts.list();
      expect(accounts).toEqual([
        expect.objectContaining({
          id: testId,
          type: 'test',
          isDefault: true,
          livemode: false,
          connectedAccountId: null,
          apiBase: null,
          secretKeyLast4: null,
        }),
        expect.objectContaining({
          id: stripeId,
          type: 'stripe',
          name: 'Old Stripe',
          livemode: false,
          connectedAccountId: 'acct_1OldConnect',
          apiBase: emulator.url,
          secretKeyLast4: '9876',
        }),
      ]);
      const stripeRow = (await getGatewayAccount(db, tenantId, stripeId))!;
      expect(stripeRow).toMatchObject({
        kind: 'stripe',
        credentialsFormat: 'legacy',
        credentialsCiphertext: sealed.ciphertext,
        config: { livemode: false, connectedAccountId: 'acct_1OldConnect', apiBase: emulator.url },
      });
      expect(await getGatewayAccount(db, tenantId, testId)).toMatchObject({
        kind: 'sandbox',
        credentialsFormat: null,
        config: {},
      });
      // The legacy secret opens and the Stripe kind builds a working adapter from it.
      const stripe = await deps.gateways.forAccount(stripeRow);
      expect(stripe.kind).toBe('stripe');
      await expect(stripe.createCustomer({ idempotencyKey: 'migrated-1' })).resolves.toMatchObject({
        externalCustomerId: expect.stringMatching(/^cus_/),
      });
      expect(deps.gateways.capabilities(stripeRow)).toContain('connect');
      // The migrated test row is a working sandbox.
      const sandbox = await deps.gateways.forAccount((await getGatewayAccount(db, tenantId, testId))!);
      await expect(sandbox.createCustomer({ idempotencyKey: 'migrated-2' })).resolves.toMatchObject({
        externalCustomerId: expect.stringMatching(/^tcus_s\d+_1$/),
      });
    } finally {
      rmSync(before, { recursive: true, force: true });
      await emulator.close();
      await database.close();
    }
  });
});
