import { Cvv, Pan } from '@cardbridge/core';
import { expectGatewayError } from '@cardbridge/core/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { StripeGateway, type StripeGatewayOptions } from '../src/index.js';
import { formFields, type StubStripe, startStubStripe, stripeCard, stripeError } from './stub-stripe.js';

/**
 * Wire-level checks of the Stripe adapter against a scripted stub server: which headers,
 * which idempotency keys, how many attempts, how long it sleeps.
 */
describe('StripeGateway on the wire (stub server)', () => {
  let stub: StubStripe;
  let slept: number[];

  beforeAll(async () => {
    stub = await startStubStripe();
  });
  afterAll(async () => {
    await stub.close();
  });
  beforeEach(() => {
    stub.requests.length = 0;
    slept = [];
  });

  const gateway = (options: Partial<StripeGatewayOptions> = {}) =>
    new StripeGateway({
      secretKey: 'sk_test_stub',
      apiBase: stub.url,
      timeoutMs: 2_000,
      sleep: async (ms) => {
        slept.push(ms);
      },
      random: () => 0.5,
      ...options,
    });
  const ref = { externalCustomerId: 'cus_stub', externalCardId: 'card_stub1' };

  it('POSTs with our step idempotency key, reused unchanged on every retry', async () => {
    stub.script(
      stripeError(500, { type: 'api_error', message: 'boom' }),
      stripeError(503, { type: 'api_error', message: 'boom' }),
      { status: 200, body: stripeCard() },
    );
    const card = await gateway().createCardFromToken({
      externalCustomerId: 'cus_stub',
      token: 'tok_visa',
      metadata: { pm: '7' },
      idempotencyKey: 'pm-7',
    });
    expect(card.externalCardId).toBe('card_stub1');
    expect(stub.requests.map((r) => [r.method, r.path])).toEqual([
      ['POST', '/v1/customers/cus_stub/sources'],
      ['POST', '/v1/customers/cus_stub/sources'],
      ['POST', '/v1/customers/cus_stub/sources'],
    ]);
    expect(stub.requests.map((r) => r.headers['idempotency-key'])).toEqual([
      'pm-7:source',
      'pm-7:source',
      'pm-7:source',
    ]);
    expect(formFields(stub.requests[0]!.body)).toEqual({ source: 'tok_visa', 'metadata[pm]': '7' });
    expect(slept).toEqual([375, 750]);
  });

  it('sends no telemetry and no Stripe-Account without Connect; Stripe-Account on every call with it', async () => {
    stub.script({ status: 200, body: stripeCard() });
    await gateway().retrieveCard(ref);
    expect(stub.requests[0]!.headers['stripe-account']).toBeUndefined();
    expect(stub.requests[0]!.headers['x-stripe-client-telemetry']).toBeUndefined();
    expect(stub.requests[0]!.headers.authorization).toBe('Bearer sk_test_stub');
    expect(stub.requests[0]!.headers['idempotency-key']).toBeUndefined();

    stub.requests.length = 0;
    stub.fallback = (req) =>
      req.path.includes('/tokens')
        ? {
            status: 200,
            body: { id: 'tok_1', object: 'token', card: stripeCard(), type: 'card', used: false },
          }
        : { status: 200, body: stripeCard() };
    const connect = gateway({ connectedAccountId: 'acct_A' });
    await connect.retrieveCard(ref);
    await connect.updateCard(ref, { name: 'N' }, 'u1');
    await connect.createCardFromNumber({
      externalCustomerId: 'cus_stub',
      pan: Pan.parse('4242424242424242'),
      expMonth: 8,
      expYear: 2031,
      idempotencyKey: 'n1',
    });
    await connect.deleteCard(ref);
    expect(stub.requests.length).toBe(5);
    for (const r of stub.requests)
      expect(r.headers['stripe-account'], `${r.method} ${r.path}`).toBe('acct_A');
    expect(stub.requests.map((r) => r.headers['idempotency-key'])).toEqual([
      undefined,
      'u1:update',
      'n1:token',
      'n1:source',
      undefined,
    ]);
    stub.fallback = () => ({ status: 500, body: { error: { type: 'api_error', message: 'stub' } } });
  });

  it('creates from a number: token with card fields, then the source; the observer never sees the number', async () => {
    const seen: unknown[] = [];
    stub.script(
      {
        status: 200,
        body: { id: 'tok_abc', object: 'token', type: 'card', used: false, card: stripeCard() },
      },
      { status: 200, body: stripeCard({ name: 'John Doe', address_country: 'CA' }) },
    );
    const card = await gateway({
      observer: { request: (e) => seen.push(e), response: (e) => seen.push(e) },
    }).createCardFromNumber({
      externalCustomerId: 'cus_stub',
      pan: Pan.parse('4242424242424242'),
      cvv: Cvv.parse('123'),
      expMonth: 8,
      expYear: 2031,
      name: 'John Doe',
      address: { line1: '1 Main', country: 'CA', postalCode: 'K2K 2A1' },
      idempotencyKey: 'num',
    });
    expect(card).toMatchObject({ name: 'John Doe', address: { country: 'CA' } });
    expect(formFields(stub.requests[0]!.body)).toEqual({
      'card[number]': '4242424242424242',
      'card[exp_month]': '8',
      'card[exp_year]': '2031',
      'card[cvc]': '123',
      'card[name]': 'John Doe',
      'card[address_line1]': '1 Main',
      'card[address_zip]': 'K2K 2A1',
      'card[address_country]': 'CA',
    });
    expect(formFields(stub.requests[1]!.body)).toEqual({ source: 'tok_abc' });
    const observed = JSON.stringify(seen);
    expect(observed).not.toContain('4242424242424242');
    expect(observed).toContain('************4242');
    expect(observed).not.toContain('"123"');
  });

  it('honours Retry-After on 429 (asks the injected sleep for exactly that long)', async () => {
    stub.script(
      stripeError(
        429,
        { type: 'invalid_request_error', message: 'Too many requests' },
        { 'Retry-After': '2' },
      ),
      { status: 200, body: stripeCard() },
    );
    await gateway().retrieveCard(ref);
    expect(slept).toEqual([2000]);
    expect(stub.requests).toHaveLength(2);
  });

  it('gives up at once when Retry-After is beyond the cap', async () => {
    stub.script(stripeError(429, { message: 'Too many requests' }, { 'Retry-After': '60' }));
    const e = await expectGatewayError(
      gateway().retrieveCard(ref),
      'GATEWAY_RATE_LIMITED',
      'Too many requests',
    );
    expect(e.details.retryAfterMs).toBe(60_000);
    expect(stub.requests).toHaveLength(1);
    expect(slept).toEqual([]);
  });

  it.each([
    [
      400,
      { type: 'invalid_request_error', message: 'Invalid integer: x', param: 'exp_month' },
      'GATEWAY_INVALID_REQUEST',
    ],
    [
      401,
      { type: 'invalid_request_error', message: 'Invalid API Key provided: sk_test_***stub' },
      'GATEWAY_AUTHENTICATION',
    ],
    [
      402,
      {
        type: 'card_error',
        code: 'card_declined',
        decline_code: 'generic_decline',
        message: 'Your card was declined.',
      },
      'GATEWAY_DECLINED',
    ],
    [403, { type: 'invalid_request_error', message: 'No access to acct_X' }, 'GATEWAY_AUTHENTICATION'],
    [
      404,
      { type: 'invalid_request_error', code: 'resource_missing', message: "No such source: 'card_stub1'" },
      'GATEWAY_RESOURCE_NOT_FOUND',
    ],
  ] as const)('never retries a %d; the message reaches the caller verbatim', async (status, error, code) => {
    stub.script(stripeError(status, error));
    const e = await expectGatewayError(gateway().updateCard(ref, { name: 'x' }, 'k'), code);
    expect(e.message).toBe(error.message);
    expect(e.details.gateway).toMatchObject({
      message: error.message,
      statusCode: status,
      requestId: 'req_stub_1',
    });
    expect(stub.requests).toHaveLength(1);
    expect(slept).toEqual([]);
  });

  it('5xx beyond the retry budget is GATEWAY_UNAVAILABLE after maxRetries + 1 attempts', async () => {
    stub.script(...Array.from({ length: 4 }, () => stripeError(500, { type: 'api_error', message: 'boom' })));
    await expectGatewayError(gateway({ maxRetries: 3 }).retrieveCard(ref), 'GATEWAY_UNAVAILABLE', 'boom');
    expect(stub.requests).toHaveLength(4);
    expect(slept).toEqual([375, 750, 1500]);
  });

  it('a POST that times out is GATEWAY_TIMEOUT (indeterminate), every attempt with the same key', async () => {
    stub.script({ hang: 1_000 }, { hang: 1_000 }, { hang: 1_000 });
    const e = await expectGatewayError(
      gateway({ timeoutMs: 150 }).charge({
        ...ref,
        amountMinor: 100,
        currency: 'usd',
        idempotencyKey: 'pay',
      }),
      'GATEWAY_TIMEOUT',
    );
    expect(e.details).toMatchObject({ gatewayKind: 'indeterminate', outcome: 'unknown' });
    expect(stub.requests).toHaveLength(3);
    expect(new Set(stub.requests.map((r) => r.headers['idempotency-key']))).toEqual(new Set(['pay:charge']));
  });

  it('a GET that times out or loses its connection is GATEWAY_UNAVAILABLE', async () => {
    stub.script({ hang: 1_000 }, { destroy: true }, { destroy: true }, { destroy: true });
    await expectGatewayError(gateway({ timeoutMs: 150 }).retrieveCard(ref), 'GATEWAY_UNAVAILABLE');
  });

  it('a source delete whose first response was lost and whose retry says "No such source" succeeded', async () => {
    stub.script(
      { hang: 1_000 },
      stripeError(404, {
        type: 'invalid_request_error',
        code: 'resource_missing',
        message: "No such source: 'card_stub1'",
      }),
    );
    await gateway({ timeoutMs: 150 }).deleteCard(ref);
    expect(stub.requests.map((r) => r.method)).toEqual(['DELETE', 'DELETE']);
  });

  it('retrieves a PaymentMethod only for its own customer', async () => {
    const pm = {
      id: 'pm_1',
      object: 'payment_method',
      type: 'card',
      customer: 'cus_other',
      billing_details: { name: null, email: null, phone: null, address: null },
      card: { brand: 'visa', last4: '4242', exp_month: 1, exp_year: 2032, fingerprint: 'fp' },
      metadata: {},
      created: 1,
      livemode: false,
    };
    stub.script({ status: 200, body: pm }, { status: 200, body: { ...pm, customer: 'cus_stub' } });
    await expectGatewayError(
      gateway().retrieveCard({ externalCustomerId: 'cus_stub', externalCardId: 'pm_1' }),
      'GATEWAY_RESOURCE_NOT_FOUND',
      "No such PaymentMethod: 'pm_1'",
    );
    const card = await gateway().retrieveCard({ externalCustomerId: 'cus_stub', externalCardId: 'pm_1' });
    expect(card).toMatchObject({
      externalCardId: 'pm_1',
      externalCustomerId: 'cus_stub',
      cardType: 'Visa',
      expYear: 2032,
    });
    expect(stub.requests.map((r) => r.path)).toEqual([
      '/v1/payment_methods/pm_1',
      '/v1/payment_methods/pm_1',
    ]);
  });

  it('refuses card ids it does not know without calling Stripe', async () => {
    await expectGatewayError(
      gateway().retrieveCard({ externalCustomerId: 'cus_stub', externalCardId: 'src_123' }),
      'GATEWAY_INVALID_REQUEST',
    );
    await expectGatewayError(
      gateway().createCardFromToken({ externalCustomerId: 'cus_stub', token: 'btok_1', idempotencyKey: 'k' }),
      'GATEWAY_INVALID_REQUEST',
    );
    expect(stub.requests).toHaveLength(0);
  });

  it('shortens over-long idempotency keys deterministically', async () => {
    stub.script({ status: 200, body: stripeCard() }, { status: 200, body: stripeCard() });
    const key = 'k'.repeat(300);
    await gateway().updateCard(ref, { name: 'a' }, key);
    await gateway().updateCard(ref, { name: 'a' }, key);
    const [a, b] = stub.requests.map((r) => String(r.headers['idempotency-key']));
    expect(a).toBe(b);
    expect(a!.length).toBeLessThanOrEqual(255);
    expect(a).toMatch(/:update$/);
  });
});
