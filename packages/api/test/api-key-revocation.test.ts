import { MasterKey } from '@cardbridge/core';
import { type DatabaseHandle, openDatabase } from '@cardbridge/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInternalContext } from '../src/context.js';
import { createDeps, followApiKeyRevocations } from '../src/deps.js';
import { createLogger } from '../src/logger.js';
import { appRouter } from '../src/routers/index.js';
import { createCallerFactory } from '../src/trpc.js';
import { createTestApp, errorOf, type TestApp, type TestTenant } from './helpers.js';

/*
 * The cache of authenticated keys (auth/api-key-cache.ts) on two "servers" sharing one
 * database: A revokes, B must stop serving the key when the revocation's NOTIFY arrives, and
 * within the cache's lifetime should it never arrive. On PostgreSQL (TEST_DATABASE_URL) B has a
 * connection pool of its own; on PGlite both share the one embedded database. No test waits on
 * time: the notification is awaited as an event and the clock is driven.
 */

const createCaller = createCallerFactory(appRouter);
const ttlMs = 5_000;

type Deps = ReturnType<typeof createDeps>;

const keyIdOf = (secret: string) => secret.slice(4, 16);
const listCustomers = (deps: Deps, secret: string) =>
  createCaller(createInternalContext(deps, `Bearer ${secret}`)).customers.list({});

/** Resolves when `deps` drops `keyId` from its cache (or empties it). */
const invalidationOf = (deps: Deps, keyId: string) =>
  new Promise<void>((resolve) => {
    const stop = deps.apiKeyCache.onInvalidation((id) => {
      if (id === keyId || id === null) {
        stop();
        resolve();
      }
    });
  });

/** A LISTEN that is established but loses every notification, as over a dropped connection. */
function deafListen() {
  let onListen: (() => void) | undefined;
  return {
    listen: async (_channel: string, _onNotify: (payload: string) => void, listened?: () => void) => {
      onListen = listened;
      onListen?.();
      return async () => {};
    },
    /** The connection came back: postgres.js listens again and calls onListen. */
    relisten: () => onListen?.(),
  };
}

