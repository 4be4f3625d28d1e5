import { getPaymentMethod } from '@cardbridge/db';
import { dumpAllTables } from '@cardbridge/db/testing';
import {
  type ExportKeyPair,
  type GeneratedCustomer,
  type GenerateStripeExportOptions,
  generateExportKeyPair,
  generateStripeExport,
} from '@cardbridge/jobs';
import { type StripeEmulator, startStripeEmulator } from '@cardbridge/stripe-emulator';
import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrationHandlers } from '../../src/services/migrations/index.js';
import { capturedLogs, createTestApp, type TestApp, type TestTenant } from '../helpers.js';
import { emulatorStripe } from '../stripe-client.js';
import { allItems, bytesOf, holdings, type Item, runJob, upload } from './file-helpers.js';

/*
 * Stripe card-data exports into our vault, end to end in process: files made by the jobs
 * package's generator (encrypted to a key pair made here), uploaded as a client would, read by
 * the job engine with this process as its worker, driven through the tRPC caller. What we hold
 * is read back from the database and the vault and compared with what the generator wrote.
 */

const passphrase = 'correct horse battery staple';
const secretKey = 'sk_test_migrations_export_file_1';

/** A generated export's bytes and what is in it, by Stripe card id. */
async function exportFile(options: GenerateStripeExportOptions) {
  const customers: GeneratedCustomer[] = [];
  const bytes = await bytesOf(
    generateStripeExport({ ...options, onCustomer: (c) => customers.push(structuredClone(c)) }),
  );
  const cards = new Map(customers.flatMap((c) => c.cards.map((card) => [card.id, { ...card, customer: c }])));
  return { bytes, customers, cards, defaultCard: new Map(customers.map((c) => [c.id, defaultCardOf(c)])) };
}

/**
 * The card that ends up the customer's default: its default source, or, when that one could not
 * be imported (a bad number), the first card imported (Stripe's rule for a customer without one).
 */
function defaultCardOf(customer: GeneratedCustomer): string | undefined {
  const imported = customer.cards.filter((card) => !card.invalidNumber);
  return (imported.find((card) => card.id === customer.defaultSource) ?? imported[0])?.id;
}

