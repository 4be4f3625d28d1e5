import { DomainError, type DomainErrorCode, type FieldIssue } from '@cardbridge/core';
import { insertAuditEvent, isConcurrencyConflict } from '@cardbridge/db';
import { initTRPC, TRPCError } from '@trpc/server';
import type { Actor } from './actor.js';
import { authorize } from './auth/authorize.js';
import type { Context } from './context.js';
import { errorCodeTable } from './error-codes.js';
import { publicIssues, publicMessage, publicStack } from './error-redaction.js';
import { withIdempotencyKey } from './idempotency.js';
import { changeWasRecorded } from './services/audit.js';

interface IssueLike {
  path?: readonly (PropertyKey | { key: PropertyKey })[];
  message: string;
}

function hasIssues(cause: unknown): cause is { issues: IssueLike[] } {
  return typeof cause === 'object' && cause !== null && Array.isArray((cause as { issues?: unknown }).issues);
}

function toFieldIssues(issues: IssueLike[]): FieldIssue[] {
  return issues.map((i) => ({
    path: (i.path ?? []).map((p) => String(typeof p === 'object' ? p.key : p)).join('.') || '(input)',
    message: i.message,
  }));
}

const trpcCodeToDomain: Partial<Record<TRPCError['code'], DomainErrorCode>> = {
  BAD_REQUEST: 'VALIDATION_FAILED',
  PARSE_ERROR: 'VALIDATION_FAILED',
  UNAUTHORIZED: 'UNAUTHENTICATED',
  FORBIDDEN: 'FORBIDDEN',
  NOT_FOUND: 'NOT_FOUND',
  CONFLICT: 'CONFLICT',
  PAYLOAD_TOO_LARGE: 'VALIDATION_FAILED',
  METHOD_NOT_SUPPORTED: 'VALIDATION_FAILED',
  UNSUPPORTED_MEDIA_TYPE: 'VALIDATION_FAILED',
};

const t = initTRPC.context<Context>().create({
  errorFormatter({ shape, error, ctx }) {
    const cause = error.cause;
    const domain = cause instanceof DomainError ? cause : undefined;
    const rawIssues = domain?.details.issues ?? (hasIssues(cause) ? toFieldIssues(cause.issues) : undefined);
    const issues = rawIssues ? publicIssues(rawIssues) : undefined;
    const domainCode: DomainErrorCode =
      domain?.code ?? (issues ? 'VALIDATION_FAILED' : (trpcCodeToDomain[error.code] ?? 'INTERNAL'));
    const hideInternals = ctx?.deps.isProduction ?? process.env.NODE_ENV === 'production';
    const internal = error.code === 'INTERNAL_SERVER_ERROR' && !domain;
    let message = shape.message;
    if (issues && !domain)
      message = `Invalid input: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`;
    // In every mode, not only production: the real error is logged server-side (onError, REST mapping).
    message = publicMessage(message, internal);
    const stack = shape.data.stack ? publicStack(shape.data.stack, `${error.name}: ${message}`) : undefined;
    return {
      ...shape,
      message,
      data: {
        code: shape.data.code,
        httpStatus: shape.data.httpStatus,
        path: shape.data.path,
        domainCode,
        ...(issues ? { issues } : {}),
        ...(domain?.details.gateway ? { gateway: domain.details.gateway } : {}),
        ...(hideInternals || !stack ? {} : { stack }),
      },
    };
  },
});

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;

/** DomainError → TRPCError through the one code table; everything else stays internal. */
const domainErrors = t.middleware(async ({ next }) => {
  const result = await next();
  if (result.ok) return result;
  let cause = result.error.cause;
  // A race the services did not name more precisely: a clear 409, never a 500.
  if (!(cause instanceof DomainError) && isConcurrencyConflict(cause)) {
    cause = new DomainError(
      'CONFLICT',
      'This request conflicts with another change made at the same time; retry it.',
    );
  }
  if (cause instanceof DomainError) {
    throw new TRPCError({ code: errorCodeTable[cause.code].trpc, message: cause.message, cause });
  }
  return result;
});

/** Key, rate limit and scope (auth/authorize.ts); refusals are DomainErrors, mapped like any other. */
const authorized = t.middleware(async ({ ctx, path, next }) => {
  const actor: Actor = await authorize(ctx, path);
  return next({ ctx: { ...ctx, principal: actor } });
});

function targetOf(input: unknown, output: unknown): string | null {
  const pick = (v: unknown): unknown => {
    if (typeof v !== 'object' || v === null) return undefined;
    const o = v as Record<string, unknown>;
    return o.id ?? pick(o.tenant) ?? pick(o.apiKey);
  };
  const id = pick(input) ?? pick(output);
  // Raw input is anything a client sent (`{ id: { toString: "" } }` too): only a number or a
  // string names a target; String() of a hostile object would throw.
  return typeof id === 'number' || typeof id === 'string' ? String(id).slice(0, 100) : null;
}

/**
 * Every mutation leaves one audit row: who, what, target, outcome, origin — never card data.
 * A change writes its own row in the transaction that makes it (`recordChange`); here only
 * failures, and successes that changed nothing in a transaction (an import that found the
 * card already there), are recorded after the fact.
 */
const audited = t.middleware(async ({ ctx, path, type, getRawInput, next }) => {
  const result = await next();
  if (type !== 'mutation') return result;
  const actor = (ctx as Context & { principal?: Actor }).principal;
  if (!actor || (result.ok && changeWasRecorded(actor))) return result;
  const rawInput = await getRawInput().catch(() => undefined);
  const errorCause = result.ok ? undefined : result.error.cause;
  await insertAuditEvent(ctx.deps.db, {
    tenantId: actor.tenantId,
    actorKeyId: actor.keyId,
    action: path,
    targetType: path.split('.')[0] ?? null,
    targetId: targetOf(rawInput, result.ok ? result.data : undefined),
    outcome: result.ok ? 'success' : 'failure',
    origin: ctx.origin,
    details: result.ok
      ? { requestId: ctx.requestId }
      : {
          requestId: ctx.requestId,
          errorCode: errorCause instanceof DomainError ? errorCause.code : result.error.code,
        },
  }).catch((err: unknown) => ctx.deps.logger.error({ err, path }, 'audit write failed'));
  return result;
});

/** Idempotency-Key on mutations (replay, mismatch, in flight): see idempotency.ts. */
const idempotent = t.middleware((opts) => withIdempotencyKey(opts));

const base = t.procedure.use(domainErrors);
/** Every API procedure: authenticated, scope-checked, idempotent (mutations with a key), audited. */
export const protectedProcedure = base.use(authorized).use(idempotent).use(audited);
