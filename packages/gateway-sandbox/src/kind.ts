import { defineGatewayKind, type GatewayRuntime, TestGateway } from '@cardbridge/core';
import { type Db, sandboxStore } from '@cardbridge/db';
import { z } from 'zod';

/**
 * The sandbox gateway kind: cardbridge's built-in gateway for tests, demos and local
 * development. It behaves like Stripe where the shared contract suite looks (the engine is
 * core's `TestGateway`). No credentials, an empty config; every capability but import by reference and Connect.
 *
 * Inputs may call it `test` (its name before gateway kinds, still what the account DTO shows)
 * or `sandbox`.
 */

export const sandboxConfig = z.strictObject({});
export type SandboxConfig = z.infer<typeof sandboxConfig>;

/** What the sandbox needs from its host besides the common runtime: the database. */
export interface SandboxRuntime extends GatewayRuntime {
  db: Db;
}

/**
 * The sandbox gateway of one account: core's TestGateway engine over the account's state in
 * the database. Faults injected by tests (`failNext`) stay in this object; customers, cards,
 * charges, refunds and idempotency records are rows (packages/db `sandboxStore`).
 */
export function createSandboxGateway(
  db: Db,
  scope: { gatewayAccountId: number; tenantId?: number },
): TestGateway {
  return new TestGateway({ store: sandboxStore(db, scope) });
}

export const sandboxKind = defineGatewayKind({
  kind: 'sandbox',
  inputTypes: ['test', 'sandbox'],
  inputFields: {},
  credentials: null,
  config: sandboxConfig,
  setup: () => ({ credentials: null, config: {}, credentialsHint: null, defaultName: 'Test gateway' }),
  // No 'import': the import procedures take Stripe ids; sandbox cards are made here, not imported.
  capabilities: () => ['token', 'rawCard', 'charge', 'refund', 'exportTarget'],
  view: () => ({ livemode: false, connectedAccountId: null, apiBase: null }),
  create: (_credentials, _config, runtime: SandboxRuntime) =>
    createSandboxGateway(runtime.db, {
      gatewayAccountId: runtime.gatewayAccountId,
      tenantId: runtime.tenantId,
    }),
});
