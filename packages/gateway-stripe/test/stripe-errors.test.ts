import { DomainError, gatewayError, gatewayErrorKindOf, isGatewayError } from '@cardbridge/core';
import Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { classifyStripeError } from '../src/index.js';

const E = Stripe.errors;
const raw = (fields: Record<string, unknown>) => E.StripeError.generate(fields as never);

const classify = (error: unknown, method: 'GET' | 'POST' | 'DELETE' = 'POST', hadConnectionError = false) =>
  classifyStripeError(error, { method, hadConnectionError }) as DomainError;

describe('Stripe error classification', () => {
  it('card errors are declines and keep code, decline_code, message and request id', () => {
    const e = classify(
      raw({
        statusCode: 402,
        type: 'card_error',
        code: 'card_declined',
        decline_code: 'insufficient_funds',
        message: 'Your card has insufficient funds.',
        requestId: 'req_123',
      }),
    );
    expect(e).toBeInstanceOf(DomainError);
    expect(e.code).toBe('GATEWAY_DECLINED');
    expect(e.message).toBe('Your card has insufficient funds.');
    expect(e.details).toMatchObject({
      gatewayKind: 'declined',
      declineCode: 'insufficient_funds',
      gateway: {
        code: 'card_declined',
        message: 'Your card has insufficient funds.',
        requestId: 'req_123',
        statusCode: 402,
      },
    });
  });

  it('404 / resource_missing is not found, message verbatim', () => {
    const e = classify(
      raw({
        statusCode: 404,
        type: 'invalid_request_error',
        code: 'resource_missing',
        param: 'id',
        message: "No such source: 'card_123'",
      }),
      'GET',
    );
    expect(e.code).toBe('GATEWAY_RESOURCE_NOT_FOUND');
    expect(e.message).toBe("No such source: 'card_123'");
    expect(e.details.param).toBe('id');
    const token = classify(
      raw({ statusCode: 400, code: 'resource_missing', message: "No such token: 'tok_x'" }),
    );
    expect(token.code).toBe('GATEWAY_RESOURCE_NOT_FOUND');
  });

  it.each([
    [
      { statusCode: 400, type: 'invalid_request_error', message: 'Invalid integer: abc' },
      'GATEWAY_INVALID_REQUEST',
    ],
    [
      { statusCode: 400, type: 'idempotency_error', message: 'Keys for idempotent requests…' },
      'GATEWAY_INVALID_REQUEST',
    ],
    [
      { statusCode: 401, type: 'invalid_request_error', message: 'Invalid API Key provided: sk_test_***' },
      'GATEWAY_AUTHENTICATION',
    ],
    [
      { statusCode: 403, message: 'The provided key does not have access to account acct_1' },
      'GATEWAY_AUTHENTICATION',
    ],
    [{ statusCode: 429, message: 'Too many requests' }, 'GATEWAY_RATE_LIMITED'],
    [{ statusCode: 409, message: 'lock timeout' }, 'GATEWAY_UNAVAILABLE'],
    [{ statusCode: 500, type: 'api_error', message: 'boom' }, 'GATEWAY_UNAVAILABLE'],
    [{ statusCode: 503, message: 'down' }, 'GATEWAY_UNAVAILABLE'],
  ] as const)('%o → %s', (fields, code) => {
    expect(classify(raw(fields), 'GET').code).toBe(code);
    expect(classify(raw(fields), 'POST').code).toBe(code);
  });

  it('a connection error is indeterminate on POST and unavailable on GET/DELETE', () => {
    const error = new E.StripeConnectionError({
      message: 'Request aborted due to timeout being reached (300ms)',
    });
    const post = classify(error, 'POST');
    expect(post.code).toBe('GATEWAY_TIMEOUT');
    expect(gatewayErrorKindOf(post)).toBe('indeterminate');
    expect(post.message).toBe('Request aborted due to timeout being reached (300ms)');
    expect(classify(error, 'GET').code).toBe('GATEWAY_UNAVAILABLE');
    expect(classify(error, 'DELETE').code).toBe('GATEWAY_UNAVAILABLE');
  });

  it('a POST that lost a response earlier and then ends in 5xx/429 stays indeterminate', () => {
    expect(classify(raw({ statusCode: 500, message: 'x' }), 'POST', true).code).toBe('GATEWAY_TIMEOUT');
    expect(classify(raw({ statusCode: 429, message: 'x' }), 'POST', true).code).toBe('GATEWAY_TIMEOUT');
    // A definitive answer (replayed by Stripe) is definitive.
    expect(classify(raw({ statusCode: 402, message: 'Your card was declined.' }), 'POST', true).code).toBe(
      'GATEWAY_DECLINED',
    );
    expect(classify(raw({ statusCode: 500, message: 'x' }), 'GET', true).code).toBe('GATEWAY_UNAVAILABLE');
  });

  it('keeps Retry-After on rate limits', () => {
    const e = classify(raw({ statusCode: 429, message: 'slow down', headers: { 'retry-after': '30' } }));
    expect(e.details.retryAfterMs).toBe(30_000);
  });

  it('passes non-Stripe errors and DomainErrors through unchanged', () => {
    const bug = new TypeError('x is undefined');
    expect(classifyStripeError(bug, { method: 'GET' })).toBe(bug);
    const domain = gatewayError('declined', 'no');
    expect(classifyStripeError(domain, { method: 'GET' })).toBe(domain);
  });

  it('never lets a card number into a message', () => {
    const e = classify(raw({ statusCode: 400, message: 'Your card number 4242424242424242 is bad' }));
    expect(e.message).not.toContain('4242424242424242');
    expect(JSON.stringify(e.details)).not.toContain('4242424242424242');
    expect(e.message).toContain('************4242');
  });
});

describe('gatewayError', () => {
  it.each([
    ['declined', 'GATEWAY_DECLINED'],
    ['not_found', 'GATEWAY_RESOURCE_NOT_FOUND'],
    ['invalid_request', 'GATEWAY_INVALID_REQUEST'],
    ['authentication', 'GATEWAY_AUTHENTICATION'],
    ['rate_limited', 'GATEWAY_RATE_LIMITED'],
    ['unavailable', 'GATEWAY_UNAVAILABLE'],
    ['indeterminate', 'GATEWAY_TIMEOUT'],
  ] as const)('%s → %s', (kind, code) => {
    const e = gatewayError(kind, 'msg', { code: 'c', requestId: 'req_1', statusCode: 418 });
    expect(e.code).toBe(code);
    expect(e.details).toEqual({
      gatewayKind: kind,
      gateway: { code: 'c', message: 'msg', requestId: 'req_1', statusCode: 418 },
    });
    expect(isGatewayError(e)).toBe(true);
    expect(isGatewayError(e, kind)).toBe(true);
  });

  it('is not fooled by other errors', () => {
    expect(isGatewayError(new DomainError('NOT_FOUND', 'x'))).toBe(false);
    expect(gatewayErrorKindOf(new Error('x'))).toBeUndefined();
  });
});
