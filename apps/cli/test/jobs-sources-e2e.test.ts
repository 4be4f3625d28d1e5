/**
 * End to end, the other migration sources and the export target: the compiled CLI (child
 * processes) against the real server (`cardbridge serve`, working its jobs itself on its embedded
 * database, started with an OpenPGP import key) and the Stripe emulator (in this process). A
 * Stripe card export encrypted to the server's key goes into the vault (and one encrypted to
 * another key fails and writes nothing); a mapping CSV links seeded Stripe cards to our
 * customers; vaulted cards are exported to a Stripe account and checked there through Stripe's
 * SDK. Each flow has a tenant of its own, so they run concurrently. With TEST_DATABASE_URL set the
 * server runs on a fresh database of that PostgreSQL server instead of its embedded one.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { luhnCheckDigit, type MigrationItemDto, type MigrationJobDto } from '@cardbridge/core';
import { createPostgresTestDatabase } from '@cardbridge/db/testing';
import {
  type ExportKeyPair,
  type GeneratedCustomer,
  generateExportKeyPair,
  writeStripeExport,
} from '@cardbridge/jobs';
import { type SeededCustomer, type StripeEmulator, startStripeEmulator } from '@cardbridge/stripe-emulator';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCli, type CliResult, runCli, type ServerProcess, startServer } from './e2e-helpers.js';

const passphrase = 'e2e import key passphrase';
const secretKey = 'sk_test_jobsSourcesE2e01';

let server: ServerProcess;
let pgDatabase: Awaited<ReturnType<typeof createPostgresTestDatabase>> | undefined;
let emulator: StripeEmulator;
let stripe: Stripe;
let seeded: SeededCustomer[];
let keys: ExportKeyPair;
let dataDir = '';
let workDir = '';
let tenants = 0;

beforeAll(async () => {
  buildCli();
  dataDir = await mkdtemp(path.join(tmpdir(), 'cardbridge-sources-e2e-'));
  workDir = await mkdtemp(path.join(tmpdir(), 'cardbridge-sources-e2e-files-'));
  emulator = await startStripeEmulator();
  seeded = await emulator.seedDemo({ seed: 41, customers: 2, cardsPerCustomer: 2 });
  const url = new URL(emulator.url);
  stripe = new Stripe(secretKey, {
    host: url.hostname,
    port: Number(url.port),
    protocol: 'http',
    telemetry: false,
    maxNetworkRetries: 0,
  });
  keys = await generateExportKeyPair({ passphrase });
  const keyFile = path.join(workDir, 'import-key.asc');
  await writeFile(keyFile, keys.privateKeyArmored, { mode: 0o600 });
  if (process.env.TEST_DATABASE_URL) {
    pgDatabase = await createPostgresTestDatabase(process.env.TEST_DATABASE_URL);
  }
  server = await startServer(dataDir, {
    ...(pgDatabase ? { DATABASE_URL: pgDatabase.url } : {}),
    CARDBRIDGE_IMPORT_PGP_KEY_FILE: keyFile,
    CARDBRIDGE_IMPORT_PGP_PASSPHRASE: passphrase,
  });
}, 90_000);

afterAll(async () => {
  if (server?.child.exitCode === null && server.child.signalCode === null) server.child.kill('SIGKILL');
  await server?.exit;
  await pgDatabase?.close();
  await emulator?.close();
  await rm(dataDir, { recursive: true, force: true });
  await rm(workDir, { recursive: true, force: true });
});

const ok = (r: CliResult) => {
  expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
  return r;
};
const json = <T>(r: CliResult): T => JSON.parse(ok(r).stdout) as T;

interface Card {
  id: number;
  customerId: number;
  maskedCardNumber: string;
  storedInVault: boolean;
  gatewayAccountId: number | null;
  externalCardId: string | null;
  externalCustomerId: string | null;
}
interface IdMapEntry {
  sourceCustomerId: string;
  sourceCardId: string;
  customerId: number;
  paymentMethodId: number;
}

/** A tenant of its own with a Stripe gateway account on the emulator; files go to a folder of its own. */
async function freshTenant() {
  const n = ++tenants;
  const created = await runCli(['tenants', 'create', '--name', `sources ${n}`, '--json'], {
    CARDBRIDGE_URL: server.url,
    CARDBRIDGE_DATA_DIR: dataDir,
  });
  const env = {
    CARDBRIDGE_URL: server.url,
    CARDBRIDGE_API_KEY: json<{ adminKey: { secret: string } }>(created).adminKey.secret,
  };
  const dir = await mkdtemp(path.join(workDir, `tenant-${n}-`));
  const cli = (args: string[], stdin?: string) => runCli(args, env, { cwd: dir, stdin });
  const account = json<{ id: number }>(
    await cli(['gateways', 'add', 'stripe', '--api-base', emulator.url, '--secret-key', secretKey, '--json']),
  );
  return { cli, dir, accountId: String(account.id) };
}

