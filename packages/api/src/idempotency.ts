import { DomainError, type DomainErrorCode } from '@cardbridge/core';
import {
  claimIdempotencyKey,
  completeIdempotencyKey,
  type Db,
  purgeIdempotencyKeys,
  releaseIdempotencyKey,
} from '@cardbridge/db';
import { TRPCError } from '@trpc/server';
import type { Actor } from './actor.js';
import type { AppDeps, Context } from './context.js';
import { errorCodeTable } from './error-codes.js';
import {
  idempotencyHeader,
  openOutput,
  replayedError,
  requestHash,
  sealedOutput,
  storedError,
  storedKey,
} from './idempotency-records.js';

/*
 * `Idempotency-Key` on mutations, with Stripe's semantics:
 * - the same key with the same request (procedure and input) replays the stored response —
 *   the output, or the same domain error for a 4xx outcome — with `Idempotent-Replayed: true`;
 * - the same key with another request is refused (IDEMPOTENCY_MISMATCH, 422);
 * - while the first request runs, the key answers 409 (IDEMPOTENCY_IN_FLIGHT);
 * - nothing is stored for outcomes a retry may change (5xx, gateway unavailable or timeout,
 *   rate limits) nor for input that failed validation before execution: the key is released.
 * Keys are scoped to the tenant of the API key and kept 24 hours.
 *
 * What the records hold (HMACs, a sealed output): idempotency-records.ts.
 */

export const replayedHeader = 'Idempotent-Replayed';
export const idempotencyRetentionMs = 24 * 60 * 60 * 1000;

/** Printable ASCII, like Stripe's keys (a UUID is the usual choice). */
const validKey = /^[\x20-\x7e]{1,255}$/;

function parseKey(raw: string): string {
  if (!validKey.test(raw)) {
    throw DomainError.field(idempotencyHeader, 'must be 1 to 255 printable ASCII characters');
  }
  return raw;
}

/** 4xx domain outcomes are the request's answer; anything a retry may change is not. */
function isStorable(code: DomainErrorCode): boolean {
  const { http } = errorCodeTable[code];
  return http >= 400 && http < 500 && http !== 429 && !code.startsWith('IDEMPOTENCY_');
}

/**
 * The procedure's output schema. tRPC validates outputs inside this middleware (`.output()`
 * comes later in the chain), so a replay, which skips the chain, validates here: the stored
 * output may be what a service handed its commit hook, before the schema saw it. Imported
 * lazily: the routers import the middleware chain that imports this module.
 */
async function outputSchemaOf(path: string): Promise<StandardSchemaLike | undefined> {
  const { appRouter } = await import('./routers/index.js');
  const procedures = appRouter._def.procedures as unknown as Record<
    string,
    { _def: { output?: StandardSchemaLike } } | undefined
  >;
  return procedures[path]?._def.output;
}

interface StandardSchemaLike {
  '~standard': {
    validate(value: unknown): StandardResult | Promise<StandardResult>;
  };
}
type StandardResult = { value: unknown; issues?: undefined } | { issues: readonly unknown[] };

async function replayOutput(path: string, output: unknown): Promise<unknown> {
  const schema = await outputSchemaOf(path);
  if (!schema) return output;
  const result = await schema['~standard'].validate(output);
  if (result.issues) {
    throw new TRPCError({ code: 'INTERNAL_SERVER_ERROR', message: 'Output validation failed' });
  }
  return result.value;
}

/** The slice of tRPC's middleware options this needs; `R` is tRPC's own result type. */
export interface IdempotencyMiddlewareOptions<R> {
  ctx: Context;
  type: string;
  path: string;
  getRawInput: () => Promise<unknown>;
  next: (opts?: { ctx: { principal: Actor } }) => Promise<R>;
}

type MiddlewareResultLike = { ok: true; data: unknown } | { ok: false; error: TRPCError };

/**
 * Claims the key for this request, or refuses: a key used for another request is a mismatch,
 * one whose request is still running is in flight. What is left is a replay or ours to complete.
 */
async function claimOrRefuse(
  db: Db,
  deps: Pick<AppDeps, 'clock' | 'idempotencyLeaseMs'>,
  req: { tenantId: number; key: string; hash: string; path: string },
) {
  const now = deps.clock();
  const claim = await claimIdempotencyKey(db, {
    tenantId: req.tenantId,
    key: req.key,
    requestHash: req.hash,
    procedure: req.path,
    now,
    leaseMs: deps.idempotencyLeaseMs,
    retainedSince: new Date(now.getTime() - idempotencyRetentionMs),
  });
  if (claim.kind === 'mismatch') {
    throw new DomainError(
      'IDEMPOTENCY_MISMATCH',
      `This ${idempotencyHeader} was already used with a different request (procedure or parameters); use a new key for a new request.`,
    );
  }
  if (claim.kind === 'in_flight') {
    throw new DomainError(
      'IDEMPOTENCY_IN_FLIGHT',
      `A request with this ${idempotencyHeader} is still being processed; retry later.`,
    );
  }
  return claim;
}

