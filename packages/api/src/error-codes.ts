import type { DomainErrorCode } from '@cardbridge/core';

/** Each domain error code's tRPC code and HTTP status: the API's side of core's codes. */
export type TrpcCodeName =
  | 'BAD_REQUEST'
  | 'UNAUTHORIZED'
  | 'PAYMENT_REQUIRED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'UNPROCESSABLE_CONTENT'
  | 'TOO_MANY_REQUESTS'
  | 'INTERNAL_SERVER_ERROR'
  | 'BAD_GATEWAY'
  | 'SERVICE_UNAVAILABLE'
  | 'GATEWAY_TIMEOUT';

export const errorCodeTable = {
  VALIDATION_FAILED: { trpc: 'BAD_REQUEST', http: 400 },
  PAYMENT_METHOD_DELETED: { trpc: 'BAD_REQUEST', http: 400 },
  CARD_NOT_EXPORTABLE: { trpc: 'BAD_REQUEST', http: 400 },
  GATEWAY_INVALID_REQUEST: { trpc: 'BAD_REQUEST', http: 400 },
  UNAUTHENTICATED: { trpc: 'UNAUTHORIZED', http: 401 },
  GATEWAY_DECLINED: { trpc: 'PAYMENT_REQUIRED', http: 402 },
  FORBIDDEN: { trpc: 'FORBIDDEN', http: 403 },
  NOT_FOUND: { trpc: 'NOT_FOUND', http: 404 },
  CUSTOMER_NOT_FOUND: { trpc: 'NOT_FOUND', http: 404 },
  PAYMENT_METHOD_NOT_FOUND: { trpc: 'NOT_FOUND', http: 404 },
  GATEWAY_ACCOUNT_NOT_FOUND: { trpc: 'NOT_FOUND', http: 404 },
  GATEWAY_RESOURCE_NOT_FOUND: { trpc: 'NOT_FOUND', http: 404 },
  CONFLICT: { trpc: 'CONFLICT', http: 409 },
  PAYMENT_METHOD_REPLACED: { trpc: 'CONFLICT', http: 409 },
  /** The Idempotency-Key's first request is still executing (Stripe: 409). */
  IDEMPOTENCY_IN_FLIGHT: { trpc: 'CONFLICT', http: 409 },
  /** The Idempotency-Key was first used with another request (IETF idempotency-key draft: 422). */
  IDEMPOTENCY_MISMATCH: { trpc: 'UNPROCESSABLE_CONTENT', http: 422 },
  /** Our own rate limit (per API key, or failed authentication per address); see `details.retryAfterSeconds`. */
  RATE_LIMITED: { trpc: 'TOO_MANY_REQUESTS', http: 429 },
  GATEWAY_RATE_LIMITED: { trpc: 'TOO_MANY_REQUESTS', http: 429 },
  INTERNAL: { trpc: 'INTERNAL_SERVER_ERROR', http: 500 },
  GATEWAY_AUTHENTICATION: { trpc: 'BAD_GATEWAY', http: 502 },
  GATEWAY_UNAVAILABLE: { trpc: 'SERVICE_UNAVAILABLE', http: 503 },
  GATEWAY_TIMEOUT: { trpc: 'GATEWAY_TIMEOUT', http: 504 },
} as const satisfies Record<DomainErrorCode, { trpc: TrpcCodeName; http: number }>;