describe('migration job: a Stripe card-export file into the vault', () => {
  let app: TestApp;
  let keys: ExportKeyPair;
  let emulator: StripeEmulator;
  let stripe: Stripe;

  beforeAll(async () => {
    keys = await generateExportKeyPair({ passphrase });
    emulator = await startStripeEmulator();
    stripe = emulatorStripe(emulator.url, secretKey);
    app = await createTestApp({ importKey: { armored: keys.privateKeyArmored, passphrase } });
    await app.deps.jobs.work(migrationHandlers(app.deps));
  });
  afterAll(async () => {
    await app.close();
    await emulator.close();
  });

  const stripeAccount = async (t: TestTenant) =>
    (await t.caller.gatewayAccounts.create({ type: 'stripe', secretKey, apiBase: emulator.url })).id;

  /** No number of the file in any table or any log line. */
  async function expectNoNumberLeft(numbers: Iterable<string>) {
    const dump = await dumpAllTables(app.deps.db);
    const logs = capturedLogs.join('\n');
    for (const number of numbers) {
      expect(dump).not.toContain(number);
      expect(logs).not.toContain(number);
    }
  }

  it('a plan reads the whole file and writes only its report; the run agrees row for row and vaults every number; a re-run changes nothing', async () => {
    const t = await app.tenant();
    const accountId = await stripeAccount(t);
    // 1,101 cards, three a customer (the last one has two).
    const file = await exportFile({
      format: 'csv',
      cards: 1101,
      cardsPerCustomer: 3,
      seed: 11,
      expiredShare: 0.1,
      invalidShare: 0.02,
      encryptTo: keys.publicKeyArmored,
    });
    const invalid = [...file.cards.values()].filter((c) => c.invalidNumber);
    expect(invalid.length).toBeGreaterThan(5);
    const valid = file.cards.size - invalid.length;
    const uploaded = await upload(app, t, 'export.csv.gpg', file.bytes);
    expect(uploaded.encrypted).toBe(true);
    const source = { kind: 'export_file' as const, fileId: uploaded.id, gatewayAccountId: accountId };

    const plan = await runJob(t.caller, { source, dryRun: true });
    expect(plan.status).toBe('completed');
    expect(plan.progress).toMatchObject({
      total: 1101,
      done: 1101,
      sourceRead: true,
      counts: { created: valid, failed: invalid.length },
    });
    expect(await holdings(app, t.tenantId, plan.id)).toMatchObject({ customers: 0, cards: 0, imports: 0 });

    const run = await runJob(t.caller, { source });
    expect(run.status).toBe('completed');
    expect(run.progress.counts).toEqual({ created: valid, failed: invalid.length });
    const planned = await allItems(t.caller, plan.id);
    const done = await allItems(t.caller, run.id);
    const outcomes = (items: Item[]) => new Map(items.map((i) => [i.key, i.outcome]));
    expect(outcomes(done)).toEqual(outcomes(planned));
    expect(await holdings(app, t.tenantId)).toMatchObject({
      customers: file.customers.length,
      cards: valid,
      imports: valid,
    });

    // Every number decrypts to the file's; each card keeps its Stripe ids and its default.
    const ourCustomer = new Map<string, number>();
    for (const item of done.filter((i) => i.outcome === 'created')) {
      const card = file.cards.get(item.sourceCardId!)!;
      expect(item.sourceCustomerId).toBe(card.customer.id);
      const row = (await getPaymentMethod(app.deps.db, t.tenantId, item.paymentMethodId!))!;
      const pan = await app.deps.vault.openPan(t.tenantId, row.id, {
        ciphertext: row.panCiphertext!,
        keyVersion: row.panKeyVersion!,
      });
      expect(pan.reveal()).toBe(card.number);
      expect(row).toMatchObject({
        customerId: item.customerId,
        storedInVault: true,
        gatewayAccountId: accountId,
        externalCardId: card.id,
        externalCustomerId: card.customer.id,
        maskedCardNumber: pan.masked,
        cardType: pan.brand,
        expirationMonth: card.expMonth,
        expirationYear: card.expYear,
        isDefault: card.id === file.defaultCard.get(card.customer.id),
      });
      expect(ourCustomer.get(card.customer.id) ?? item.customerId).toBe(item.customerId);
      ourCustomer.set(card.customer.id, item.customerId!);
    }
    expect(new Set(ourCustomer.values()).size).toBe(file.customers.length);
    const someone = await t.caller.customers.get({ id: ourCustomer.get(file.customers[0]!.id)! });
    expect(someone.email).toBe(file.customers[0]!.email);

    // A bad row is its own failure, naming the line and the field, never the number.
    const failed = done.filter((i) => i.outcome === 'failed');
    for (const item of failed) {
      expect(item.reason).toMatch(/^line \d+: card\.number: /);
      expect(item.reason).toContain(`line ${item.position}:`);
      expect(item.paymentMethodId).toBeNull();
    }
    expect(new Set(failed.map((i) => i.sourceCardId))).toEqual(new Set(invalid.map((c) => c.id)));

    const again = await runJob(t.caller, { source });
    expect(again.progress.counts).toEqual({ unchanged: valid, failed: invalid.length });
    expect(await holdings(app, t.tenantId)).toMatchObject({ cards: valid, customers: file.customers.length });

    await expectNoNumberLeft([...file.cards.values()].map((c) => c.number));
  });

  it('reads an armored, encrypted JSON export without a gateway account: customers are linked by their Stripe id as reference', async () => {
    const t = await app.tenant();
    const file = await exportFile({
      format: 'json',
      jsonShape: 'customers',
      cards: 24,
      cardsPerCustomer: 2,
      seed: 12,
      encryptTo: keys.publicKeyArmored,
      armor: true,
      compression: 'zlib',
    });
    expect(file.bytes.subarray(0, 27).toString()).toBe('-----BEGIN PGP MESSAGE-----');
    const uploaded = await upload(app, t, 'export.json.asc', file.bytes);
    const source = { kind: 'export_file' as const, fileId: uploaded.id };

    const run = await runJob(t.caller, { source });
    expect(run.progress.counts).toEqual({ created: 24 });
    for (const item of await allItems(t.caller, run.id)) {
      const card = file.cards.get(item.sourceCardId!)!;
      const pm = await t.caller.paymentMethods.get({ id: item.paymentMethodId! });
      expect(pm).toMatchObject({
        storedInVault: true,
        gatewayAccountId: null,
        externalCardId: null,
        isDefault: card.id === card.customer.defaultSource,
      });
      expect(pm.maskedCardNumber.endsWith(card.number.slice(-4))).toBe(true);
      const customer = await t.caller.customers.get({ id: item.customerId! });
      expect(customer.reference).toBe(card.customer.id);
    }

    const again = await runJob(t.caller, { source });
    expect(again.progress.counts).toEqual({ unchanged: 24 });
    expect(await holdings(app, t.tenantId)).toMatchObject({ customers: 12, cards: 24 });
    await expectNoNumberLeft([...file.cards.values()].map((c) => c.number));
  });

  it("links each card to its Stripe account: a later import of that account by reference finds the file's cards unchanged", async () => {
    const t = await app.tenant();
    const accountId = await stripeAccount(t);
    // The account at "Stripe" holds the same customers and cards the export file describes.
    const file = await exportFile({ format: 'csv', cards: 9, cardsPerCustomer: 3, seed: 13 });
    let text = file.bytes.toString('utf8');
    for (const customer of file.customers) {
      const ours = await stripe.customers.create({ email: customer.email!, name: customer.name! });
      text = text.replaceAll(customer.id, ours.id);
      const byId = new Map<string, string>();
      for (const card of customer.cards) {
        const token = await stripe.tokens.create({
          card: { number: card.number, exp_month: String(card.expMonth), exp_year: String(card.expYear) },
        });
        const source = await stripe.customers.createSource(ours.id, { source: token.id });
        byId.set(card.id, source.id);
        text = text.replaceAll(card.id, source.id);
      }
      await stripe.customers.update(ours.id, { default_source: byId.get(customer.defaultSource)! });
    }
    const uploaded = await upload(app, t, 'export.csv', text);
    expect(uploaded.encrypted).toBe(false);

    const imported = await runJob(t.caller, {
      source: { kind: 'export_file', fileId: uploaded.id, gatewayAccountId: accountId },
    });
    expect(imported.progress.counts).toEqual({ created: 9 });
    const vaulted = new Map((await allItems(t.caller, imported.id)).map((i) => [i.sourceCardId, i]));

    const byReference = await runJob(t.caller, {
      source: {
        kind: 'stripe_account',
        gatewayAccountId: accountId,
        paymentMethods: 'none',
        requestsPerSecond: 1000,
      },
    });
    expect(byReference.status).toBe('completed');
    expect(byReference.progress.counts).toEqual({ unchanged: 9 });
    for (const item of await allItems(t.caller, byReference.id)) {
      const mine = vaulted.get(item.sourceCardId)!;
      expect(item).toMatchObject({ paymentMethodId: mine.paymentMethodId, customerId: mine.customerId });
      const pm = await t.caller.paymentMethods.get({ id: item.paymentMethodId! });
      expect(pm.storedInVault).toBe(true);
    }
    expect(await holdings(app, t.tenantId)).toMatchObject({ customers: 3, cards: 9 });
  });
});
