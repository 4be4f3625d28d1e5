/**
 * End to end: the real server (`cardbridge serve`, a child process with its own PGlite data dir)
 * and the local Stripe emulator (`./cardbridge stripe-emulator`, another child process), driven
 * by the real, compiled CLI (`node apps/cli/dist/main.js …` and the repo-root `./cardbridge …`,
 * child processes) over HTTP. The CLI is built once first, so what runs is the current source.
 * Independent flows run concurrently.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { luhnCheckDigit } from '@cardbridge/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildCli,
  cardbridgeScript as cardbridge,
  cleanEnv,
  type CliResult as Result,
  root,
  runCli,
  startServer,
} from './e2e-helpers.js';

let baseEnv: Record<string, string> = {};

/** One CLI run against this suite's server (see `runCli`). */
function cli(
  args: string[],
  env: Record<string, string> = {},
  via: 'node' | 'script' = 'node',
  stdin = '',
): Promise<Result> {
  return runCli(args, { ...baseEnv, ...env }, { via, stdin });
}

/** A fresh Luhn-valid Visa test number (16 digits) that no other run has stored. */
function freshVisa(): string {
  let partial = '4';
  while (partial.length < 15) partial += String(Math.floor(Math.random() * 10));
  return partial + luhnCheckDigit(partial);
}

const json = <T>(r: Result): T => {
  expect(r.stderr, r.stderr).toBe('');
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout) as T;
};

async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address() as { port: number };
  await new Promise((resolve) => srv.close(resolve));
  return port;
}

let server: ChildProcess | undefined;
let serverExit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
let serverOutput = () => '';
let url = '';
let keyFile = '';
let dataDir = '';
let migrateDir = '';
let emulator: ChildProcess | undefined;
let emulatorExit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
let emulatorOut = '';
let emulatorUrl = '';

/** `./cardbridge stripe-emulator --port 0 --seed demo` (the script execs node: signals reach it). */
async function startEmulator(): Promise<void> {
  const child = spawn(cardbridge, ['stripe-emulator', '--port', '0', '--seed', 'demo'], {
    cwd: root,
    env: cleanEnv({}),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  emulator = child;
  emulatorExit = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  let emulatorErr = '';
  child.stderr.on('data', (d) => {
    emulatorErr += String(d);
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`emulator did not start:\n${emulatorOut}\n${emulatorErr}`)),
      60_000,
    );
    child.stdout.on('data', (d) => {
      emulatorOut += String(d);
      const listening = /Stripe emulator listening on (http:\/\/\S+)/.exec(emulatorOut);
      if (listening?.[1] && emulatorOut.includes('Ctrl+C to stop.')) {
        clearTimeout(timer);
        emulatorUrl = listening[1];
        resolve();
      }
    });
    void emulatorExit.then(({ code }) =>
      reject(new Error(`emulator exited (${code}):\n${emulatorOut}\n${emulatorErr}`)),
    );
  });
}

beforeAll(async () => {
  buildCli();
  dataDir = await mkdtemp(path.join(tmpdir(), 'cardbridge-e2e-'));
  migrateDir = await mkdtemp(path.join(tmpdir(), 'cardbridge-e2e-migrate-'));
  const emulatorStarted = startEmulator();
  emulatorStarted.catch(() => {}); // awaited below; this only keeps an early failure from going unhandled
  const started = await startServer(dataDir);
  server = started.child;
  serverExit = started.exit;
  serverOutput = started.output;
  url = started.url;
  keyFile = started.keyFile;
  baseEnv = { CARDBRIDGE_URL: url };
  await emulatorStarted;
}, 90_000);

