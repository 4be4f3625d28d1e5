import { findApiKeyByKeyId, insertAuditEvent, touchApiKey } from '@cardbridge/db';
import type { AppDeps, Principal } from '../context.js';
import { apiKeyFromAuthorization, hashSecret, secretMatches } from './api-key-secret.js';

/** Compared against when no row exists, so unknown keys cost the same as wrong secrets. */
const decoyHash = hashSecret('cardbridge-decoy-secret');
const touchEveryMs = 60_000;

/**
 * Resolves the caller from the Authorization header. Unknown, revoked and malformed keys all
 * come back as `null` (one 401 for all); each failure is audited without the secret.
 */
export async function authenticate(
  deps: AppDeps,
  authorization: string | undefined,
  origin: string,
): Promise<Principal | null> {
  const parsed = apiKeyFromAuthorization(authorization);
  const row = parsed ? await findApiKeyByKeyId(deps.db, parsed.keyId) : undefined;
  const secretOk = secretMatches(parsed?.secret ?? '', row?.secretHash ?? decoyHash);
  if (!parsed || !row || row.revokedAt || !secretOk) {
    const reason = !authorization
      ? 'missing'
      : !parsed
        ? 'malformed'
        : !row
          ? 'unknown'
          : row.revokedAt
            ? 'revoked'
            : 'bad_secret';
    await insertAuditEvent(deps.db, {
      tenantId: row?.tenantId ?? null,
      actorKeyId: parsed?.keyId ?? null,
      action: 'auth.failed',
      outcome: 'failure',
      origin,
      details: { reason },
    }).catch((err: unknown) => deps.logger.error({ err }, 'audit write failed'));
    return null;
  }
  const now = deps.clock();
  if (!row.lastUsedAt || now.getTime() - row.lastUsedAt.getTime() > touchEveryMs) {
    await touchApiKey(deps.db, row.id, now);
  }
  return { tenantId: row.tenantId, apiKeyId: row.id, keyId: row.keyId, scopes: row.scopes };
}
