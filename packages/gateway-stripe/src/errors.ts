import { DomainError, type GatewayErrorKind, gatewayError } from '@cardbridge/core';
import { type HttpMethod, isConnectionError, isStripeSdkError, retryAfterMs, statusCodeOf } from './retry.js';

/**
 * Stripe SDK error → gateway DomainError (the shape of medusa's `handleStripeError`, with
 * our kinds). Errors are recognised by the SDK's `type` ('StripeCardError', …) and HTTP
 * status rather than `instanceof`, so two copies of the SDK (ESM + CJS) cannot confuse it.
 *
 * | Stripe                                              | kind            |
 * |-----------------------------------------------------|-----------------|
 * | StripeCardError / 402                               | declined (code + decline_code kept) |
 * | 404, or code `resource_missing`                     | not_found (message verbatim, e.g. "No such source: 'card_…'") |
 * | StripeAuthenticationError 401, StripePermissionError 403 | authentication |
 * | 429 / StripeRateLimitError                          | rate_limited (`details.retryAfterMs`) |
 * | 409 (lock timeout, key in use)                      | unavailable     |
 * | 5xx / StripeAPIError                                | unavailable     |
 * | other 4xx (StripeInvalidRequestError, StripeIdempotencyError) | invalid_request |
 * | StripeConnectionError (timeout, reset, refused)     | POST: indeterminate; GET/DELETE: unavailable |
 *
 * A POST that lost a response on an earlier attempt and then ends in a transient error
 * (5xx/409/429) is still indeterminate: the first attempt may have been applied.
 *
 * Anything that is not a Stripe SDK error (a bug of ours) is returned unchanged.
 */

interface StripeErrorFields {
  type?: string;
  message?: string;
  code?: string;
  decline_code?: string;
  param?: string;
  requestId?: string;
}

export interface ClassifyContext {
  method: HttpMethod;
  /** An earlier attempt of this call got no response (see RetryStats.connectionErrors). */
  hadConnectionError?: boolean;
}

export function stripeErrorKind(error: unknown, method: HttpMethod): GatewayErrorKind {
  const e = error as StripeErrorFields;
  const status = statusCodeOf(error);
  if (isConnectionError(error)) return method === 'POST' ? 'indeterminate' : 'unavailable';
  if (e.type === 'StripeCardError' || status === 402) return 'declined';
  if (e.type === 'StripeAuthenticationError' || e.type === 'StripePermissionError') return 'authentication';
  if (status === 401 || status === 403) return 'authentication';
  if (e.type === 'StripeRateLimitError' || status === 429) return 'rate_limited';
  if (status === 404 || e.code === 'resource_missing') return 'not_found';
  if (status === 409) return 'unavailable';
  if (status !== undefined && status >= 500) return 'unavailable';
  if (e.type === 'StripeAPIError') return 'unavailable';
  if (status !== undefined && status >= 400) return 'invalid_request';
  if (e.type === 'StripeInvalidRequestError' || e.type === 'StripeIdempotencyError') return 'invalid_request';
  return 'unavailable';
}

export function classifyStripeError(error: unknown, context: ClassifyContext): unknown {
  if (error instanceof DomainError) return error;
  if (!isStripeSdkError(error)) return error;
  const e = error as Error & StripeErrorFields;
  let kind = stripeErrorKind(error, context.method);
  const gatewayMessage =
    typeof e.message === 'string' && e.message !== '' ? e.message : 'Stripe request failed.';
  let message = gatewayMessage;
  if (
    context.method === 'POST' &&
    context.hadConnectionError === true &&
    (kind === 'unavailable' || kind === 'rate_limited')
  ) {
    kind = 'indeterminate';
    message = `${gatewayMessage} (an earlier attempt got no response; the outcome is unknown)`;
  }
  const status = statusCodeOf(error);
  const extra: Record<string, unknown> = {};
  if (kind === 'rate_limited') {
    const after = retryAfterMs(error);
    if (after !== undefined) extra.retryAfterMs = after;
  }
  if (kind === 'indeterminate') extra.outcome = 'unknown';
  return gatewayError(
    kind,
    message,
    {
      message: gatewayMessage,
      ...(typeof e.code === 'string' ? { code: e.code } : {}),
      ...(typeof e.decline_code === 'string' ? { declineCode: e.decline_code } : {}),
      ...(typeof e.requestId === 'string' ? { requestId: e.requestId } : {}),
      ...(status !== undefined ? { statusCode: status } : {}),
      ...(typeof e.param === 'string' ? { param: e.param } : {}),
    },
    extra,
  );
}