describe('API key cache: revocation across servers on one database', () => {
  let app: TestApp;
  let tenant: TestTenant;
  let secondDatabase: DatabaseHandle;
  let serverB: Deps;
  let now = new Date('2030-01-01T00:00:00Z');
  const stops: (() => Promise<void>)[] = [];

  const newDeps = (database: DatabaseHandle, clock?: () => Date) =>
    createDeps({
      database,
      masterKey: app.deps.masterKey,
      logger: createLogger({ level: 'silent' }),
      apiKeyCacheMs: ttlMs,
      ...(clock ? { clock } : {}),
    });

  async function newKey() {
    const { secret, apiKey } = await tenant.caller.apiKeys.create({ name: 'revocable', scopes: ['read'] });
    return { secret, id: apiKey.id };
  }

  beforeAll(async () => {
    app = await createTestApp();
    tenant = await app.tenant();
    stops.push(await followApiKeyRevocations(app.deps, app.database));
    const url = (app.database as DatabaseHandle & { url?: string }).url;
    secondDatabase = url ? await openDatabase({ kind: 'postgres', url, maxConnections: 2 }) : app.database;
    serverB = newDeps(secondDatabase);
    stops.push(await followApiKeyRevocations(serverB, secondDatabase));
  });
  afterAll(async () => {
    for (const stop of stops) await stop();
    if (secondDatabase !== app.database) await secondDatabase.close();
    await app.close();
  });

  it('keeps a key that authenticated, and only once revocations are listened to', async () => {
    const key = await newKey();
    const unfollowed = newDeps(app.database);
    await listCustomers(unfollowed, key.secret);
    expect(unfollowed.apiKeyCache.get(keyIdOf(key.secret))).toBeUndefined();
    await listCustomers(serverB, key.secret);
    expect(serverB.apiKeyCache.get(keyIdOf(key.secret))?.id).toBe(key.id);
  });

  it('never keeps a key that failed to authenticate', async () => {
    const key = await newKey();
    const wrongSecret = `${key.secret.slice(0, 17)}${'A'.repeat(43)}`;
    expect((await errorOf(() => listCustomers(serverB, wrongSecret))).code).toBe('UNAUTHORIZED');
    expect(serverB.apiKeyCache.get(keyIdOf(key.secret))).toBeUndefined();
    // Once the key is kept, a wrong secret for it is still refused, and the key still works.
    await listCustomers(serverB, key.secret);
    expect((await errorOf(() => listCustomers(serverB, wrongSecret))).code).toBe('UNAUTHORIZED');
    await expect(listCustomers(serverB, key.secret)).resolves.toBeDefined();
  });

  it('a key revoked on server A stops working on A at once and on B when the NOTIFY arrives', async () => {
    const key = await newKey();
    await listCustomers(app.deps, key.secret);
    await listCustomers(serverB, key.secret);
    expect(serverB.apiKeyCache.get(keyIdOf(key.secret))).toBeDefined();

    const heardOnB = invalidationOf(serverB, keyIdOf(key.secret));
    await tenant.caller.apiKeys.revoke({ id: key.id });
    expect((await errorOf(() => listCustomers(app.deps, key.secret))).code).toBe('UNAUTHORIZED');
    await heardOnB;
    expect((await errorOf(() => listCustomers(serverB, key.secret))).code).toBe('UNAUTHORIZED');
  });

  it('a revocation that rolls back announces nothing: the NOTIFY is part of its transaction', async () => {
    const key = await newKey();
    await listCustomers(serverB, key.secret);
    const { revokeApiKey } = await import('@cardbridge/db');
    await app.database.db
      .transaction(async (tx) => {
        await revokeApiKey(tx, tenant.tenantId, key.id);
        throw new Error('roll back');
      })
      .catch(() => {});
    // A later revocation's notification is the first B hears of this key.
    const heardOnB = invalidationOf(serverB, keyIdOf(key.secret));
    expect(serverB.apiKeyCache.get(keyIdOf(key.secret))).toBeDefined();
    await tenant.caller.apiKeys.revoke({ id: key.id });
    await heardOnB;
    expect((await errorOf(() => listCustomers(serverB, key.secret))).code).toBe('UNAUTHORIZED');
  });

  it('with the notification lost, a revoked key is served at most the cache lifetime after it was read', async () => {
    const deaf = deafListen();
    const serverC = newDeps(app.database, () => now);
    stops.push(await serverC.apiKeyCache.follow(deaf));
    const key = await newKey();
    const readAt = now.getTime();
    await listCustomers(serverC, key.secret);
    await tenant.caller.apiKeys.revoke({ id: key.id });

    now = new Date(readAt + ttlMs - 1);
    await expect(listCustomers(serverC, key.secret)).resolves.toBeDefined();
    now = new Date(readAt + ttlMs);
    expect((await errorOf(() => listCustomers(serverC, key.secret))).code).toBe('UNAUTHORIZED');
  });

  it('empties the cache when the listen is established again (notifications may have been missed)', async () => {
    const deaf = deafListen();
    const serverC = newDeps(app.database, () => now);
    stops.push(await serverC.apiKeyCache.follow(deaf));
    const key = await newKey();
    await listCustomers(serverC, key.secret);
    await tenant.caller.apiKeys.revoke({ id: key.id });
    await expect(listCustomers(serverC, key.secret)).resolves.toBeDefined();
    deaf.relisten();
    expect((await errorOf(() => listCustomers(serverC, key.secret))).code).toBe('UNAUTHORIZED');
  });

  it('keeps nothing with a lifetime of 0', async () => {
    const off = createDeps({
      database: app.database,
      masterKey: MasterKey.fromBase64(MasterKey.generateBase64()),
      logger: createLogger({ level: 'silent' }),
      apiKeyCacheMs: 0,
    });
    stops.push(await followApiKeyRevocations(off, app.database));
    const key = await newKey();
    await listCustomers(off, key.secret);
    expect(off.apiKeyCache.get(keyIdOf(key.secret))).toBeUndefined();
  });
});
