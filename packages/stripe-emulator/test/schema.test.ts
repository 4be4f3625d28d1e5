import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StripeEmulator } from '../src/index.js';
import { nextYear, type RawResponse, raw, start } from './helpers.js';
import { component, expectFixtureKeys, expectValid, response, spec } from './openapi.js';

/**
 * Every kind of response the emulator returns, checked against Stripe's OpenAPI subset
 * (API 2023-08-16; `nullable` → type unions, extra properties allowed) and against the
 * keys of Stripe's own fixture objects.
 */

let emulator: StripeEmulator;
const ok = (res: RawResponse, label: string) => {
  expect(res.status, `${label}: ${JSON.stringify(res.json)}`).toBe(200);
  return res.json;
};

beforeAll(async () => {
  ({ emulator } = await start());
});
afterAll(() => emulator.close());

describe('responses validate against the Stripe OpenAPI subset and carry the fixture keys', () => {
  it('customers, cards, tokens, payment methods, deletions and lists', async () => {
    const checked: string[] = [];
    const check = (method: string, path: string, body: unknown) => {
      expectValid(response(method, path), body, `${method} ${path}`);
      checked.push(`${method} ${path}`);
    };

    const customer = ok(
      await raw(emulator, 'POST', '/v1/customers', {
        form: { email: 'schema@example.com', name: 'Schema', 'metadata[a]': 'b', 'address[country]': 'CA' },
      }),
      'create customer',
    );
    check('POST', '/v1/customers', customer);
    expectValid(component('customer'), customer, 'customer');
    expectFixtureKeys('customer', customer);
    const cus = String(customer.id);

    const token = ok(
      await raw(emulator, 'POST', '/v1/tokens', {
        form: {
          'card[number]': '4242424242424242',
          'card[exp_month]': '8',
          'card[exp_year]': String(nextYear),
          'card[cvc]': '123',
          'card[name]': 'Jenny Rosen',
          'card[address_zip]': '94102',
        },
      }),
      'token',
    );
    check('POST', '/v1/tokens', token);
    expectValid(component('token'), token, 'token');
    expectFixtureKeys('token', token);
    check('GET', '/v1/tokens/{token}', ok(await raw(emulator, 'GET', `/v1/tokens/${token.id}`), 'get token'));

    const card = ok(
      await raw(emulator, 'POST', `/v1/customers/${cus}/sources`, {
        form: { source: String(token.id), 'metadata[pm]': '1' },
      }),
      'create source',
    );
    check('POST', '/v1/customers/{customer}/sources', card);
    expectValid(component('card'), card, 'card');
    expectFixtureKeys('card', card);
    // The schemas are not vacuous: a wrong type or a missing required field fails.
    expect(component('card')({ ...card, exp_month: 'eight' })).toBe(false);
    expect(component('card')({ ...card, brand: undefined })).toBe(false);
    expect(response('GET', '/v1/customers/{customer}/sources')({ object: 'list', data: [], url: '/x' })).toBe(
      false,
    );
    const cardId = String(card.id);
    const viaCards = ok(
      await raw(emulator, 'POST', `/v1/customers/${cus}/cards`, { form: { card: 'tok_jcb' } }),
      'cards',
    );
    check('POST', '/v1/customers/{customer}/cards', viaCards);

    check(
      'GET',
      '/v1/customers/{customer}/sources/{id}',
      ok(await raw(emulator, 'GET', `/v1/customers/${cus}/sources/${cardId}`), 'get'),
    );
    check(
      'GET',
      '/v1/customers/{customer}/cards/{id}',
      ok(await raw(emulator, 'GET', `/v1/customers/${cus}/cards/${cardId}`), 'get'),
    );
    const updatedCard = ok(
      await raw(emulator, 'POST', `/v1/customers/${cus}/sources/${cardId}`, {
        form: { name: 'J R', address_line1: '1 Main', exp_month: '2', 'metadata[pm]': '' },
      }),
      'update source',
    );
    check('POST', '/v1/customers/{customer}/sources/{id}', updatedCard);
    check(
      'POST',
      '/v1/customers/{customer}/cards/{id}',
      ok(
        await raw(emulator, 'POST', `/v1/customers/${cus}/cards/${cardId}`, { form: { name: 'J' } }),
        'update card',
      ),
    );

    const sources = ok(
      await raw(emulator, 'GET', `/v1/customers/${cus}/sources?object=card&limit=1`),
      'list',
    );
    check('GET', '/v1/customers/{customer}/sources', sources);
    expect(sources).toMatchObject({ object: 'list', has_more: true });
    check(
      'GET',
      '/v1/customers/{customer}/cards',
      ok(await raw(emulator, 'GET', `/v1/customers/${cus}/cards`), 'list'),
    );

    const expanded = ok(
      await raw(emulator, 'GET', `/v1/customers/${cus}?expand[]=sources&expand[]=default_source`),
      'expanded customer',
    );
    check('GET', '/v1/customers/{customer}', expanded);
    expect((expanded.sources as { data: unknown[] }).data).toHaveLength(2);
    const updatedCustomer = ok(
      await raw(emulator, 'POST', `/v1/customers/${cus}`, {
        form: { default_source: String(viaCards.id), 'metadata[a]': '' },
      }),
      'update customer',
    );
    check('POST', '/v1/customers/{customer}', updatedCustomer);
    check('GET', '/v1/customers', ok(await raw(emulator, 'GET', '/v1/customers?limit=2'), 'list customers'));

    const pm = ok(
      await raw(emulator, 'POST', '/v1/payment_methods', {
        form: {
          type: 'card',
          'card[number]': '5555555555554444',
          'card[exp_month]': '1',
          'card[exp_year]': String(nextYear),
          'card[cvc]': '123',
          'billing_details[email]': 'jenny@example.com',
          'billing_details[address][line1]': '1234 Fake Street',
          'metadata[order_id]': '123456789',
        },
      }),
      'create pm',
    );
    check('POST', '/v1/payment_methods', pm);
    expectValid(component('payment_method'), pm, 'payment_method');
    expectFixtureKeys('payment_method', pm);
    const pmId = String(pm.id);
    const attached = ok(
      await raw(emulator, 'POST', `/v1/payment_methods/${pmId}/attach`, { form: { customer: cus } }),
      'attach',
    );
    check('POST', '/v1/payment_methods/{payment_method}/attach', attached);
    check(
      'GET',
      '/v1/payment_methods/{payment_method}',
      ok(await raw(emulator, 'GET', `/v1/payment_methods/${pmId}`), 'get pm'),
    );
    check(
      'POST',
      '/v1/payment_methods/{payment_method}',
      ok(
        await raw(emulator, 'POST', `/v1/payment_methods/${pmId}`, {
          form: { 'billing_details[name]': 'N' },
        }),
        'update pm',
      ),
    );
    check(
      'GET',
      '/v1/payment_methods',
      ok(await raw(emulator, 'GET', `/v1/payment_methods?customer=${cus}&type=card`), 'list'),
    );
    check(
      'GET',
      '/v1/customers/{customer}/payment_methods',
      ok(await raw(emulator, 'GET', `/v1/customers/${cus}/payment_methods?type=card`), 'list'),
    );
    check(
      'GET',
      '/v1/customers/{customer}/payment_methods/{payment_method}',
      ok(await raw(emulator, 'GET', `/v1/customers/${cus}/payment_methods/${pmId}`), 'get'),
    );
    check(
      'POST',
      '/v1/payment_methods/{payment_method}/detach',
      ok(await raw(emulator, 'POST', `/v1/payment_methods/${pmId}/detach`), 'detach'),
    );

    const deletedCard = ok(
      await raw(emulator, 'DELETE', `/v1/customers/${cus}/sources/${cardId}`),
      'delete source',
    );
    check('DELETE', '/v1/customers/{customer}/sources/{id}', deletedCard);
    expectValid(component('deleted_card'), deletedCard, 'deleted_card');
    expectFixtureKeys('deleted_card', deletedCard);
    check(
      'DELETE',
      '/v1/customers/{customer}/cards/{id}',
      ok(await raw(emulator, 'DELETE', `/v1/customers/${cus}/cards/${String(viaCards.id)}`), 'delete card'),
    );

    const deletedCustomer = ok(await raw(emulator, 'DELETE', `/v1/customers/${cus}`), 'delete customer');
    check('DELETE', '/v1/customers/{customer}', deletedCustomer);
    expectValid(component('deleted_customer'), deletedCustomer, 'deleted_customer');
    expectFixtureKeys('deleted_customer', deletedCustomer);

    // Every operation of the subset that the emulator serves was exercised.
    const served = new Set(checked);
    const subset = Object.entries(spec.paths as Record<string, Record<string, unknown>>).flatMap(
      ([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`),
    );
    const unchecked = subset.filter((op) => !served.has(op) && !op.endsWith('/verify'));
    expect(unchecked).toEqual([]);
  });

  it('every error shape: 404, 400, 401, 402 (with charge and payment_intent), idempotency, 429, 5xx', async () => {
    const validate = component('error');
    const customer = ok(await raw(emulator, 'POST', '/v1/customers', { form: {} }), 'customer');
    const pm = ok(
      await raw(emulator, 'POST', '/v1/payment_methods/pm_card_chargeCustomerFail/attach', {
        form: { customer: String(customer.id) },
      }),
      'attach',
    );
    const card = ok(
      await raw(emulator, 'POST', `/v1/customers/${customer.id}/sources`, {
        form: { source: 'tok_chargeCustomerFail' },
      }),
      'card',
    );
    const idem = { 'idempotency-key': `schema-${Date.now()}` };
    ok(await raw(emulator, 'POST', '/v1/customers', { form: { name: 'a' }, headers: idem }), 'first use');
    emulator.injectFault({ kind: '5xx', pathIncludes: '/v1/charges/ch_fault' });
    emulator.injectFault({ kind: '429', pathIncludes: '/v1/charges/ch_ratelimited' });
    const cases: [string, Promise<RawResponse>, number, string][] = [
      [
        'missing',
        raw(emulator, 'GET', `/v1/customers/${customer.id}/sources/card_missing`),
        404,
        'invalid_request_error',
      ],
      ['bad limit', raw(emulator, 'GET', '/v1/customers?limit=0'), 400, 'invalid_request_error'],
      [
        'bad key',
        raw(emulator, 'GET', '/v1/customers', { key: 'sk_test_nope-nope' }),
        401,
        'invalid_request_error',
      ],
      [
        'decline on attach',
        raw(emulator, 'POST', `/v1/customers/${customer.id}/sources`, {
          form: { source: 'tok_chargeDeclined' },
        }),
        402,
        'card_error',
      ],
      [
        'decline on charge',
        raw(emulator, 'POST', '/v1/charges', {
          form: { amount: '500', currency: 'usd', customer: String(customer.id), source: String(card.id) },
        }),
        402,
        'card_error',
      ],
      [
        'decline on intent',
        raw(emulator, 'POST', '/v1/payment_intents', {
          form: {
            amount: '500',
            currency: 'usd',
            customer: String(customer.id),
            payment_method: String(pm.id),
            confirm: 'true',
          },
        }),
        402,
        'card_error',
      ],
      [
        'incorrect number',
        raw(emulator, 'POST', '/v1/tokens', {
          form: {
            'card[number]': '4242424242424241',
            'card[exp_month]': '1',
            'card[exp_year]': String(nextYear),
          },
        }),
        402,
        'card_error',
      ],
      ['5xx', raw(emulator, 'GET', '/v1/charges/ch_fault'), 500, 'api_error'],
      ['429', raw(emulator, 'GET', '/v1/charges/ch_ratelimited'), 429, 'invalid_request_error'],
      ['unknown route', raw(emulator, 'GET', '/v1/nothing'), 404, 'invalid_request_error'],
      [
        'idempotency',
        raw(emulator, 'POST', '/v1/customers', { form: { name: 'b' }, headers: idem }),
        400,
        'idempotency_error',
      ],
    ];
    const results: RawResponse[] = [];
    for (const [label, promise, status, type] of cases) {
      const res = await promise;
      results.push(res);
      expect({ label, status: res.status }).toEqual({ label, status });
      expectValid(validate, res.json, label);
      expect((res.json.error as { type: string }).type).toBe(type);
      expect(res.headers.get('request-id'), label).toMatch(/^req_[A-Za-z0-9]{14}$/);
    }
    const [, , , , charge, intent] = results;
    expect((charge?.json.error as { charge?: string } | undefined)?.charge).toMatch(/^ch_/);
    expect(
      (intent?.json.error as { payment_intent?: { id: string } } | undefined)?.payment_intent?.id,
    ).toMatch(/^pi_/);
  });
});
