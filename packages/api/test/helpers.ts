import { Writable } from 'node:stream';
import type { Scope } from '@cardbridge/core';
import { MasterKey, scopes } from '@cardbridge/core';
import { type DatabaseHandle, type Db, insertTenant, type NewPaymentMethod } from '@cardbridge/db';
import { createTestDatabase } from '@cardbridge/db/testing';
import { defaultRateLimits, type RateLimitConfig } from '../src/auth/rate-limits.js';
import type { AppDeps } from '../src/context.js';
import { createInternalContext } from '../src/context.js';
import { createDeps } from '../src/deps.js';
import type { ApiBasePolicy } from '../src/gateways/api-base-policy.js';
import { createLogger } from '../src/logger.js';
import { appRouter } from '../src/routers/index.js';
import { issueApiKey } from '../src/services/access.js';
import { createDefaultTestAccount } from '../src/services/gateway-accounts.js';
import { insertWithDefaultRule, withCustomerLock } from '../src/services/payment-methods/index.js';
import { createCallerFactory } from '../src/trpc.js';

const createCaller = createCallerFactory(appRouter);

/** Everything the suite logged, so tests can scan it for card data. */
export const capturedLogs: string[] = [];
export const logSink = new Writable({
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
    /** The vault's master key (base64), for child processes that must open what this app sealed. */
    masterKeyBase64?: string;
    /** The OpenPGP key card-export files are encrypted to. */
    importKey?: AppDeps['importKey'];
  } = {},
): Promise<TestApp> {
  const database = await createTestDatabase();
  const masterKey = MasterKey.fromBase64(opts.masterKeyBase64 ?? MasterKey.generateBase64());
  const deps = createDeps({
    database,
    masterKey,
    logger: createLogger({ level: 'debug', destination: logSink }),
    ...(opts.clock ? { clock: opts.clock } : {}),
    isProduction: opts.isProduction ?? false,
    ...(opts.apiBases ? { apiBases: opts.apiBases } : {}),
    stripeTimeoutMs: opts.stripeTimeoutMs ?? 2_000,
    ...(opts.gatewayDeadlineMs !== undefined ? { gatewayDeadlineMs: opts.gatewayDeadlineMs } : {}),
    gatewaySleep: async () => {},
    rateLimits: { ...defaultRateLimits, ...opts.rateLimits },
    intentLeaseMs: opts.intentLeaseMs ?? 60_000,
    idempotencyLeaseMs: 60_000,
    ...(opts.importKey ? { importKey: opts.importKey } : {}),
  });
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
    close: async () => {
      await deps.jobs.stop();
      await database.close();
    },
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
