import type { AppDeps, Context } from '@cardbridge/api';
import { appRouter, errorCodeTable, internalErrorMessage, retryAfterOf } from '@cardbridge/api';
import { DomainError, type FieldIssue, scrubCardNumbers } from '@cardbridge/core';
import { getTRPCErrorShape, TRPCError } from '@trpc/server';
import { getHTTPStatusCodeFromError } from '@trpc/server/http';
import { z } from 'zod';

/**
 * The seed's error envelope (Fusebill API "Stripe card import"):
 * `{"ErrorId":0,"HttpStatusCode":404,"Errors":[{"Key":"Api Error","Value":"Customer with id 1325 not found."}]}`.
 * Every REST error has this shape, and the HTTP status always equals `HttpStatusCode`.
 */
export const errorEnvelopeSchema = z
  .strictObject({
    ErrorId: z.literal(0),
    HttpStatusCode: z.number().int().min(400).max(599).describe('The HTTP status of the response.'),
    Errors: z
      .array(z.strictObject({ Key: z.string(), Value: z.string() }))
      .describe(
        'First `{"Key":"Api Error","Value":<summary>}`; for invalid input, then one entry per field: `{"Key":<field path>,"Value":<message>}`.',
      ),
  })
  .meta({ title: 'FusebillError' });
export type ErrorEnvelope = z.infer<typeof errorEnvelopeSchema>;

/** An error of the facade itself (no route, wrong method, body too large, not JSON, …). */
export class RestError extends Error {
  override readonly name = 'RestError';
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

const apiErrorKey = 'Api Error';

export function envelope(status: number, message: string, issues: readonly FieldIssue[] = []): ErrorEnvelope {
  return {
    ErrorId: 0,
    HttpStatusCode: status,
    // Last line of defence: whatever a message says, it never carries a card number.
    Errors: [
      { Key: apiErrorKey, Value: scrubCardNumbers(message) },
      ...issues.map((i) => ({ Key: i.path, Value: scrubCardNumbers(i.message) })),
    ],
  };
}

export interface ErrorResponse {
  status: number;
  body: ErrorEnvelope;
  headers: Record<string, string>;
}

/** What was being called when the error happened, for the tRPC error formatter. */
export interface CallInfo {
  ctx: Context;
  path: string;
  type: 'query' | 'mutation' | 'subscription' | 'unknown';
  input: unknown;
}

/**
 * Any error → the envelope. Errors from a procedure go through the very error formatter the
 * tRPC endpoint uses (same message, same field issues, same production hiding); their status
 * comes from `errorCodeTable` for a DomainError, else from the tRPC code.
 */
export function toErrorResponse(err: unknown, deps: AppDeps, call?: CallInfo): ErrorResponse {
  if (err instanceof RestError) {
    return { status: err.status, body: envelope(err.status, err.message), headers: err.headers };
  }
  if (err instanceof TRPCError) {
    const cause = err.cause;
    const status =
      cause instanceof DomainError ? errorCodeTable[cause.code].http : getHTTPStatusCodeFromError(err);
    const shape = getTRPCErrorShape({
      config: appRouter._def._config,
      error: err,
      type: call?.type ?? 'unknown',
      path: call?.path,
      input: call?.input,
      ctx: call?.ctx,
    });
    if (status >= 500 && !(cause instanceof DomainError)) {
      deps.logger.error({ err, path: call?.path }, 'internal error');
    }
    const retryAfter = retryAfterOf(err);
    return {
      status,
      body: envelope(status, shape.message, shape.data.issues ?? []),
      headers: retryAfter === undefined ? {} : { 'retry-after': String(retryAfter) },
    };
  }
  if (err instanceof DomainError) {
    // Thrown by the facade itself (a route's `before` check) or a stream operation, not wrapped by tRPC.
    const status = errorCodeTable[err.code].http;
    const message = err.code === 'INTERNAL' && deps.isProduction ? internalErrorMessage : err.message;
    const retryAfter = retryAfterOf(err);
    return {
      status,
      body: envelope(status, message, err.details.issues ?? []),
      headers: retryAfter === undefined ? {} : { 'retry-after': String(retryAfter) },
    };
  }
  // Logged in full server-side; the message is never sent, in any mode: it may carry SQL and
  // its parameters (vault ciphertext, fingerprints).
  deps.logger.error({ err, path: call?.path }, 'internal error');
  return { status: 500, body: envelope(500, internalErrorMessage), headers: {} };
}
