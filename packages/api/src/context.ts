import { randomUUID } from 'node:crypto';
import type { MasterKey, Vault } from '@cardbridge/core';
import type { Db } from '@cardbridge/db';
import type { JobEngine } from '@cardbridge/jobs';
import type { ApiKeyCache } from './auth/api-key-cache.js';
import type { RateLimits } from './auth/rate-limits.js';
import type { GatewayRegistry } from './gateways/registry.js';
import type { Logger } from './logger.js';

/** What the composition root wires once and every request shares. */
export interface AppDeps {
  db: Db;
  logger: Logger;
  clock: () => Date;
  isProduction: boolean;
  /** How long a request owns its gateway intents and claims before recovery may take them. */
  intentLeaseMs: number;
  vault: Vault;
  masterKey: MasterKey;
  gateways: GatewayRegistry;
  /** How long an Idempotency-Key stays claimed by a request before another may take it over. */
  idempotencyLeaseMs: number;
  /** Per-key and failed-authentication limits (auth/rate-limits.ts). */
  rateLimits: RateLimits;
  /** Keys that authenticated a moment ago (auth/api-key-cache.ts: bounded staleness). */
  apiKeyCache: ApiKeyCache;
  /** Resolves when the database answers; for /readyz. */
  ping: () => Promise<void>;
  /** Where migration jobs' work is queued (pg-boss); workers take it from there. */
  jobs: JobEngine;
  /** The OpenPGP private key card-export files are encrypted to (null: encrypted files are refused). */
  importKey: { armored: string; passphrase?: string } | null;
}

/** An authenticated API key: always derived from the key, never from input. */
export interface Principal {
  tenantId: number;
  apiKeyId: number;
  keyId: string;
  scopes: readonly string[];
}

export type { Actor } from './actor.js';

export interface Context {
  deps: AppDeps;
  authorization: string | undefined;
  /** Where the call came from, for the audit trail. */
  origin: string;
  /** The client's address alone: what failed authentication is rate-limited by. */
  address: string;
  requestId: string;
  /** The raw `Idempotency-Key` header; validated (mutations only) by the idempotency middleware. */
  idempotencyKey: string | undefined;
  /** Sets a header on the HTTP response (e.g. `Idempotent-Replayed`); a no-op in process. */
  setResponseHeader: (name: string, value: string) => void;
}

/** For in-process callers (tests, createCaller): an explicit Authorization header. */
export function createInternalContext(
  deps: AppDeps,
  authorization?: string,
  opts: { idempotencyKey?: string; setResponseHeader?: Context['setResponseHeader'] } = {},
): Context {
  return {
    deps,
    authorization,
    origin: 'internal',
    address: 'internal',
    requestId: randomUUID(),
    idempotencyKey: opts.idempotencyKey,
    setResponseHeader: opts.setResponseHeader ?? (() => {}),
  };
}
