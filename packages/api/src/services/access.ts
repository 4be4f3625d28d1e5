import { DomainError, notFound, type Scope, scopes, toApiKeyDto, toTenantDto } from '@cardbridge/core';
import {
  type Db,
  insertApiKey,
  insertTenant,
  listApiKeys as listApiKeyRows,
  revokeApiKey as revokeApiKeyRow,
} from '@cardbridge/db';
import type { Actor } from '../actor.js';
import { generateApiKey } from '../auth/api-key-secret.js';
import { grants } from '../auth/procedure-scopes.js';
import type { AppDeps } from '../context.js';
import { recordChange } from './audit.js';
import { createDefaultTestAccount } from './gateway-accounts.js';

/** Every scope a tenant's own first key gets (all but `platform`). */
export const tenantAdminScopes: Scope[] = scopes.filter((s) => s !== 'platform');

export async function issueApiKey(db: Db, tenantId: number, name: string, keyScopes: Scope[]) {
  const generated = generateApiKey();
  const row = await insertApiKey(db, tenantId, {
    keyId: generated.keyId,
    secretHash: generated.secretHash,
    name,
    scopes: keyScopes,
  });
  return { apiKey: toApiKeyDto(row), secret: generated.key };
}

/** A new tenant and its first admin key, in one transaction: never a tenant nobody can reach. */
export async function createTenant(deps: AppDeps, actor: Actor, input: { name: string }) {
  return deps.db.transaction(async (tx) => {
    const tenant = await insertTenant(tx, { name: input.name });
    const adminKey = await issueApiKey(tx, tenant.id, `${input.name} admin`, tenantAdminScopes);
    await createDefaultTestAccount(tx, tenant.id);
    return recordChange(
      tx,
      actor,
      { action: 'tenants.create', targetType: 'tenants', targetId: tenant.id },
      { tenant: toTenantDto(tenant), adminKey },
    );
  });
}

/**
 * A key mints keys only within its own reach (a scope it holds, or one a scope it holds
 * implies): an `admin` key cannot make itself a `cards:export` key. `platform` is never
 * grantable (the input schema refuses it), so only the platform creates tenants.
 */
export async function createApiKey(deps: AppDeps, actor: Actor, input: { name: string; scopes: Scope[] }) {
  const missing = input.scopes.filter((s) => !grants(actor.scopes, s));
  if (missing.length > 0) {
    throw new DomainError(
      'FORBIDDEN',
      `This API key cannot grant scopes it does not hold: ${missing.join(', ')}.`,
      { missingScopes: missing },
    );
  }
  return deps.db.transaction(async (tx) => {
    const issued = await issueApiKey(tx, actor.tenantId, input.name, input.scopes);
    const event = { action: 'apiKeys.create', targetType: 'apiKeys', targetId: issued.apiKey.id };
    return recordChange(tx, actor, event, issued);
  });
}

export async function listApiKeys(deps: AppDeps, actor: Actor, input: { includeRevoked: boolean }) {
  const rows = await listApiKeyRows(deps.db, actor.tenantId, input);
  return rows.map(toApiKeyDto);
}

export async function revokeApiKey(deps: AppDeps, actor: Actor, input: { id: number }) {
  let keyId: string | undefined;
  const revoked = await deps.db.transaction(async (tx) => {
    const row = await revokeApiKeyRow(tx, actor.tenantId, input.id);
    if (!row) throw notFound.apiKey(String(input.id));
    keyId = row.keyId;
    const event = { action: 'apiKeys.revoke', targetType: 'apiKeys', targetId: row.id };
    return recordChange(tx, actor, event, toApiKeyDto(row));
  });
  // Other servers hear of it by NOTIFY (revokeApiKeyRow); this one stops serving it at once.
  if (keyId) deps.apiKeyCache.invalidate(keyId);
  return revoked;
}
