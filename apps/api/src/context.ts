import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { MasterKey, Vault } from '@cardbridge/core';
import type { Db } from '@cardbridge/db';
import type { RateLimits } from './auth/rate-limits.js';
import type { GatewayRegistry } from './gateways/registry.js';
import type { Logger } from './logger.js';

/** What the composition root wires once and every request shares. */
export interface AppDeps {
  db: Db;
  logger: Logger;
  clock: () => Date;
  isProduction: boolean;
  vault: Vault;
  masterKey: MasterKey;
  gateways: GatewayRegistry;
  /** Per-key and failed-authentication limits (auth/rate-limits.ts). */
  rateLimits: RateLimits;
  /** Resolves when the database answers; for /readyz. */
  ping: () => Promise<void>;
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
}

/** The peer address (no proxy header is trusted: a client could forge it to dodge its limit). */
export const addressOf = (req: IncomingMessage): string => req.socket.remoteAddress ?? 'unknown';

export function originOf(req: IncomingMessage): string {
  const ua = String(req.headers['user-agent'] ?? '').slice(0, 80);
  return `${addressOf(req)}${ua ? ` ${ua}` : ''}`;
}

export function createContextFactory(deps: AppDeps) {
  return ({ req }: { req: IncomingMessage }): Context => ({
    deps,
    authorization: req.headers.authorization,
    origin: originOf(req),
    address: addressOf(req),
    requestId: randomUUID(),
  });
}

/** For in-process callers (tests, createCaller): an explicit Authorization header. */
export function createInternalContext(deps: AppDeps, authorization?: string): Context {
  return { deps, authorization, origin: 'internal', address: 'internal', requestId: randomUUID() };
}
