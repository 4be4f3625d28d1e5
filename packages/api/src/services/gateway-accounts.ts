import {
  DomainError,
  type GatewayAccountDto,
  type GatewayCapability,
  notFound,
  type PaymentGateway,
} from '@cardbridge/core';
import {
  clearDefaultGatewayAccount,
  type Db,
  type GatewayAccountRow,
  getDefaultGatewayAccount,
  getGatewayAccount as getGatewayAccountRow,
  insertGatewayAccount,
  listGatewayAccounts as listGatewayAccountRows,
  reserveGatewayAccountId,
  updateGatewayAccount,
} from '@cardbridge/db';
import type { Actor } from '../actor.js';
import type { AppDeps } from '../context.js';
import { type CreateGatewayAccountInput, kindForInputType, kindOf } from '../gateways/kinds.js';
import { recordChange } from './audit.js';

/**
 * The account DTO is older than gateway kinds: `type` is the kind's first input name ('test'
 * for the sandbox), and livemode / connectedAccountId / apiBase come from the kind's view of
 * its config document.
 */
export function toGatewayAccountDto(r: GatewayAccountRow): GatewayAccountDto {
  const kind = kindOf(r);
  const config = kind.config.safeParse(r.config);
  const view = config.success
    ? kind.view(config.data)
    : { livemode: false, connectedAccountId: null, apiBase: null };
  return {
    id: r.id,
    type: kind.inputTypes[0],
    name: r.name,
    status: r.status,
    isDefault: r.isDefault,
    ...view,
    secretKeyLast4: r.credentialsHint,
    createdDate: r.createdAt.toISOString(),
  };
}

/** A fresh tenant's default: the built-in sandbox gateway. */
export async function createDefaultTestAccount(db: Db, tenantId: number): Promise<GatewayAccountRow> {
  return insertGatewayAccount(db, tenantId, { kind: 'sandbox', name: 'Test gateway', isDefault: true });
}

export async function createGatewayAccount(
  deps: AppDeps,
  actor: Actor,
  input: CreateGatewayAccountInput,
): Promise<GatewayAccountDto> {
  const { type, name, isDefault, ...fields } = input;
  const kind = kindForInputType(type);
  const setup = kind.setup(fields);
  const override = kind.endpointOverride?.(setup.config);
  if (override) {
    // The override receives the credentials and, on export, card numbers: only where the
    // server's operator allows (the registry checks again at every use).
    const refusal = deps.gateways.apiBaseRefusal(override.url);
    if (refusal) throw DomainError.field(override.field, refusal);
  }
  // Credentials are sealed (as JSON) for a reserved row id before the transaction opens: the
  // vault reads data keys through the outer connection (PGlite runs one transaction at a time).
  const sealed =
    setup.credentials !== null
      ? await (async () => {
          const id = await reserveGatewayAccountId(deps.db);
          const s = await deps.vault.sealGatewaySecret(actor.tenantId, id, JSON.stringify(setup.credentials));
          return {
            id,
            credentialsCiphertext: s.ciphertext,
            credentialsKeyVersion: s.keyVersion,
            credentialsFormat: 'json' as const,
          };
        })()
      : undefined;
  return deps.db.transaction(async (tx) => {
    if (isDefault) await clearDefaultGatewayAccount(tx, actor.tenantId);
    const row = await insertGatewayAccount(tx, actor.tenantId, {
      ...sealed,
      kind: kind.kind,
      name: name ?? setup.defaultName,
      isDefault,
      credentialsHint: setup.credentialsHint,
      config: setup.config as Record<string, unknown>,
    });
    const event = { action: 'gatewayAccounts.create', targetType: 'gatewayAccounts', targetId: row.id };
    return recordChange(tx, actor, event, toGatewayAccountDto(row));
  });
}

export async function listGatewayAccounts(deps: AppDeps, actor: Actor): Promise<GatewayAccountDto[]> {
  return (await listGatewayAccountRows(deps.db, actor.tenantId)).map(toGatewayAccountDto);
}

export async function getGatewayAccount(deps: AppDeps, actor: Actor, input: { id: number }) {
  return toGatewayAccountDto(await requireGatewayAccount(deps.db, actor.tenantId, input.id));
}

export async function disableGatewayAccount(deps: AppDeps, actor: Actor, input: { id: number }) {
  await requireGatewayAccount(deps.db, actor.tenantId, input.id);
  return deps.db.transaction(async (tx) => {
    const row = await updateGatewayAccount(tx, actor.tenantId, input.id, {
      status: 'disabled',
      isDefault: false,
    });
    const event = { action: 'gatewayAccounts.disable', targetType: 'gatewayAccounts', targetId: input.id };
    return recordChange(tx, actor, event, toGatewayAccountDto(row!));
  });
}

export async function requireGatewayAccount(
  db: Db,
  tenantId: number,
  id: number,
): Promise<GatewayAccountRow> {
  const row = await getGatewayAccountRow(db, tenantId, id);
  if (!row) throw notFound.gatewayAccount(id);
  return row;
}

/** An `accept` for `resolveGateway`: the account must have every one of `capabilities`. */
export const needs =
  (deps: AppDeps, ...capabilities: GatewayCapability[]) =>
  (account: GatewayAccountRow): string | null => {
    for (const capability of capabilities) {
      const refusal = deps.gateways.capabilityRefusal(account, capability);
      if (refusal) return refusal;
    }
    return null;
  };

/** The named account, or the tenant's default; with its gateway adapter. */
export async function resolveGateway(
  deps: AppDeps,
  tenantId: number,
  gatewayAccountId: number | undefined,
  accept: (account: GatewayAccountRow) => string | null = () => null,
): Promise<{ account: GatewayAccountRow; gateway: PaymentGateway }> {
  const account =
    gatewayAccountId !== undefined
      ? await requireGatewayAccount(deps.db, tenantId, gatewayAccountId)
      : await getDefaultGatewayAccount(deps.db, tenantId);
  if (!account) {
    throw DomainError.field('gatewayAccountId', 'the tenant has no default gateway account: name one');
  }
  const refusal = accept(account);
  if (refusal) throw DomainError.field('gatewayAccountId', refusal);
  return { account, gateway: await deps.gateways.forAccount(account) };
}
