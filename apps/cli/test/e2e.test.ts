/**
 * End to end: the real server (`cardbridge serve`, a child process with its own PGlite data dir)
 * driven by the real CLI (`tsx apps/cli/src/main.ts …` and the repo-root `./cardbridge …`, child
 * processes) over HTTP.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const mainTs = path.join(root, 'apps', 'cli', 'src', 'main.ts');
const cardbridge = path.join(root, 'cardbridge');
/**
 * `tsx main.ts` as one process (`node --import tsx`, resolved from the repo root): SIGTERM reaches
 * the server itself, and a SIGKILL clean-up cannot orphan a grandchild the way the `tsx` binary's
 * wrapper process would.
 */
const tsxMain = ['--import', 'tsx', mainTs];

/** The environment without anything that would point the children elsewhere. */
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of Object.keys(env)) {
    if (name.startsWith('CARDBRIDGE_') || name === 'DATABASE_URL' || name === 'HOST' || name === 'PORT') {
      delete env[name];
    }
  }
  return { ...env, ...extra };
}

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

let baseEnv: Record<string, string> = {};

/**
 * One CLI run: `tsx apps/cli/src/main.ts …` by default, or `via: 'script'` for the repo-root
 * `./cardbridge` script exactly as a user runs it (one extra node process for its wrapper).
 */
function cli(
  args: string[],
  env: Record<string, string> = {},
  via: 'tsx' | 'script' = 'tsx',
): Promise<Result> {
  const [file, fileArgs] = via === 'script' ? [cardbridge, args] : [process.execPath, [...tsxMain, ...args]];
  return new Promise((resolve) => {
    execFile(
      file,
      fileArgs,
      { cwd: root, env: cleanEnv({ ...baseEnv, ...env }), timeout: 60_000 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
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
let serverOut = '';
let url = '';
let keyFile = '';
let dataDir = '';
let migrateDir = '';

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'cardbridge-e2e-'));
  migrateDir = await mkdtemp(path.join(tmpdir(), 'cardbridge-e2e-migrate-'));
  // Not ./cardbridge: its wrapper would not pass SIGTERM on to the server.
  const child = spawn(process.execPath, [...tsxMain, 'serve'], {
    cwd: root,
    env: cleanEnv({ PORT: '0', CARDBRIDGE_DATA_DIR: dataDir, LOG_LEVEL: 'warn' }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  server = child;
  serverExit = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  let serverErr = '';
  child.stderr.on('data', (d) => {
    serverErr += String(d);
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`server did not start:\n${serverOut}\n${serverErr}`)),
      60_000,
    );
    child.stdout.on('data', (d) => {
      serverOut += String(d);
      const listening = /listening on (http:\/\/\S+)/.exec(serverOut);
      const key = /admin key: (\S+)/.exec(serverOut);
      if (listening?.[1] && key?.[1]) {
        clearTimeout(timer);
        url = listening[1];
        keyFile = key[1];
        resolve();
      }
    });
    void serverExit.then(({ code }) =>
      reject(new Error(`server exited (${code}):\n${serverOut}\n${serverErr}`)),
    );
  });
  baseEnv = { CARDBRIDGE_URL: url };
}, 90_000);

afterAll(async () => {
  if (server && server.exitCode === null && server.signalCode === null) server.kill('SIGKILL');
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
  it('drives tenants, keys, customers and cards over HTTP, with the documented exit codes', async () => {
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(keyFile).toBe(path.join(dataDir, 'bootstrap-admin.key'));
    const bootstrapKey = (await readFile(keyFile, 'utf8')).trim();
    expect(serverOut).not.toContain(bootstrapKey);

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
    expect(tenantHuman.stdout).toMatch(/API key secret: cbk_[0-9a-f]{12}_\S+/);
    expect(tenantHuman.stdout).toContain('shown only once');
    expect(tenantHuman.stdout).not.toContain(bootstrapKey);

    const admin = { CARDBRIDGE_API_KEY: tenant.adminKey.secret };
    const [keyCreated, ada, grace, badEmail, missingCard, wrongKey, unreachable] = await Promise.all([
      cli(['keys', 'create', '--name', 'ci', '--scopes', 'read,write', '--json'], admin),
      cli(['customers', 'create', '--first-name', 'Ada', '--email', 'ada@example.com', '--json'], admin),
      cli(['customers', 'create', '--first-name', 'Grace', '--reference', 'g-1', '--json'], admin),
      cli(['customers', 'create', '--email', 'nope'], admin),
      cli(['cards', 'get', '999999'], admin),
      cli(['customers', 'list'], { CARDBRIDGE_API_KEY: `cbk_000000000000_${'A'.repeat(43)}` }),
      cli(['customers', 'list', '--url', `http://127.0.0.1:${await closedPort()}`], admin),
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

    // SIGTERM: the server closes and exits cleanly.
    server?.kill('SIGTERM');
    const exit = await serverExit;
    expect(exit).toEqual({ code: 0, signal: null });
  }, 150_000);
});