/** The middleware body; trpc.ts wraps it with `t.middleware` after `authorized`. */
export async function withIdempotencyKey<R extends MiddlewareResultLike>(
  opts: IdempotencyMiddlewareOptions<R>,
): Promise<R> {
  const { ctx, path } = opts;
  const principal = (ctx as Context & { principal?: Actor }).principal;
  // Queries are safe to repeat; without a key (or an authenticated actor) nothing changes.
  if (opts.type !== 'mutation' || ctx.idempotencyKey === undefined || !principal) {
    return opts.next();
  }
  const { deps } = ctx;
  const key = storedKey(deps.masterKey, parseKey(ctx.idempotencyKey));
  const hash = requestHash(deps.masterKey, path, await opts.getRawInput());
  const claim = await claimOrRefuse(deps.db, deps, { tenantId: principal.tenantId, key, hash, path });
  switch (claim.kind) {
    case 'replay': {
      ctx.setResponseHeader(replayedHeader, 'true');
      const stored = claim.response;
      if (stored.outcome === 'error') throw replayedError(stored);
      const output = openOutput(deps.masterKey, { tenantId: principal.tenantId, key }, stored.sealed);
      // tRPC's result shape; its `marker` is a compile-time brand only.
      return {
        ok: true,
        data: await replayOutput(path, output),
        marker: 'middlewareMarker',
      } as unknown as R;
    }
    case 'owned':
      break;
  }

  const tenantId = principal.tenantId;
  const record = { tenantId, key };
  const lease = claim.lease;
  const priorHook = principal.onCommit;
  /**
   * Called by `recordChange` inside the change's transaction: the response commits with the
   * change, or not at all. Losing the record (the lease passed and another request took the
   * key over) fails the change, so two requests with one key can never both commit.
   */
  const onCommit = async (tx: Db, output: unknown) => {
    await priorHook?.(tx, output);
    const stored = await completeIdempotencyKey(
      tx,
      tenantId,
      key,
      lease,
      sealedOutput(deps.masterKey, record, output),
    );
    if (!stored) {
      throw new DomainError(
        'IDEMPOTENCY_IN_FLIGHT',
        `This request's ${idempotencyHeader} was taken over by a retry after its lease ran out; its change was not made.`,
      );
    }
  };

  const result = await opts.next({ ctx: { principal: { ...principal, onCommit } } });
  // Every write below touches only a record still in flight under this request's lease, so a
  // response committed with the change (above) is never overwritten.
  try {
    if (result.ok) {
      // Mutations not yet on recordChange are completed here, after the fact: a crash in
      // between leaves the key to be taken over once its lease has passed.
      await completeIdempotencyKey(
        deps.db,
        tenantId,
        key,
        lease,
        sealedOutput(deps.masterKey, record, result.data),
      );
    } else {
      const cause = result.error.cause;
      if (cause instanceof DomainError && isStorable(cause.code)) {
        await completeIdempotencyKey(deps.db, tenantId, key, lease, storedError(cause));
      } else {
        await releaseIdempotencyKey(deps.db, tenantId, key, lease);
      }
    }
  } catch (err) {
    // The answer stands; the key is freed so that a retry executes.
    deps.logger.error({ err, path }, 'idempotency record write failed');
    await releaseIdempotencyKey(deps.db, tenantId, key, lease).catch(() => {});
  }
  return result;
}

/** Thrown from a commit hook: roll the change back and answer `output`, the stored response, instead. */
export class IdempotentReplay extends Error {
  override readonly name = 'IdempotentReplay';
  constructor(readonly output: unknown) {
    super('The request was already made with this Idempotency-Key; its stored response stands.');
  }
}

/**
 * `Idempotency-Key` for a change whose request is known only once it has been read: a streamed
 * upload, whose parameters are its bytes. Its key cannot be claimed before it executes (as
 * `withIdempotencyKey` does), so it is claimed in the change's own transaction, from the actor's
 * commit hook, once `request()` can say what the request was: the record commits with the
 * change or not at all. When the key already holds a completed record, the change rolls back:
 * the same request replays that record's response (`IdempotentReplay`, or its stored error);
 * a different one is a mismatch. Without a key the actor is returned as it is; a malformed key
 * is refused at once, before any work.
 */
export function idempotentAtCommit(
  deps: Pick<AppDeps, 'masterKey' | 'clock' | 'idempotencyLeaseMs'>,
  actor: Actor,
  rawKey: string | undefined,
  path: string,
  request: () => unknown,
): Actor {
  if (rawKey === undefined) return actor;
  const key = storedKey(deps.masterKey, parseKey(rawKey));
  const { tenantId } = actor;
  const priorHook = actor.onCommit;
  const onCommit = async (tx: Db, output: unknown) => {
    await priorHook?.(tx, output);
    const hash = requestHash(deps.masterKey, path, request());
    const claim = await claimOrRefuse(tx, deps, { tenantId, key, hash, path });
    switch (claim.kind) {
      case 'replay':
        if (claim.response.outcome === 'error') throw replayedError(claim.response);
        throw new IdempotentReplay(openOutput(deps.masterKey, { tenantId, key }, claim.response.sealed));
      case 'owned':
        // Claimed in this very transaction: the record is ours to complete.
        await completeIdempotencyKey(
          tx,
          tenantId,
          key,
          claim.lease,
          sealedOutput(deps.masterKey, { tenantId, key }, output),
        );
    }
  };
  return { ...actor, onCommit };
}

/** Deletes records past the 24 h retention; the server runs it on a timer. */
export function purgeExpiredIdempotencyKeys(deps: Pick<AppDeps, 'db' | 'clock'>): Promise<number> {
  return purgeIdempotencyKeys(deps.db, new Date(deps.clock().getTime() - idempotencyRetentionMs));
}
