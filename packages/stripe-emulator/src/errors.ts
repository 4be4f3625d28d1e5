import { luhnValid } from './test-cards.js';

/**
 * Stripe's error objects: `{"error": {type, code?, decline_code?, param?, message, …}}`
 * with Stripe's HTTP statuses and wording, so SDK error classes and messages match.
 */

export type StripeErrorType = 'api_error' | 'card_error' | 'idempotency_error' | 'invalid_request_error';

export interface StripeErrorBody {
  type: StripeErrorType;
  message: string;
  code?: string;
  decline_code?: string;
  param?: string;
  doc_url?: string;
  charge?: string;
  payment_intent?: unknown;
  payment_method?: unknown;
  source?: unknown;
}

export class StripeApiError extends Error {
  readonly status: number;
  readonly body: StripeErrorBody;
  readonly headers: Record<string, string>;

  constructor(status: number, body: StripeErrorBody, headers: Record<string, string> = {}) {
    super(body.message);
    this.status = status;
    this.body = body;
    this.headers = headers;
  }

  toJSON(): { error: StripeErrorBody } {
    return { error: this.body };
  }
}

const docUrl = (code: string) => `https://stripe.com/docs/error-codes/${code.replaceAll('_', '-')}`;

function withCode(body: Omit<StripeErrorBody, 'doc_url'>): StripeErrorBody {
  return body.code ? { ...body, doc_url: docUrl(body.code) } : body;
}

export function invalidRequest(message: string, param?: string, code?: string, status = 400): StripeApiError {
  return new StripeApiError(
    status,
    withCode({
      type: 'invalid_request_error',
      message,
      ...(code ? { code } : {}),
      ...(param ? { param } : {}),
    }),
  );
}

export function missingParam(param: string): StripeApiError {
  return invalidRequest(`Missing required param: ${param}.`, param, 'parameter_missing');
}

/**
 * `No such customer: 'cus_x'` for every unknown or foreign id: 404 when the id is in the
 * URL, 400 when a body or query param names it (Stripe's statuses).
 */
export function resourceMissing(kind: string, id: string, param: string, status = 404): StripeApiError {
  return invalidRequest(`No such ${kind}: '${echo(id)}'`, param, 'resource_missing', status);
}

export interface CardErrorDetails {
  code: string;
  message: string;
  decline_code?: string;
  param?: string;
  charge?: string;
  payment_intent?: unknown;
  payment_method?: unknown;
}

export function cardError(details: CardErrorDetails): StripeApiError {
  return new StripeApiError(402, withCode({ type: 'card_error', ...details }));
}

export function idempotencyMismatch(key: string, endpoints?: { first: string; now: string }): StripeApiError {
  const rule = endpoints
    ? `for the same endpoint they were first used for ('${endpoints.first}' vs '${endpoints.now}')`
    : 'with the same parameters they were first used with';
  return new StripeApiError(400, {
    type: 'idempotency_error',
    message: `Keys for idempotent requests can only be used ${rule}. Try using a key other than '${key}' if you meant to execute a different request.`,
  });
}

export function rateLimited(retryAfterSeconds: number): StripeApiError {
  return new StripeApiError(
    429,
    withCode({
      type: 'invalid_request_error',
      code: 'rate_limit',
      message:
        'Request rate limit exceeded. You can learn more about rate limits here https://stripe.com/docs/rate-limits.',
    }),
    { 'Retry-After': String(retryAfterSeconds) },
  );
}

export function apiError(status: number): StripeApiError {
  return new StripeApiError(status, { type: 'api_error', message: 'An unknown error occurred' });
}

export function unrecognizedUrl(method: string, path: string): StripeApiError {
  return invalidRequest(
    `Unrecognized request URL (${method}: ${echo(path)}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.`,
    undefined,
    undefined,
    404,
  );
}

/** Stripe shows the key's first 8 characters and last 4, starring the rest. */
export function maskKey(key: string): string {
  if (key.length <= 12)
    return `${key.slice(0, Math.max(0, key.length - 4)).replace(/./g, '*')}${key.slice(-4)}`;
  return `${key.slice(0, 8)}${'*'.repeat(key.length - 12)}${key.slice(-4)}`;
}

/**
 * Stripe's 403 for an account the key cannot act for: a malformed Stripe-Account header, or
 * GET /v1/accounts/:id of an account that is not connected to the platform.
 */
export function noAccessToAccount(key: string, account: string): StripeApiError {
  return new StripeApiError(403, {
    type: 'invalid_request_error',
    code: 'account_invalid',
    message: `The provided key '${maskKey(key)}' does not have access to account '${echo(account)}' (or that account does not exist). Application access may have been revoked.`,
  });
}

/** Stripe's 403 when a platform, acting as a connected account, asks for that account's own connected accounts. */
export function connectedAccountsOfConnectedAccount(): StripeApiError {
  return new StripeApiError(403, {
    type: 'invalid_request_error',
    message: "You cannot access the connected accounts of your platform's connected accounts.",
  });
}

export function invalidApiKey(key: string): StripeApiError {
  return new StripeApiError(
    401,
    { type: 'invalid_request_error', message: `Invalid API Key provided: ${maskKey(key)}` },
    { 'WWW-Authenticate': 'Bearer realm="Stripe"' },
  );
}

export function missingApiKey(): StripeApiError {
  return new StripeApiError(
    401,
    {
      type: 'invalid_request_error',
      message:
        "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See https://stripe.com/docs/api#authentication for details, or we can help at https://support.stripe.com/.",
    },
    { 'WWW-Authenticate': 'Bearer realm="Stripe"' },
  );
}

/**
 * For quoting a client's param value in an error message: a card-number-like run of
 * digits (12–19, Luhn-valid, optionally grouped by spaces or dashes) is never echoed.
 */
export function echo(value: string): string {
  return value.replace(/\d(?:[ -]?\d){11,18}/g, (run) => {
    const digits = run.replace(/[ -]/g, '');
    if (!luhnValid(digits)) return run;
    return `${'*'.repeat(digits.length - 4)}${digits.slice(-4)}`;
  });
}
