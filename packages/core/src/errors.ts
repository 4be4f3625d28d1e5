/**
 * Errors are codes, not strings (DESIGN house rule 6). Core and db throw DomainError;
 * the API maps `code` to a tRPC code and an HTTP status through `errorCodeTable`, the one
 * place that mapping lives. Messages that come from the seeds are kept word for word.
 */

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
  IDEMPOTENCY_KEY_REUSED: { trpc: 'CONFLICT', http: 409 },
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
} as const satisfies Record<string, { trpc: TrpcCodeName; http: number }>;

export type DomainErrorCode = keyof typeof errorCodeTable;

/** One problem with one input field; `path` is the dotted field name. */
export interface FieldIssue {
  path: string;
  message: string;
}

export interface DomainErrorDetails {
  issues?: FieldIssue[];
  /** Gateway errors keep what the gateway said, for support and reconciliation. */
  gateway?: { code?: string; message?: string; requestId?: string; statusCode?: number };
  /** Free-form, safe-to-show context (ids, never card data). */
  [key: string]: unknown;
}

export class DomainError extends Error {
  override readonly name = 'DomainError';
  constructor(
    readonly code: DomainErrorCode,
    message: string,
    readonly details: DomainErrorDetails = {},
  ) {
    super(message);
  }

  static validation(issues: FieldIssue[]): DomainError {
    const summary = issues.map((i) => `${i.path}: ${i.message}`).join('; ');
    return new DomainError('VALIDATION_FAILED', `Invalid input: ${summary}`, { issues });
  }

  static field(path: string, message: string): DomainError {
    return DomainError.validation([{ path, message }]);
  }
}

export const isDomainError = (e: unknown): e is DomainError => e instanceof DomainError;

/** Seed wording: "Customer with id 1325 not found." */
export const notFound = {
  customer: (id: number) => new DomainError('CUSTOMER_NOT_FOUND', `Customer with id ${id} not found.`),
  paymentMethod: (id: number) =>
    new DomainError('PAYMENT_METHOD_NOT_FOUND', `Payment method with id ${id} not found.`),
  gatewayAccount: (id: number) =>
    new DomainError('GATEWAY_ACCOUNT_NOT_FOUND', `Gateway account with id ${id} not found.`),
  apiKey: (id: string) => new DomainError('NOT_FOUND', `API key ${id} not found.`),
};
