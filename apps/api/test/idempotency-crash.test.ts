/**
 * Idempotency-Key across a crash: the real server as a child process (`node --import tsx
 * apps/api/src/main.ts`), killed with SIGKILL in the middle of a request, restarted on the same
 * database. The request is caught mid-flight deterministically: its first call to "Stripe"
 * (the emulator, behind a proxy in this process) is held, and the kill happens once it arrives.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, request, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freshCardNumber } from '@cardbridge/api/test/card-data.js';
import { MasterKey } from '@cardbridge/core';
import { type DatabaseHandle, type Db, openDatabase, schema } from '@cardbridge/db';
import { createTestDatabase, dumpAllTables, testDatabaseKind } from '@cardbridge/db/testing';
import { type StripeEmulator, startStripeEmulator } from '@cardbridge/stripe-emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const mainTs = path.join(root, 'apps', 'api', 'src', 'main.ts');

interface Child {
  process: ChildProcess;
  url: string;
  exited: Promise<void>;
  output: () => string;
}

/** The environment without anything that would point the child elsewhere. */
function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of Object.keys(env)) {
    if (
      name.startsWith('CARDBRIDGE_') ||
      ['DATABASE_URL', 'HOST', 'PORT', 'TEST_DATABASE_URL'].includes(name)
    ) {
      delete env[name];
    }
  }
  return { ...env, ...extra };
}

