import { DomainError } from '@cardbridge/core';
import { insertAuditEvent, type NewAuditEvent } from '@cardbridge/db';
import type { Actor } from '../actor.js';
import type { Context } from '../context.js';
import { authenticate } from './authenticate.js';
import { grants, requiredScope } from './procedure-scopes.js';
import { rateLimited } from './rate-limits.js';

const unauthenticated = () => new DomainError('UNAUTHENTICATED', 'Invalid or missing API key.');

/** Auth events are audited best-effort: a failed audit write must not turn a 401 into a 500. */
async function auditAuthEvent(ctx: Context, event: Omit<NewAuditEvent, 'origin' | 'outcome'>) {
  await insertAuditEvent(ctx.deps.db, {
    ...event,
    outcome: 'failure',
    origin: ctx.origin,
    details: { requestId: ctx.requestId, ...event.details },
  }).catch((err: unknown) => ctx.deps.logger.error({ err, action: event.action }, 'audit write failed'));
}

/**
 * Who may call `path`: the key from the Authorization header, its rate limit, then the scope
 * the procedure table asks for (fail closed). Throws UNAUTHENTICATED, RATE_LIMITED or
 * FORBIDDEN; every refusal but a rate-limited one is audited, and a flood of failed
 * authentications from one address leaves one `auth.rate_limited` row per window.
 */
export async function authorize(ctx: Context, path: string): Promise<Actor> {
  const { deps } = ctx;
  const auth = await authenticate(deps, ctx.authorization);
  if (!auth.ok) {
    const verdict = await deps.rateLimits.takeAuthFailure(ctx.address);
    if (verdict.limited) {
      if (verdict.firstInWindow) {
        await auditAuthEvent(ctx, {
          tenantId: null,
          actorKeyId: null,
          action: 'auth.rate_limited',
          details: { address: ctx.address, retryAfterSeconds: verdict.retryAfterSeconds },
        });
      }
      throw rateLimited('Too many failed authentications from this address.', verdict.retryAfterSeconds);
    }
    await auditAuthEvent(ctx, {
      tenantId: auth.tenantId,
      actorKeyId: auth.keyId,
      action: 'auth.failed',
      details: { reason: auth.reason },
    });
    throw unauthenticated();
  }
  const { principal } = auth;
  await deps.rateLimits.takeRequest(principal.keyId);
  const scope = requiredScope(path);
  if (!scope || !grants(principal.scopes, scope)) {
    await auditAuthEvent(ctx, {
      tenantId: principal.tenantId,
      actorKeyId: principal.keyId,
      action: 'auth.forbidden',
      targetType: path.split('.')[0] ?? null,
      details: { procedure: path, requiredScope: scope ?? null },
    });
    throw new DomainError(
      'FORBIDDEN',
      scope ? `This API key lacks the '${scope}' scope.` : 'Procedure not permitted.',
    );
  }
  return { kind: 'api_key', ...principal, origin: ctx.origin, requestId: ctx.requestId };
}
