import { findApiKeyByKeyId, touchApiKey } from '@cardbridge/db';
import type { AppDeps, Principal } from '../context.js';
import { apiKeyFromAuthorization, hashSecret, secretMatches } from './api-key-secret.js';

/** Compared against when no row exists, so unknown keys cost the same as wrong secrets. */
const decoyHash = hashSecret('cardbridge-decoy-secret');
const touchEveryMs = 60_000;

export type AuthFailureReason = 'missing' | 'malformed' | 'unknown' | 'revoked' | 'bad_secret';

export type Authentication =
  | { ok: true; principal: Principal }
  /** What the audit trail may say about a failure: never the secret. */
  | { ok: false; reason: AuthFailureReason; tenantId: number | null; keyId: string | null };

/**
 * Resolves the caller from the Authorization header. Unknown, revoked and malformed keys all
 * fail alike (one 401 for all); `authorize` decides what a failure costs and audits it.
 */
export async function authenticate(
  deps: AppDeps,
  authorization: string | undefined,
): Promise<Authentication> {
  const parsed = apiKeyFromAuthorization(authorization);
  // A key that authenticated a moment ago is taken from the cache (api-key-cache.ts: kept at
  // most CARDBRIDGE_API_KEY_CACHE_MS, dropped on every server when it is revoked).
  // A wrong secret for a cached key still goes to the database, so a failure takes as long
  // whether or not the key id is in the cache (which would tell that the key is in use).
  const hit = parsed ? deps.apiKeyCache.get(parsed.keyId) : undefined;
  const cached = hit && parsed && secretMatches(parsed.secret, hit.secretHash) ? hit : undefined;
  let row = cached ?? (parsed ? await findApiKeyByKeyId(deps.db, parsed.keyId) : undefined);
  const secretOk = secretMatches(parsed?.secret ?? '', row?.secretHash ?? decoyHash);
  if (!parsed || !row || row.revokedAt || !secretOk) {
    const reason: AuthFailureReason = !authorization
      ? 'missing'
      : !parsed
        ? 'malformed'
        : !row
          ? 'unknown'
          : row.revokedAt
            ? 'revoked'
            : 'bad_secret';
    return { ok: false, reason, tenantId: row?.tenantId ?? null, keyId: parsed?.keyId ?? null };
  }
  const now = deps.clock();
  if (!row.lastUsedAt || now.getTime() - row.lastUsedAt.getTime() > touchEveryMs) {
    await touchApiKey(deps.db, row.id, now);
    row = { ...row, lastUsedAt: now };
    deps.apiKeyCache.update(row);
  }
  if (!cached) deps.apiKeyCache.set(row);
  return {
    ok: true,
    principal: { tenantId: row.tenantId, apiKeyId: row.id, keyId: row.keyId, scopes: row.scopes },
  };
}
