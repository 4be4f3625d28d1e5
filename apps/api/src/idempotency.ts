import { createHmac } from 'node:crypto';
import { DomainError, type DomainErrorCode, errorCodeTable, scrubCardNumbers } from '@cardbridge/core';
import {
  claimIdempotencyKey,
  completeIdempotencyKey,
  type Db,
  purgeIdempotencyKeys,
  releaseIdempotencyKey,
  type StoredIdempotentResponse,
} from '@cardbridge/db';
import { TRPCError } from '@trpc/server';
import type { Actor } from './actor.js';
import type { AppDeps, Context } from './context.js';

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
 * Neither the key nor the request is stored in clear: both are HMACs under a key derived from
 * the master key, because either may carry a card number (createCard's input does).
 */

export const idempotencyHeader = 'Idempotency-Key';
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

/**
 * JSON with sorted keys, so the same request hashes the same however its keys are ordered.
 * Only plain data is accepted: an object with its own serialisation (a card number secret
 * refuses one) has no stable, safe form.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') return Number.isFinite(value) ? JSON.stringify(value) : 'null';
  if (Array.isArray(value))
    return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  if (typeof value === 'object') {
    const proto = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) {
      throw DomainError.field(idempotencyHeader, 'an idempotent request needs a plain JSON input');
    }
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  if (value === undefined) return 'null';
  throw DomainError.field(idempotencyHeader, 'an idempotent request needs a plain JSON input');
}

function hmac(deps: AppDeps, label: string, data: string): string {
  return createHmac('sha256', deps.masterKey.derive('idempotency'))
    .update(label)
    .update('\0')
    .update(data)
    .digest('base64url');
}

/** What the table holds for the client's key. */
export const storedKey = (deps: AppDeps, key: string) => hmac(deps, 'key', key);

/** The request fingerprint: procedure and raw input, never stored or logged in clear. */
export const requestHash = (deps: AppDeps, procedure: string, rawInput: unknown) =>
  hmac(deps, 'request', canonicalJson({ procedure, input: rawInput }));

/** 4xx domain outcomes are the request's answer; anything a retry may change is not. */
function isStorable(code: DomainErrorCode): boolean {
  const { http } = errorCodeTable[code];
  return http >= 400 && http < 500 && http !== 429 && !code.startsWith('IDEMPOTENCY_');
}

/** A JSON copy (what an HTTP client receives); throws on anything that refuses it. */
const jsonCopy = (value: unknown): unknown =>
  value === undefined ? null : JSON.parse(JSON.stringify(value));

/** Messages are safe by rule; the scrub is the last line of defence before a column. */
function scrubStrings(value: unknown): unknown {
  if (typeof value === 'string') return scrubCardNumbers(value);
  if (Array.isArray(value)) return value.map(scrubStrings);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, scrubStrings(v)]));
  }
  return value;
}

function storedError(err: DomainError): StoredIdempotentResponse {
  return {
    outcome: 'error',
    code: err.code,
    message: scrubCardNumbers(err.message),
    details: scrubStrings(jsonCopy(err.details)) as Record<string, unknown>,
  };
}

/**
 * The procedure's output schema, to give a replayed output the exact shape the first answer
 * had (the stored output may be what a service handed its commit hook, before the schema
 * stripped it). Imported lazily: the routers import the middleware chain that imports this.
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
  const key = storedKey(deps, parseKey(ctx.idempotencyKey));
  const hash = requestHash(deps, path, await opts.getRawInput());
  const now = deps.clock();
  const claim = await claimIdempotencyKey(deps.db, {
    tenantId: principal.tenantId,
    key,
    requestHash: hash,
    procedure: path,
    now,
    leaseMs: deps.idempotencyLeaseMs,
    retainedSince: new Date(now.getTime() - idempotencyRetentionMs),
  });
  switch (claim.kind) {
    case 'mismatch':
      throw new DomainError(
        'IDEMPOTENCY_MISMATCH',
        `This ${idempotencyHeader} was already used with a different request (procedure or parameters); use a new key for a new request.`,
      );
    case 'in_flight':
      throw new DomainError(
        'IDEMPOTENCY_IN_FLIGHT',
        `A request with this ${idempotencyHeader} is still being processed; retry later.`,
      );
    case 'replay': {
      ctx.setResponseHeader(replayedHeader, 'true');
      const stored = claim.response;
      if (stored.outcome === 'error') {
        throw new DomainError(stored.code as DomainErrorCode, stored.message, stored.details);
      }
      // tRPC's result shape; its `marker` is a compile-time brand only.
      return {
        ok: true,
        data: await replayOutput(path, stored.output),
        marker: 'middlewareMarker',
      } as unknown as R;
    }
    case 'owned':
      break;
  }

  const tenantId = principal.tenantId;
  const lease = claim.lease;
  const priorHook = principal.onCommit;
  /**
   * Called by `recordChange` inside the change's transaction: the response commits with the
   * change, or not at all. Losing the record (the lease passed and another request took the
   * key over) fails the change, so two requests with one key can never both commit.
   */
  const onCommit = async (tx: Db, output: unknown) => {
    await priorHook?.(tx, output);
    const stored = await completeIdempotencyKey(tx, tenantId, key, lease, {
      outcome: 'ok',
      output: jsonCopy(output),
    });
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
      await completeIdempotencyKey(deps.db, tenantId, key, lease, {
        outcome: 'ok',
        output: jsonCopy(result.data),
      });
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

/** Deletes records past the 24 h retention; the server runs it on a timer. */
export function purgeExpiredIdempotencyKeys(deps: Pick<AppDeps, 'db' | 'clock'>): Promise<number> {
  return purgeIdempotencyKeys(deps.db, new Date(deps.clock().getTime() - idempotencyRetentionMs));
}