type Cli = Awaited<ReturnType<typeof freshTenant>>['cli'];

const report = async (cli: Cli, id: string) =>
  ok(await cli(['jobs', 'report', id, '--format', 'jsonl']))
    .stdout.split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as MigrationItemDto);

const cardsOf = async (cli: Cli, customerId: number) =>
  json<{ data: Card[] }>(await cli(['cards', 'list', '--customer', String(customerId), '--json'])).data;

const customerCount = async (cli: Cli) =>
  json<{ data: unknown[] }>(await cli(['customers', 'list', '--json'])).data.length;

/** A fresh Luhn-valid Visa test number. */
function freshVisa(): string {
  let partial = '4';
  while (partial.length < 15) partial += String(Math.floor(Math.random() * 10));
  return partial + luhnCheckDigit(partial);
}

describe('cardbridge import export-file, import mapping and export cards against the real server', () => {
  it.concurrent('plans then imports an encrypted Stripe export into the vault; report, id map and cards agree with the file', async () => {
    const { cli, dir, accountId } = await freshTenant();
    const customers: GeneratedCustomer[] = [];
    const written = await writeStripeExport(path.join(dir, 'export.csv.gpg'), {
      format: 'csv',
      cards: 6,
      cardsPerCustomer: 2,
      seed: 51,
      customerPrefix: 'e2eFile',
      encryptTo: keys.publicKeyArmored,
      onCustomer: (c) => customers.push(structuredClone(c)),
    });
    expect(written).toMatchObject({ customers: 3, cards: 6, invalidNumbers: 0 });
    const fileCards = new Map(
      customers.flatMap((c) => c.cards.map((card) => [card.id, { card, customer: c }])),
    );
    const args = ['import', 'export-file', 'export.csv.gpg', '--gateway-account', accountId];

    const plan = ok(await cli([...args, '--dry-run']));
    expect(plan.stderr).toMatch(
      /^Uploaded export\.csv\.gpg: \d+ bytes, OpenPGP-encrypted \(file id \d+\)\.$/m,
    );
    expect(plan.stdout).toMatch(/^Plan \d+ \(export_file\) completed/);
    expect(plan.stdout).toContain(': 6 rows read; a run would give: created 6.\n');
    expect(await customerCount(cli)).toBe(0);

    const run = ok(await cli(args));
    const runId = /^Job (\d+) \(export_file\) completed/.exec(run.stdout)?.[1];
    expect(runId, run.stdout).toBeDefined();
    expect(run.stdout).toContain(': 6 rows — created 6.\n');

    ok(await cli(['jobs', 'report', String(runId), '--format', 'csv', '--out', 'report.csv']));
    const csv = (await readFile(path.join(dir, 'report.csv'), 'utf8')).trimEnd().split('\r\n');
    expect(csv[0]).toBe(
      'seq,key,position,sourceCustomerId,sourceCardId,outcome,reason,customerId,paymentMethodId,customerCreated',
    );
    const rows = csv.slice(1).map((line) => line.split(','));
    expect(rows.map((r) => r[4]).sort()).toEqual([...fileCards.keys()].sort());
    expect(rows.map((r) => r[5])).toEqual(Array(6).fill('created'));

    ok(await cli(['jobs', 'id-map', String(runId), '--out', 'id-map.json']));
    const idMap = JSON.parse(await readFile(path.join(dir, 'id-map.json'), 'utf8')) as IdMapEntry[];
    expect(idMap.map((m) => m.sourceCardId).sort()).toEqual([...fileCards.keys()].sort());
    expect(new Set(idMap.map((m) => m.paymentMethodId)).size).toBe(6);
    expect(new Set(idMap.map((m) => m.customerId)).size).toBe(3);

    // Each of our cards holds the file's number (its last 4) in the vault, under its Stripe ids.
    for (const customerId of new Set(idMap.map((m) => m.customerId))) {
      for (const card of await cardsOf(cli, customerId)) {
        const entry = idMap.find((m) => m.paymentMethodId === card.id)!;
        const { card: fileCard, customer } = fileCards.get(entry.sourceCardId)!;
        expect(entry).toMatchObject({ customerId, sourceCustomerId: customer.id });
        expect(card).toMatchObject({
          storedInVault: true,
          gatewayAccountId: Number(accountId),
          externalCardId: fileCard.id,
          externalCustomerId: customer.id,
          maskedCardNumber: `${'*'.repeat(fileCard.number.length - 4)}${fileCard.number.slice(-4)}`,
        });
      }
    }
    for (const out of [plan, run]) {
      for (const { card } of fileCards.values()) expect(out.stdout + out.stderr).not.toContain(card.number);
    }
  }, 120_000);

  it.concurrent('an export encrypted to another key fails the job: exit 6, the reason named, nothing written', async () => {
    const { cli, dir, accountId } = await freshTenant();
    const other = await generateExportKeyPair();
    await writeStripeExport(path.join(dir, 'other.csv.gpg'), {
      format: 'csv',
      cards: 3,
      seed: 52,
      customerPrefix: 'e2eOther',
      encryptTo: other.publicKeyArmored,
    });

    const run = await cli(['import', 'export-file', 'other.csv.gpg', '--gateway-account', accountId]);
    expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(6);
    const id = /^Job (\d+) \(export_file\) failed/.exec(run.stdout)?.[1];
    expect(id, run.stdout).toBeDefined();
    expect(run.stdout).toContain(
      '\nError: Export file: the file is not encrypted to this private key (wrong key)\n',
    );

    const job = json<MigrationJobDto>(await cli(['jobs', 'show', String(id), '--json']));
    expect(job).toMatchObject({ status: 'failed', progress: { done: 0, counts: {} } });
    expect(await report(cli, String(id))).toEqual([]);
    expect(await customerCount(cli)).toBe(0);
  }, 120_000);

  it.concurrent('imports a mapping CSV of seeded Stripe cards to our customers; the bad row fails alone with its reason', async () => {
    const { cli, dir, accountId } = await freshTenant();
    const [ada, bea] = await Promise.all(
      ['Ada', 'Bea'].map(async (name, i) =>
        json<{ id: number }>(
          await cli(['customers', 'create', '--first-name', name, '--reference', `crm-${i}`, '--json']),
        ),
      ),
    );
    const [s0, s1] = seeded as [SeededCustomer, SeededCustomer];
    await writeFile(
      path.join(dir, 'mapping.csv'),
      [
        'customer_id,customer_reference,stripe_customer_id,stripe_card_id',
        `${ada!.id},,${s0.id},${s0.cards[0]!.id}`,
        `${ada!.id},,${s0.id},${s0.cards[1]!.id}`,
        `,crm-1,${s1.id},${s1.cards[0]!.id}`,
        `${bea!.id},,${s1.id},card_doesNotExist123`,
        '',
      ].join('\n'),
    );
    const args = ['import', 'mapping', 'mapping.csv', '--gateway-account', accountId, '--rps', '1000'];
    const badReason = /^line 5: No such source: .?card_doesNotExist123/;

    const plan = ok(await cli([...args, '--dry-run']));
    expect(plan.stdout).toMatch(/^Plan \d+ \(mapping_file\) completed/);
    expect(plan.stdout).toContain(': 4 rows read; a run would give: created 3, failed 1.\n');
    expect(plan.stdout).toMatch(
      /\nFailed rows \(1\):\n {2}\S+: line 5: No such source: .?card_doesNotExist123/,
    );
    expect(await cardsOf(cli, ada!.id)).toEqual([]);

    const run = ok(await cli(args));
    const runId = /^Job (\d+) \(mapping_file\) completed/.exec(run.stdout)?.[1];
    expect(runId, run.stdout).toBeDefined();
    expect(run.stdout).toContain(': 4 rows — created 3, failed 1.\n');

    const items = await report(cli, String(runId));
    expect(items.map((i) => [i.position, i.outcome])).toEqual([
      [2, 'created'],
      [3, 'created'],
      [4, 'created'],
      [5, 'failed'],
    ]);
    const failed = items.find((i) => i.outcome === 'failed')!;
    expect(failed.reason).toMatch(badReason);
    expect(failed.paymentMethodId).toBeNull();
    ok(await cli(['jobs', 'report', String(runId), '--format', 'csv', '--out', 'report.csv']));
    const csv = (await readFile(path.join(dir, 'report.csv'), 'utf8')).trimEnd().split('\r\n');
    expect(csv).toHaveLength(5);
    expect(csv.filter((line) => line.includes(',failed,'))).toEqual([
      expect.stringContaining(`,failed,${failed.reason!.includes(',') ? '"' : ''}line 5: No such source`),
    ]);

    // The good rows are ours now, by reference: the cards stay at Stripe.
    ok(await cli(['jobs', 'id-map', String(runId), '--out', 'id-map.json']));
    const idMap = JSON.parse(await readFile(path.join(dir, 'id-map.json'), 'utf8')) as IdMapEntry[];
    expect(idMap.map((m) => [m.customerId, m.sourceCustomerId, m.sourceCardId])).toEqual([
      [ada!.id, s0.id, s0.cards[0]!.id],
      [ada!.id, s0.id, s0.cards[1]!.id],
      [bea!.id, s1.id, s1.cards[0]!.id],
    ]);
    const adaCards = await cardsOf(cli, ada!.id);
    expect(adaCards.map((c) => c.externalCardId).sort()).toEqual([s0.cards[0]!.id, s0.cards[1]!.id].sort());
    for (const card of [...adaCards, ...(await cardsOf(cli, bea!.id))]) {
      expect(card).toMatchObject({ storedInVault: false, gatewayAccountId: Number(accountId) });
    }
  }, 120_000);

  it.concurrent('exports vaulted cards to a Stripe account: each arrives there once; a re-run is all unchanged', async () => {
    const { cli, accountId } = await freshTenant();
    const year = String((new Date().getUTCFullYear() + 3) % 100);
    const made: { id: number; customerId: number; last4: string }[] = [];
    for (const name of ['Cy', 'Dee']) {
      const customer = json<{ id: number }>(
        await cli(['customers', 'create', '--first-name', name, '--json']),
      );
      for (const month of ['3', '9']) {
        const number = freshVisa();
        const card = json<Card>(
          await cli(
            [
              'cards',
              'create',
              '--customer',
              String(customer.id),
              '--exp-month',
              month,
              '--exp-year',
              year,
              '--first-name',
              name,
              '--last-name',
              'Export',
              '--json',
            ],
            `${number}\n`,
          ),
        );
        expect(card.storedInVault).toBe(true);
        made.push({ id: card.id, customerId: customer.id, last4: number.slice(-4) });
      }
    }
    const args = ['export', 'cards', '--to', accountId, '--rps', '1000'];

    const plan = ok(await cli([...args, '--dry-run']));
    expect(plan.stdout).toMatch(/^Plan \d+ \(bulk_export\) completed/);
    expect(plan.stdout).toContain(': 4 rows read; a run would give: created 4.\n');

    const run = ok(await cli(args));
    const runId = /^Job (\d+) \(bulk_export\) completed/.exec(run.stdout)?.[1];
    expect(runId, run.stdout).toBeDefined();
    expect(run.stdout).toContain(': 4 rows — created 4.\n');
    const items = await report(cli, String(runId));
    expect(items.map((i) => i.paymentMethodId).sort()).toEqual(made.map((c) => c.id).sort());

    // What Stripe holds, through its SDK: each of our cards once, at a customer of its own customer.
    const atStripe = new Map<number, Stripe.Card[]>();
    for (const stripeCustomer of new Set(items.map((i) => i.sourceCustomerId!))) {
      for await (const source of stripe.customers.listSources(stripeCustomer, {
        object: 'card',
        limit: 100,
      })) {
        const card = source as Stripe.Card;
        const ours = Number(card.metadata?.cardbridge_payment_method_id);
        atStripe.set(ours, [...(atStripe.get(ours) ?? []), card]);
      }
    }
    expect([...atStripe.keys()].sort()).toEqual(made.map((c) => c.id).sort());
    for (const card of made) {
      const item = items.find((i) => i.paymentMethodId === card.id)!;
      expect(atStripe.get(card.id)).toEqual([
        expect.objectContaining({
          id: item.sourceCardId,
          customer: item.sourceCustomerId,
          last4: card.last4,
        }),
      ]);
    }
    expect(new Set(items.map((i) => i.sourceCustomerId)).size).toBe(2);

    const again = ok(await cli(args));
    expect(again.stdout).toMatch(/^Job \d+ \(bulk_export\) completed/);
    expect(again.stdout).toContain(': 4 rows — unchanged 4.\n');
    expect(again.stdout).toContain('\n0 requests to the gateway.\n');
  }, 120_000);
});