async function startChild(env: Record<string, string>): Promise<Child> {
  const child = spawn(process.execPath, ['--import', 'tsx', mainTs], {
    cwd: root,
    env: childEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d) => {
    out += String(d);
  });
  child.stderr.on('data', (d) => {
    out += String(d);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${out}`)), 90_000);
    child.stdout.on('data', () => {
      const listening = /listening on (http:\/\/\S+)/.exec(out);
      if (listening?.[1]) {
        clearTimeout(timer);
        resolve(listening[1]);
      }
    });
    void exited.then(() => reject(new Error(`server exited:\n${out}`)));
  });
  return { process: child, url, exited, output: () => out };
}

async function kill(child: Child): Promise<void> {
  if (child.process.exitCode === null && child.process.signalCode === null) child.process.kill('SIGKILL');
  await child.exited;
}

/**
 * A proxy to the Stripe emulator that can hold the next request: the child's request is then
 * mid-flight (claimed its key, nothing committed) for as long as the test wants.
 */
function holdingProxy(upstream: string) {
  let arm: (() => void) | undefined;
  const held: ServerResponse[] = [];
  const server: Server = createServer((req, res) => {
    if (arm) {
      const reached = arm;
      arm = undefined;
      held.push(res);
      reached();
      return;
    }
    const forward = request(
      new URL(req.url ?? '/', upstream),
      { method: req.method, headers: req.headers },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    forward.on('error', () => res.destroy());
    req.pipe(forward);
  });
  return {
    server,
    /** Resolves when the next request has arrived (and is being held). */
    holdNext: () =>
      new Promise<void>((resolve) => {
        arm = resolve;
      }),
    dropHeld: () => {
      for (const res of held.splice(0)) res.destroy();
    },
  };
}

describe('Idempotency-Key: replay after the server was killed mid-request', () => {
  const kind = testDatabaseKind();
  let dataDir: string;
  let emulator: StripeEmulator;
  let proxy: ReturnType<typeof holdingProxy>;
  let proxyUrl: string;
  /** PostgreSQL: the test's own database, shared with the children. */
  let pg: DatabaseHandle | undefined;
  let env: Record<string, string>;
  const children: Child[] = [];

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'cardbridge-idem-crash-'));
    emulator = await startStripeEmulator();
    proxy = holdingProxy(emulator.url);
    await new Promise<void>((resolve) => proxy.server.listen(0, '127.0.0.1', resolve));
    proxyUrl = `http://127.0.0.1:${(proxy.server.address() as AddressInfo).port}`;
    env = {
      PORT: '0',
      HOST: '127.0.0.1',
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      CARDBRIDGE_DATA_DIR: dataDir,
      CARDBRIDGE_MASTER_KEY: MasterKey.generateBase64(),
      // Far longer than the test: a lease "still running" never depends on how fast it is.
      CARDBRIDGE_IDEMPOTENCY_LEASE_MS: String(60 * 60 * 1000),
    };
    if (kind === 'postgres') {
      pg = await createTestDatabase();
      const result = await pg.db.execute('select current_database() as name');
      const rows = (Array.isArray(result) ? result : (result as { rows: unknown[] }).rows) as {
        name: string;
      }[];
      const url = new URL(process.env.TEST_DATABASE_URL!);
      url.pathname = `/${rows[0]!.name}`;
      env.DATABASE_URL = url.toString();
    }
  }, 120_000);

  afterAll(async () => {
    for (const child of children) await kill(child);
    proxy?.dropHeld();
    await new Promise((resolve) => proxy?.server.close(resolve));
    await emulator?.close();
    await pg?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  /** The database, while no child runs (PGlite allows one process at a time). */
  async function withDb<T>(fn: (db: Db) => Promise<T>): Promise<T> {
    if (pg) return fn(pg.db);
    const handle = await openDatabase({ kind: 'pglite', dataDir: path.join(dataDir, 'pgdata') });
    try {
      return await fn(handle.db);
    } finally {
      await handle.close();
    }
  }

  async function start(): Promise<Child> {
    const child = await startChild(env);
    children.push(child);
    return child;
  }

  it('answers 409 while the dead request holds its lease, executes once after it, replays after a kill', async () => {
    let server = await start();
    const auth = `Basic ${(await readFile(path.join(dataDir, 'bootstrap-admin.key'), 'utf8')).trim()}`;
    const call = async (method: string, route: string, body?: unknown, key?: string) => {
      const res = await fetch(`${server.url}${route}`, {
        method,
        headers: {
          authorization: auth,
          'content-type': 'application/json',
          ...(key ? { 'idempotency-key': key } : {}),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return { status: res.status, replayed: res.headers.get('idempotent-replayed'), body: await res.json() };
    };
    const trpcData = async (route: string, body: unknown) =>
      ((await call('POST', `/trpc/${route}`, body)).body as { result: { data: { id: number } } }).result.data;

    const stripeAccount = await trpcData('gatewayAccounts.create', {
      type: 'stripe',
      secretKey: 'sk_test_idempotencyCrash01',
      apiBase: proxyUrl,
    });
    const customer = await trpcData('customers.create', { firstName: 'Kill', lastName: 'Nine' });
    const cardNumber = freshCardNumber();
    const body = {
      customerId: customer.id,
      cardNumber,
      cvv: '123',
      firstName: 'Kill',
      lastName: 'Nine',
      expirationMonth: 10,
      expirationYear: 30,
      verify: true,
      gatewayAccountId: stripeAccount.id,
    };
    const key = `crash-${randomBytes(8).toString('hex')}`;
    const createCard = () => call('POST', '/v1/paymentMethods/creditCard', body, key);
    const cardsOfCustomer = (db: Db) =>
      db
        .select()
        .from(schema.paymentMethods)
        .then((rows) => rows.filter((r) => r.customerId === customer.id));

    // 1. The request claims its key, reaches the gateway, and the server dies there.
    const held = proxy.holdNext();
    const doomed = createCard().catch((err: unknown) => err);
    await held;
    await kill(server);
    expect(await doomed).toBeInstanceOf(Error);
    proxy.dropHeld();
    await withDb(async (db) => {
      expect(await db.select().from(schema.idempotencyKeys)).toMatchObject([
        { state: 'in_flight', procedure: 'paymentMethods.createCard', response: null },
      ]);
      expect(await cardsOfCustomer(db)).toHaveLength(0);
    });

    // 2. Restarted: the dead request's lease still runs, so the key answers 409.
    server = await start();
    const during = await createCard();
    expect(during.status).toBe(409);
    expect(during.body).toMatchObject({
      HttpStatusCode: 409,
      Errors: [{ Value: expect.stringMatching(/retry later/) }],
    });
    await kill(server);

    // 3. Once the lease has passed, the next request takes the key over and executes, once.
    await withDb(async (db) => {
      await db.update(schema.idempotencyKeys).set({ leaseUntil: new Date(Date.now() - 1_000) });
    });
    server = await start();
    const executed = await createCard();
    expect(executed.status).toBe(200);
    expect(executed.replayed).toBeNull();
    expect(executed.body).toMatchObject({ customerId: customer.id, storedInVault: true });

    // 4. Killed after it answered: a restarted server replays the committed response.
    await kill(server);
    server = await start();
    const replayed = await createCard();
    expect(replayed).toEqual({ ...executed, replayed: 'true' });
    await kill(server);

    await withDb(async (db) => {
      expect(await cardsOfCustomer(db)).toHaveLength(1);
      expect(await db.select().from(schema.idempotencyKeys)).toMatchObject([{ state: 'completed' }]);
      expect(await dumpAllTables(db)).not.toContain(cardNumber);
    });
    for (const child of children) expect(child.output()).not.toContain(cardNumber);
  }, 300_000);
});
