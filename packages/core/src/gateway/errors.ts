import { scrubCardNumbers } from '../card/index.js';
import { DomainError, type DomainErrorCode } from '../errors.js';

/**
 * What went wrong at a gateway, independent of the gateway. Each kind maps to one
 * DomainError code; the API maps the code to tRPC/HTTP (its `errorCodeTable`).
 *
 * - declined: the card was refused (issuer decline, expired, CVC, processing error…).
 * - not_found: the customer/card does not exist for this account (or belongs to another customer).
 * - invalid_request: our request was wrong (bad parameter, wrong id prefix, idempotency misuse).
 * - authentication: bad API key, or no permission for the (connected) account.
 * - rate_limited: the gateway asked us to slow down and our retries ran out.
 * - unavailable: the gateway failed (5xx, lock timeouts, connection errors on reads); nothing changed.
 * - indeterminate: the outcome is UNKNOWN (timeout/dropped connection on a mutation): reconcile,
 *   do not retry with a new idempotency key. Maps to GATEWAY_TIMEOUT.
 */
export type GatewayErrorKind =
  | 'declined'
  | 'not_found'
  | 'invalid_request'
  | 'authentication'
  | 'rate_limited'
  | 'unavailable'
  | 'indeterminate';

export const gatewayErrorKinds: readonly GatewayErrorKind[] = [
  'declined',
  'not_found',
  'invalid_request',
  'authentication',
  'rate_limited',
  'unavailable',
  'indeterminate',
];

export const gatewayErrorCodeByKind = {
  declined: 'GATEWAY_DECLINED',
  not_found: 'GATEWAY_RESOURCE_NOT_FOUND',
  invalid_request: 'GATEWAY_INVALID_REQUEST',
  authentication: 'GATEWAY_AUTHENTICATION',
  rate_limited: 'GATEWAY_RATE_LIMITED',
  unavailable: 'GATEWAY_UNAVAILABLE',
  indeterminate: 'GATEWAY_TIMEOUT',
} as const satisfies Record<GatewayErrorKind, DomainErrorCode>;

/** What the gateway itself said; copied into `details.gateway` (+ `details.declineCode`). */
export interface GatewayErrorInfo {
  /** The gateway's error code, e.g. Stripe 'card_declined', 'resource_missing'. */
  code?: string;
  /** Issuer decline code, e.g. 'insufficient_funds', 'generic_decline'. */
  declineCode?: string;
  /** The gateway's own message, e.g. "No such source: 'card_123'". Defaults to `message`. */
  message?: string;
  requestId?: string;
  statusCode?: number;
  /** The parameter the gateway complained about. */
  param?: string;
}

const isKind = (value: unknown): value is GatewayErrorKind =>
  typeof value === 'string' && (gatewayErrorKinds as readonly string[]).includes(value);

/**
 * A DomainError for a gateway failure: code from `gatewayErrorCodeByKind`,
 * `details.gatewayKind`, `details.gateway = { code, message, requestId, statusCode }` and,
 * for declines, `details.declineCode`. Messages (ours and the gateway's) go through the
 * last-resort card-number scrubber, so an error can never carry a card number.
 */
export function gatewayError(
  kind: GatewayErrorKind,
  message: string,
  info: GatewayErrorInfo = {},
  /** More safe-to-show details (ids, retryAfterMs…), never card data. */
  extra: Record<string, unknown> = {},
): DomainError {
  const safeMessage = scrubCardNumbers(message);
  const gateway: { code?: string; message?: string; requestId?: string; statusCode?: number } = {
    message: scrubCardNumbers(info.message ?? message),
  };
  if (info.code !== undefined) gateway.code = info.code;
  if (info.requestId !== undefined) gateway.requestId = info.requestId;
  if (info.statusCode !== undefined) gateway.statusCode = info.statusCode;
  const details: Record<string, unknown> = { ...extra, gatewayKind: kind, gateway };
  if (info.declineCode !== undefined) details.declineCode = info.declineCode;
  if (info.param !== undefined) details.param = info.param;
  return new DomainError(gatewayErrorCodeByKind[kind], safeMessage, details);
}

/** The kind of a gateway DomainError, or undefined for any other error. */
export function gatewayErrorKindOf(error: unknown): GatewayErrorKind | undefined {
  if (!(error instanceof DomainError)) return undefined;
  const kind = error.details.gatewayKind;
  return isKind(kind) ? kind : undefined;
}

/** True for a gateway DomainError (optionally of the given kind). */
export function isGatewayError(error: unknown, kind?: GatewayErrorKind): error is DomainError {
  const actual = gatewayErrorKindOf(error);
  return actual !== undefined && (kind === undefined || actual === kind);
}
