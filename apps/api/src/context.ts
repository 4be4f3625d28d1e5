import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { MasterKey, Vault } from '@cardbridge/core';
import type { Db } from '@cardbridge/db';
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
  requestId: string;
}

export function originOf(req: IncomingMessage): string {
  const ua = String(req.headers['user-agent'] ?? '').slice(0, 80);
  return `${req.socket.remoteAddress ?? 'unknown'}${ua ? ` ${ua}` : ''}`;
}

export function createContextFactory(deps: AppDeps) {
  return ({ req }: { req: IncomingMessage }): Context => ({
    deps,
    authorization: req.headers.authorization,
    origin: originOf(req),
    requestId: randomUUID(),
  });
}

/** For in-process callers (tests, createCaller): an explicit Authorization header. */
export function createInternalContext(deps: AppDeps, authorization?: string): Context {
  return { deps, authorization, origin: 'internal', requestId: randomUUID() };
}
