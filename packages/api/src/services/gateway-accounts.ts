import {
  type CreateGatewayAccountInput,
  DomainError,
  type GatewayAccountDto,
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
import { recordChange } from './audit.js';

export const toGatewayAccountDto = (r: GatewayAccountRow): GatewayAccountDto => ({
  id: r.id,
  type: r.type,
  name: r.name,
  status: r.status,
  isDefault: r.isDefault,
  livemode: r.livemode,
  connectedAccountId: r.connectedAccountId,
  apiBase: r.apiBase,
  secretKeyLast4: r.secretLast4,
  createdDate: r.createdAt.toISOString(),
});

/** A fresh tenant's default: the built-in test gateway. */
export async function createDefaultTestAccount(db: Db, tenantId: number): Promise<GatewayAccountRow> {
  return insertGatewayAccount(db, tenantId, { type: 'test', name: 'Test gateway', isDefault: true });
}

export async function createGatewayAccount(
  deps: AppDeps,
  actor: Actor,
  input: CreateGatewayAccountInput,
): Promise<GatewayAccountDto> {
  if (input.type === 'stripe' && input.apiBase !== undefined) {
    // The override receives the secret key and, on export, card numbers: only where the
    // server's operator allows (the registry checks again at every use).
    const refusal = deps.gateways.apiBaseRefusal(input.apiBase);
    if (refusal) throw DomainError.field('apiBase', refusal);
  }
  // A Stripe secret is sealed for a reserved row id before the transaction opens: the vault
  // reads data keys through the outer connection (PGlite runs one transaction at a time).
  const secret =
    input.type === 'stripe'
      ? await (async () => {
          const id = await reserveGatewayAccountId(deps.db);
          const sealed = await deps.vault.sealGatewaySecret(actor.tenantId, id, input.secretKey);
          return {
            id,
            secretCiphertext: sealed.ciphertext,
            secretKeyVersion: sealed.keyVersion,
            secretLast4: input.secretKey.slice(-4),
          };
        })()
      : undefined;
  return deps.db.transaction(async (tx) => {
    if (input.isDefault) await clearDefaultGatewayAccount(tx, actor.tenantId);
    const row =
      input.type === 'test'
        ? await insertGatewayAccount(tx, actor.tenantId, {
            type: 'test',
            name: input.name ?? 'Test gateway',
            isDefault: input.isDefault,
          })
        : await insertGatewayAccount(tx, actor.tenantId, {
            ...secret!,
            type: 'stripe',
            name:
              input.name ??
              (input.connectedAccountId ? `Stripe Connect ${input.connectedAccountId}` : 'Stripe'),
            isDefault: input.isDefault,
            livemode: input.secretKey.includes('_live_'),
            connectedAccountId: input.connectedAccountId ?? null,
            apiBase: input.apiBase ?? null,
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
