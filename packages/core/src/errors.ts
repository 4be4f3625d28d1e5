/**
 * Errors are codes, not strings (house rule 6, docs/architecture.md). Core and db throw DomainError with one
 * of these codes; the API maps a code to a tRPC code and an HTTP status through its
 * `errorCodeTable` (packages/api/src/error-codes.ts), the one place that mapping lives: core
 * knows nothing of HTTP. Messages that come from the seeds are kept word for word.
 */

export const domainErrorCodes = [
  'VALIDATION_FAILED',
  'PAYMENT_METHOD_DELETED',
  'CARD_NOT_EXPORTABLE',
  'GATEWAY_INVALID_REQUEST',
  'UNAUTHENTICATED',
  'GATEWAY_DECLINED',
  'FORBIDDEN',
  'NOT_FOUND',
  'CUSTOMER_NOT_FOUND',
  'PAYMENT_METHOD_NOT_FOUND',
  'GATEWAY_ACCOUNT_NOT_FOUND',
  'GATEWAY_RESOURCE_NOT_FOUND',
  'CONFLICT',
  'PAYMENT_METHOD_REPLACED',
  'IDEMPOTENCY_IN_FLIGHT',
  'IDEMPOTENCY_MISMATCH',
  'RATE_LIMITED',
  'GATEWAY_RATE_LIMITED',
  'INTERNAL',
  'GATEWAY_AUTHENTICATION',
  'GATEWAY_UNAVAILABLE',
  'GATEWAY_TIMEOUT',
] as const;

export type DomainErrorCode = (typeof domainErrorCodes)[number];

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
