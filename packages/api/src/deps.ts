import { type MasterKey, Vault } from '@cardbridge/core';
import { type DatabaseHandle, dataKeyStore } from '@cardbridge/db';
import { JobEngine } from '@cardbridge/jobs';
import { ApiKeyCache } from './auth/api-key-cache.js';
import { defaultRateLimits, type RateLimitConfig, RateLimits } from './auth/rate-limits.js';
import type { AppDeps } from './context.js';
import type { ApiBasePolicy } from './gateways/api-base-policy.js';
import { GatewayRegistry } from './gateways/registry.js';
import type { Logger } from './logger.js';

/** What the API needs from its host: the server's environment, or a test's choices. */
export interface DepsConfig {
  database: DatabaseHandle;
  masterKey: MasterKey;
  logger: Logger;
  clock?: () => Date;
  isProduction?: boolean;
  /** Which gateway `apiBase` overrides are allowed (default: loopback only). */
  apiBases?: ApiBasePolicy;
  stripeTimeoutMs?: number;
  gatewayDeadlineMs?: number;
  /** How gateway adapters wait between retries (tests: no wait). */
  gatewaySleep?: (ms: number) => Promise<void>;
  rateLimits?: RateLimitConfig;
  intentLeaseMs?: number;
  idempotencyLeaseMs?: number;
  /** The job queue (default: pg-boss on this database, started on first use). */
  jobs?: AppDeps['jobs'];
  importKey?: AppDeps['importKey'];
  /**
   * How long an authenticated key may be served from memory (default 5 000 ms; 0: off). The
   * cache holds keys only once `followApiKeyRevocations` listens for revocations.
   */
  apiKeyCacheMs?: number;
}

export const defaultApiKeyCacheMs = 5_000;

/** The one composition of the API's dependencies: the server and the tests build them here. */
export function createDeps(config: DepsConfig): AppDeps {
  const { database, masterKey } = config;
  const vault = new Vault(masterKey, dataKeyStore(database.db));
  const clock = config.clock ?? (() => new Date());
  return {
    vault,
    masterKey,
    gateways: new GatewayRegistry(vault, {
      db: database.db,
      stripeTimeoutMs: config.stripeTimeoutMs ?? 15_000,
      ...(config.gatewayDeadlineMs !== undefined ? { deadlineMs: config.gatewayDeadlineMs } : {}),
      apiBases: config.apiBases ?? { allowList: [], allowLoopback: true },
      ...(config.gatewaySleep ? { sleep: config.gatewaySleep } : {}),
    }),
    rateLimits: new RateLimits(config.rateLimits ?? defaultRateLimits),
    db: database.db,
    logger: config.logger,
    clock,
    apiKeyCache: new ApiKeyCache({ ttlMs: config.apiKeyCacheMs ?? defaultApiKeyCacheMs, clock }),
    isProduction: config.isProduction ?? false,
    intentLeaseMs: config.intentLeaseMs ?? 120_000,
    idempotencyLeaseMs: config.idempotencyLeaseMs ?? 120_000,
    ping: () => database.ping(),
    jobs: config.jobs ?? new JobEngine({ database }),
    importKey: config.importKey ?? null,
  };
}

/**
 * Starts listening for API key revocations on the shared database; until it has, keys are not
 * cached. Resolves to the function that stops it (before the database closes).
 */
export function followApiKeyRevocations(
  deps: Pick<AppDeps, 'apiKeyCache'>,
  database: Pick<DatabaseHandle, 'listen'>,
): Promise<() => Promise<void>> {
  return deps.apiKeyCache.follow(database);
}
