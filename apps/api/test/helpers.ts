import { Writable } from 'node:stream';
import type { Scope } from '@cardbridge/core';
import { MasterKey, scopes, Vault } from '@cardbridge/core';
import {
  type DatabaseHandle,
  type Db,
  dataKeyStore,
  insertTenant,
  type NewPaymentMethod,
} from '@cardbridge/db';
import { createTestDatabase } from '@cardbridge/db/testing';
import { defaultRateLimits, type RateLimitConfig, RateLimits } from '../src/auth/rate-limits.js';
import type { AppDeps } from '../src/context.js';
import { createInternalContext } from '../src/context.js';
import type { ApiBasePolicy } from '../src/gateways/api-base-policy.js';
import { GatewayRegistry } from '../src/gateways/registry.js';
import { createLogger } from '../src/logger.js';
import { appRouter } from '../src/routers/index.js';
import { issueApiKey } from '../src/services/access.js';
import { createDefaultTestAccount } from '../src/services/gateway-accounts.js';
import { insertWithDefaultRule, withCustomerLock } from '../src/services/payment-methods/index.js';
import { createCallerFactory } from '../src/trpc.js';

const createCaller = createCallerFactory(appRouter);

/** Everything the suite logged, so tests can scan it for card data. */
export const capturedLogs: string[] = [];
const logSink = new Writable({
  write(chunk, _enc, cb) {
    capturedLogs.push(String(chunk));
    cb();
  },
});

export interface TestApp {
  deps: AppDeps;
  database: DatabaseHandle;
  /** A new tenant with a key holding `keyScopes` (all tenant scopes by default). */
  tenant(keyScopes?: Scope[]): Promise<TestTenant>;
  callerFor(key: string | undefined): ReturnType<typeof createCaller>;
  close(): Promise<void>;
}

export interface TestTenant {
  tenantId: number;
  key: string;
  caller: ReturnType<typeof createCaller>;
  /** Seeds a card through the repository, with the default-card rule applied. */
  addCard(customerId: number, overrides?: { last4?: string; isDefault?: boolean }): Promise<{ id: number }>;
}

let tenantCounter = 0;

/** Seeds a card straight into the database (no gateway, no audit), with the default-card rule. */
export function seedPaymentMethod(db: Db, tenantId: number, values: NewPaymentMethod) {
  return withCustomerLock(db, tenantId, values.customerId, (tx) =>
    insertWithDefaultRule(tx, tenantId, values),
  );
}

export async function createTestApp(
  opts: {
    isProduction?: boolean;
    clock?: () => Date;
    /** Default: loopback allowed (the emulator), as outside production. */
    apiBases?: ApiBasePolicy;
    gatewayDeadlineMs?: number;
    /** Per-attempt timeout of Stripe calls (default 2 s). */
    stripeTimeoutMs?: number;
    rateLimits?: Partial<RateLimitConfig>;
    intentLeaseMs?: number;
  } = {},
): Promise<TestApp> {
  const database = await createTestDatabase();
  const masterKey = MasterKey.fromBase64(MasterKey.generateBase64());
  const vault = new Vault(masterKey, dataKeyStore(database.db));
  const deps: AppDeps = {
    vault,
    masterKey,
    gateways: new GatewayRegistry(vault, {
      stripeTimeoutMs: opts.stripeTimeoutMs ?? 2_000,
      sleep: async () => {},
      apiBases: opts.apiBases ?? { allowList: [], allowLoopback: true },
      ...(opts.gatewayDeadlineMs !== undefined ? { deadlineMs: opts.gatewayDeadlineMs } : {}),
    }),
    rateLimits: new RateLimits({ ...defaultRateLimits, ...opts.rateLimits }),
    db: database.db,
    logger: createLogger({ level: 'debug', destination: logSink }),
    clock: opts.clock ?? (() => new Date()),
    isProduction: opts.isProduction ?? false,
    intentLeaseMs: opts.intentLeaseMs ?? 60_000,
    idempotencyLeaseMs: 60_000,
    ping: () => database.ping(),
  };
  const callerFor = (key: string | undefined) =>
    createCaller(createInternalContext(deps, key === undefined ? undefined : `Bearer ${key}`));
  return {
    deps,
    database,
    callerFor,
    async tenant(keyScopes = scopes.filter((s) => s !== 'platform')) {
      const t = await insertTenant(database.db, { name: `tenant-${++tenantCounter}` });
      const { secret } = await issueApiKey(database.db, t.id, 'test', keyScopes);
      await createDefaultTestAccount(database.db, t.id);
      return {
        tenantId: t.id,
        key: secret,
        caller: callerFor(secret),
        addCard: (customerId, o = {}) =>
          seedPaymentMethod(database.db, t.id, {
            customerId,
            cardType: 'Visa',
            maskedCardNumber: `************${o.last4 ?? '4242'}`,
            expirationMonth: 12,
            expirationYear: 2031,
            firstName: 'Test',
            lastName: 'Card',
            isDefault: o.isDefault ?? false,
          }),
      };
    },
    close: () => database.close(),
  };
}

/** Runs `fn` and returns the thrown tRPC error's code, domain code and message. */
export async function errorOf(fn: () => Promise<unknown>) {
  try {
    await fn();
  } catch (e) {
    const err = e as { code?: string; message: string; cause?: { code?: string } };
    return { code: err.code, message: err.message, domainCode: err.cause?.code };
  }
  throw new Error('expected the call to fail');
}

/** The real HTTP server on a random port over a fresh test database, with a temp data dir. */
export async function startTestServer(
  opts: { isProduction?: boolean; env?: Record<string, string>; rateLimits?: RateLimitConfig } = {},
) {
  const { mkdtemp, readFile } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  const path = await import('node:path');
  const { startApp } = await import('../src/app.js');
  const { parseEnv } = await import('../src/env.js');
  const dataDir = await mkdtemp(path.join(tmpdir(), 'cardbridge-api-test-'));
  const database = await createTestDatabase();
  const app = await startApp({
    env: parseEnv({
      PORT: '0',
      CARDBRIDGE_DATA_DIR: dataDir,
      NODE_ENV: opts.isProduction ? 'production' : 'test',
      CARDBRIDGE_MASTER_KEY: MasterKey.generateBase64(),
      STRIPE_TIMEOUT_MS: '2000',
      ...opts.env,
    }),
    gatewaySleep: async () => {},
    ...(opts.rateLimits ? { rateLimits: opts.rateLimits } : {}),
    database,
    logger: createLogger({ level: 'debug', destination: logSink }),
  });
  const bootstrapKey = (await readFile(app.bootstrapKeyFile, 'utf8')).trim();
  return { app, url: app.url, dataDir, bootstrapKey };
}