afterAll(async () => {
  for (const child of [server, emulator]) {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  await rm(dataDir, { recursive: true, force: true });
  await rm(migrateDir, { recursive: true, force: true });
});

interface CreatedKey {
  apiKey: { id: number; keyId: string; name: string; scopes: string[] };
  secret: string;
}
interface Customer {
  id: number;
  firstName: string | null;
  lastName: string | null;
  email: string | null;
}

describe('cardbridge CLI against the real server', () => {
  it.concurrent('drives tenants, keys, customers and cards over HTTP, with the documented exit codes', async () => {
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(keyFile).toBe(path.join(dataDir, 'bootstrap-admin.key'));
    const bootstrapKey = (await readFile(keyFile, 'utf8')).trim();
    expect(serverOutput()).not.toContain(bootstrapKey);

    // `migrate` on its own temp data dir runs alongside.
    const migrating = cli(['migrate'], { CARDBRIDGE_DATA_DIR: migrateDir }, 'script');

    // The bootstrap key comes from the key file in the data dir (no --api-key).
    const [tenantJson, tenantHuman] = await Promise.all([
      cli(['tenants', 'create', '--name', 'acme', '--json'], { CARDBRIDGE_DATA_DIR: dataDir }, 'script'),
      cli(['tenants', 'create', '--name', 'beta'], { CARDBRIDGE_DATA_DIR: dataDir }, 'script'),
    ]);
    const tenant = json<{ tenant: { id: number; name: string }; adminKey: CreatedKey }>(tenantJson);
    expect(tenant.tenant.name).toBe('acme');
    expect(tenant.adminKey.secret).toMatch(/^cbk_[0-9a-f]{12}_/);
    expect(tenantHuman.code).toBe(0);
    // One secret, labelled; no other `cbk_…` string (the key's public id is not printed).
    expect(tenantHuman.stdout).toMatch(
      /^API key secret \(key id \d+; use it as CARDBRIDGE_API_KEY\):\n\n {2}cbk_[0-9a-f]{12}_\S+\n/m,
    );
    expect(tenantHuman.stdout.match(/cbk_/g)).toHaveLength(1);
    expect(tenantHuman.stdout).toContain('shown only once');
    expect(tenantHuman.stdout).not.toContain(bootstrapKey);

    const admin = { CARDBRIDGE_API_KEY: tenant.adminKey.secret };
    const [keyCreated, ada, grace, badEmail, missingCard, wrongKey, unreachable, emptyKey] =
      await Promise.all([
        cli(['keys', 'create', '--name', 'ci', '--scopes', 'read,write', '--json'], admin),
        cli(['customers', 'create', '--first-name', 'Ada', '--email', 'ada@example.com', '--json'], admin),
        cli(['customers', 'create', '--first-name', 'Grace', '--reference', 'g-1', '--json'], admin),
        cli(['customers', 'create', '--email', 'nope'], admin),
        cli(['cards', 'get', '999999'], admin),
        cli(['customers', 'list'], { CARDBRIDGE_API_KEY: `cbk_000000000000_${'A'.repeat(43)}` }),
        cli(['customers', 'list', '--url', `http://127.0.0.1:${await closedPort()}`], admin),
        // Set but empty: an error, never the bootstrap key in the data dir.
        cli(['customers', 'list'], { CARDBRIDGE_API_KEY: '', CARDBRIDGE_DATA_DIR: dataDir }, 'script'),
      ]);
    const ci = json<CreatedKey>(keyCreated);
    expect(ci.apiKey.scopes).toEqual(['read', 'write']);
    const adaRow = json<Customer>(ada);
    const graceRow = json<Customer>(grace);

    expect(badEmail.code).toBe(2);
    expect(badEmail.stderr).toContain('email');
    expect(missingCard.code).toBe(3);
    expect(missingCard.stderr).toContain('error: Payment method with id 999999 not found.');
    expect(wrongKey.code).toBe(4);
    expect(unreachable.code).toBe(5);
    expect(unreachable.stderr).toMatch(/cannot reach the cardbridge API at http:\/\/127\.0\.0\.1:\d+/);
    expect(emptyKey.code).toBe(2);
    expect(emptyKey.stderr).toContain('error: CARDBRIDGE_API_KEY is set but empty');
    expect(emptyKey.stdout).toBe('');

    const ciKey = { CARDBRIDGE_API_KEY: ci.secret };
    const [keyList, got, updated, page1, cards, ciCannotAdmin, ciCanRead] = await Promise.all([
      cli(['keys', 'list'], admin),
      cli(['customers', 'get', String(adaRow.id)], admin),
      cli(['customers', 'update', String(adaRow.id), '--last-name', 'Lovelace', '--json'], admin),
      cli(['customers', 'list', '--limit', '1'], admin),
      cli(['cards', 'list', '--customer', String(adaRow.id)], admin),
      cli(['keys', 'list'], ciKey),
      cli(['customers', 'list', '--json'], ciKey),
    ]);
    expect(keyList.code).toBe(0);
    expect(keyList.stdout).toContain(ci.apiKey.keyId);
    expect(keyList.stdout).not.toContain(ci.secret);
    expect(got.code).toBe(0);
    expect(got.stdout).toContain('ada@example.com');
    expect(json<Customer>(updated)).toMatchObject({ id: adaRow.id, firstName: 'Ada', lastName: 'Lovelace' });
    expect(page1.code).toBe(0);
    // Newest first (Ada and Grace were created concurrently), then a hint for the next page.
    const [newest, oldest] = [adaRow, graceRow].sort((a, b) => b.id - a.id) as [Customer, Customer];
    expect(page1.stdout).toContain(newest.firstName);
    expect(page1.stdout).not.toContain(oldest.firstName);
    expect(page1.stdout).toContain(`--starting-after ${newest.id}`);
    expect(cards.code).toBe(0);
    expect(cards.stdout).toMatch(/│ id\s+│ default\s+│ type\s+│ number\s+│ expiry/);
    expect(cards.stdout).toContain('0 cards');
    expect(ciCannotAdmin.code).toBe(4);
    expect(ciCannotAdmin.stderr).toContain("lacks the 'admin' scope");
    expect(json<{ data: Customer[] }>(ciCanRead).data.map((c) => c.id)).toEqual([newest.id, oldest.id]);

    const revoked = await cli(['keys', 'revoke', String(ci.apiKey.id), '--json'], admin);
    expect(json<{ revokedDate: string | null }>(revoked).revokedDate).not.toBeNull();
    const [afterRevoke, listedRevoked] = await Promise.all([
      cli(['customers', 'list'], ciKey),
      cli(['keys', 'list', '--include-revoked', '--json'], admin),
    ]);
    expect(afterRevoke.code).toBe(4);
    expect(afterRevoke.stderr).toContain('error: Invalid or missing API key.');
    expect(json<{ id: number }[]>(listedRevoked).map((k) => k.id)).toContain(ci.apiKey.id);

    const migrated = await migrating;
    expect(migrated.code, migrated.stderr).toBe(0);
    expect(migrated.stdout).toMatch(/migrations: applied \d+ new migration/);
    expect(existsSync(path.join(migrateDir, 'pgdata'))).toBe(true);
  }, 150_000);

  it.concurrent('adds gateways, imports a card from the Stripe emulator, takes a card number on stdin, exports it and rotates the data key', async () => {
    // The emulator printed the demo data and the commands to paste next.
    const importLine =
      /cards import --customer <id> --stripe-customer (cus_\w+) --stripe-card (card_\w+)/.exec(emulatorOut);
    const email = /customers create --email (\S+)/.exec(emulatorOut)?.[1];
    expect(importLine, emulatorOut).not.toBeNull();
    const [, stripeCustomer = '', stripeCard = ''] = importLine ?? [];
    expect(emulatorOut).toContain(
      `gateways add stripe --secret-key sk_test_emulator_demo --api-base ${emulatorUrl}`,
    );

    // A tenant of its own: its admin key has every tenant scope (imports, cards:intake, cards:export).
    const tenantRun = await cli(['tenants', 'create', '--name', 'gamma', '--json'], {
      CARDBRIDGE_DATA_DIR: dataDir,
    });
    const admin = { CARDBRIDGE_API_KEY: json<{ adminKey: CreatedKey }>(tenantRun).adminKey.secret };

    const stripeKey = 'sk_test_e2eNeverPrinted0123456789';
    const envKey = 'sk_test_e2eFromTheEnvironment9876';
    const [stripeAdded, envKeyAdded, testAdded, customerRun] = await Promise.all([
      cli(
        ['gateways', 'add', 'stripe', '--api-base', emulatorUrl, '--secret-key', stripeKey, '--default'],
        admin,
      ),
      cli(['gateways', 'add', 'stripe', '--api-base', emulatorUrl, '--name', 'from env', '--json'], {
        ...admin,
        STRIPE_SECRET_KEY: envKey,
      }),
      cli(['gateways', 'add', 'test', '--name', 'export target', '--json'], admin),
      cli(
        [
          'customers',
          'create',
          '--first-name',
          'Jenny',
          '--last-name',
          'Rosen',
          '--email',
          email ?? '',
          '--json',
        ],
        admin,
      ),
    ]);
    expect(stripeAdded.code, stripeAdded.stderr).toBe(0);
    expect(stripeAdded.stdout).toMatch(/secret key\s+│ …6789/);
    expect(json<{ secretKeyLast4: string }>(envKeyAdded).secretKeyLast4).toBe('9876');
    for (const r of [stripeAdded, envKeyAdded]) {
      expect(`${r.stdout}${r.stderr}`).not.toContain(stripeKey);
      expect(`${r.stdout}${r.stderr}`).not.toContain(envKey);
    }
    const testAccount = json<{ id: number; type: string }>(testAdded);
    expect(testAccount.type).toBe('test');
    const customer = json<Customer>(customerRun);

    // The import of a seeded demo card goes to the default (emulator) account; the PCI path
    // reads a fresh number and a CVV from stdin.
    const number = freshVisa();
    const year = String((new Date().getUTCFullYear() + 3) % 100);
    const cardFlags = ['--customer', String(customer.id), '--exp-month', '12', '--exp-year', year];
    const [imported, created] = await Promise.all([
      cli(
        [
          'cards',
          'import',
          '--customer',
          String(customer.id),
          '--stripe-customer',
          stripeCustomer,
          '--stripe-card',
          stripeCard,
        ],
        admin,
      ),
      cli(
        ['cards', 'create', ...cardFlags, '--first-name', 'Jenny', '--last-name', 'Rosen', '--json'],
        admin,
        'node',
        `${number}\n123\n`,
      ),
    ]);
    expect(imported.code, imported.stderr).toBe(0);
    // Import and create run concurrently: either card may be the customer's first, the default.
    expect(imported.stdout).toMatch(/│ \d+\s+│ [-*]\s+│ Visa\s+│ \*{12}4242 │/);
    expect(imported.stdout).toContain(stripeCard);
    const card = json<{ id: number; maskedCardNumber: string; storedInVault: boolean; duplicateOf: null }>(
      created,
    );
    expect(card).toMatchObject({ maskedCardNumber: `************${number.slice(-4)}`, storedInVault: true });
    expect(created.stdout).not.toContain(number);

    const [exported, rotated] = await Promise.all([
      cli(['cards', 'export', String(card.id), '--gateway', String(testAccount.id)], admin),
      cli(['keys', 'rotate', '--batch-size', '1'], admin),
    ]);
    expect(exported.code, exported.stderr).toBe(0);
    expect(exported.stdout).toContain(
      `Export of card ${card.id} to gateway account ${testAccount.id}: succeeded.`,
    );
    expect(rotated.code, rotated.stderr).toBe(0);
    // Two sealed Stripe secrets and one sealed card number, one per batch.
    expect(rotated.stdout).toMatch(/New data key version \d+; 3 rows to re-encrypt\./);
    expect(rotated.stdout).toContain(
      'batch 1: re-encrypted 1, 2 remaining (33% done)\n' +
        'batch 2: re-encrypted 1, 1 remaining (66% done)\n' +
        'batch 3: re-encrypted 1, 0 remaining (100% done)\n',
    );

    // After the rotation: the vaulted card is replaced (a new number on stdin), keys still open.
    const next = freshVisa();
    const [replaced, listed, disabled] = await Promise.all([
      cli(['cards', 'replace', String(card.id), '--json'], admin, 'node', `${next}\n`),
      cli(['gateways', 'list'], admin),
      cli(['gateways', 'disable', String(testAccount.id), '--json'], admin),
    ]);
    expect(json<{ originalPaymentMethodId: number; maskedCardNumber: string }>(replaced)).toMatchObject({
      originalPaymentMethodId: card.id,
      maskedCardNumber: `************${next.slice(-4)}`,
    });
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain('…6789');
    expect(listed.stdout).not.toContain(stripeKey);
    expect(json<{ status: string }>(disabled).status).toBe('disabled');
  }, 150_000);

  it.concurrent('lists the cards that expire soon, soonest first, a page at a time; a bad --within is a usage error', async () => {
    const tenantRun = await cli(['tenants', 'create', '--name', 'delta', '--json'], {
      CARDBRIDGE_DATA_DIR: dataDir,
    });
    const admin = { CARDBRIDGE_API_KEY: json<{ adminKey: CreatedKey }>(tenantRun).adminKey.secret };
    const [adaRun, bobRun] = await Promise.all([
      cli(['customers', 'create', '--first-name', 'Ada', '--json'], admin),
      cli(['customers', 'create', '--first-name', 'Bob', '--json'], admin),
    ]);
    const [ada, bob] = [json<Customer>(adaRun), json<Customer>(bobRun)];

    // Expiry months counted from this month (the server's clock is the real one): two months
    // ahead is within 6m, 14 months within 2y but not 6m, 48 months within neither. Whatever the
    // day, a month boundary passed mid-test moves none of them across a cutoff.
    const now = new Date();
    const monthsAhead = (n: number) => {
      const d = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + n, 1));
      const lastDay = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0));
      return {
        month: d.getUTCMonth() + 1,
        yy: d.getUTCFullYear() % 100,
        lastDay: lastDay.toISOString().slice(0, 10),
      };
    };
    const numbers: string[] = [];
    const createCard = async (customer: Customer, ahead: number) => {
      const { month, yy } = monthsAhead(ahead);
      const number = freshVisa();
      numbers.push(number);
      const run = await cli(
        [
          'cards',
          'create',
          '--customer',
          String(customer.id),
          '--exp-month',
          String(month),
          '--exp-year',
          String(yy),
        ].concat(['--first-name', customer.firstName ?? 'X', '--last-name', 'Expiring', '--json']),
        admin,
        'node',
        `${number}\n123\n`,
      );
      return json<{ id: number }>(run).id;
    };
    const [ada1, ada2, bob1, ada14, ada48] = await Promise.all([
      createCard(ada, 2),
      createCard(ada, 2),
      createCard(bob, 2),
      createCard(ada, 14),
      createCard(ada, 48),
    ]);
    const soon = [ada1, ada2, bob1].sort((x, y) => x - y);
    const adaSoon = [ada1, ada2].sort((x, y) => x - y);

    type Expiring = {
      data: { id: number; expiresOn: string; expired: boolean; maskedCardNumber: string }[];
      hasMore: boolean;
      expiresOnOrBefore: string;
    };
    const [sixMonths, twoYears, human, page1, tooLong, notADuration, missing] = await Promise.all([
      cli(['cards', 'expiring', '--within', '6m', '--json'], admin),
      cli(['cards', 'expiring', '--within', '2y', '--json'], admin),
      cli(['cards', 'expiring', '--within', '180d'], admin),
      cli(['cards', 'expiring', '--within', '6m', '--customer', String(ada.id), '--limit', '1'], admin),
      cli(['cards', 'expiring', '--within', '6y'], admin),
      cli(['cards', 'expiring', '--within', 'soon', '--json'], admin),
      cli(['cards', 'expiring'], admin),
    ]);

    // Only this tenant's cards (other flows' tenants hold cards too), soonest first, then by id.
    const six = json<Expiring>(sixMonths);
    expect(six.data.map((c) => c.id)).toEqual(soon);
    expect(six.hasMore).toBe(false);
    expect(six.data.map((c) => [c.expiresOn, c.expired])).toEqual(
      soon.map(() => [monthsAhead(2).lastDay, false]),
    );
    const two = json<Expiring>(twoYears);
    expect(two.data.map((c) => c.id)).toEqual([...soon, ada14]);
    expect(two.data.at(-1)?.expiresOn).toBe(monthsAhead(14).lastDay);
    expect(two.data.map((c) => c.id)).not.toContain(ada48);

    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toMatch(
      /^Active cards expiring on or before \d{4}-\d{2}-\d{2} \(UTC\), already expired ones included:\n/,
    );
    expect(human.stdout).toMatch(
      /│ id\s+│ customer\s+│ default\s+│ type\s+│ number\s+│ expiry\s+│ valid through\s+│ expired/,
    );
    expect(human.stdout).toMatch(new RegExp(`│ ${monthsAhead(2).lastDay}\\s+│ no\\s+│`));
    expect(human.stdout).toMatch(/3 cards\n$/);
    for (const r of [sixMonths, twoYears, human]) {
      for (const n of numbers) expect(r.stdout).not.toContain(n);
    }

    // One customer, a page at a time: the hint names the next page's command.
    expect(page1.code, page1.stderr).toBe(0);
    expect(page1.stdout).toContain(
      `1 card; more after these: cardbridge cards expiring --within 6m --customer ${ada.id} --limit 1 --starting-after ${adaSoon[0]}`,
    );
    const page2 = await cli(
      [
        'cards',
        'expiring',
        '--within',
        '6m',
        '--customer',
        String(ada.id),
        '--limit',
        '1',
        '--starting-after',
        String(adaSoon[0]),
        '--json',
      ],
      admin,
    );
    expect(json<Expiring>(page2)).toMatchObject({ data: [{ id: adaSoon[1] }], hasMore: false });

    // A bad window is a usage error (exit 2) naming the field.
    expect(tooLong.code).toBe(2);
    expect(tooLong.stderr).toContain('within: must be at most 5 years');
    expect(notADuration.code).toBe(2);
    expect(JSON.parse(notADuration.stderr)).toMatchObject({
      error: { issues: [{ path: 'within', message: expect.stringMatching(/^must be a duration like 30d/) }] },
    });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("required option '--within <duration>' not specified");
  }, 150_000);

  it('SIGTERM stops the server and the emulator cleanly', async () => {
    server?.kill('SIGTERM');
    emulator?.kill('SIGTERM');
    expect(await serverExit).toEqual({ code: 0, signal: null });
    expect(await emulatorExit).toEqual({ code: 0, signal: null });
    expect(emulatorOut).toContain('Stopping the Stripe emulator (SIGTERM).');
  });
});
