import { readFileSync } from 'node:fs';
import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StripeEmulator } from '../src/index.js';
import { ENDPOINT_PARAMS, type ParamSpec } from '../src/params.js';
import { createRouter } from '../src/routes.js';
import { failure, raw, start, stripeFixture } from './helpers.js';

/**
 * Stripe refuses parameters an endpoint does not take (`parameter_unknown`) and values outside
 * an enum ("Invalid …: must be one of …"); so does the emulator, from one declared list per
 * endpoint, checked here against Stripe's OpenAPI spec where the subset covers the endpoint.
 */

type Schema = { properties?: Record<string, Schema>; anyOf?: Schema[]; type?: string };
type Operation = {
  parameters?: { in: string; name: string; schema?: Schema }[];
  requestBody?: { content: Record<string, { schema: Schema }> };
};
const spec = JSON.parse(readFileSync(stripeFixture('stripe-card-subset.json'), 'utf8')) as {
  paths: Record<string, Record<string, Operation>>;
};

/** Keys of every object form a schema allows (anyOf unions merged). */
function objectKeys(schema: Schema | undefined): Set<string> {
  const keys = new Set<string>();
  if (!schema) return keys;
  for (const key of Object.keys(schema.properties ?? {})) keys.add(key);
  for (const alt of schema.anyOf ?? []) for (const key of objectKeys(alt)) keys.add(key);
  return keys;
}

function nested(specParam: ParamSpec | undefined): string[] {
  return typeof specParam === 'object' && 'fields' in specParam ? Object.keys(specParam.fields) : [];
}

/** Where the emulator knowingly accepts more than the 2023-08-16 spec lists (Stripe's legacy forms). */
const BEYOND_SPEC = new Set([
  // An inline card hash as `source` (`source[object]=card&source[number]=…`), as Stripe still takes it.
  'POST /v1/customers/:customer/sources source',
  'POST /v1/customers/:customer/cards source',
  'POST /v1/customers source',
  'POST /v1/customers/:customer source',
]);

describe('declared parameters', () => {
  it('every route the emulator serves has a parameter list, and no list is without a route', () => {
    const endpoints = createRouter().endpoints();
    expect(new Set(endpoints)).toEqual(new Set(Object.keys(ENDPOINT_PARAMS)));
  });

  it("match Stripe's OpenAPI spec for every endpoint the subset covers", () => {
    let compared = 0;
    for (const [path, ops] of Object.entries(spec.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        const endpoint = `${method.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`;
        const declared = ENDPOINT_PARAMS[endpoint];
        if (!declared) continue; // an endpoint the emulator does not serve (e.g. …/verify)
        compared++;
        const body = op.requestBody?.content['application/x-www-form-urlencoded']?.schema;
        const query = (op.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name);
        const expected = new Set([...objectKeys(body), ...query]);
        expect(new Set(Object.keys(declared)), endpoint).toEqual(expected);
        for (const [name, param] of Object.entries(declared)) {
          const fields = nested(param);
          if (fields.length === 0 || BEYOND_SPEC.has(`${endpoint} ${name}`)) continue;
          // A hash in the body (`card[number]`) or in the query (`created[gte]`).
          const inQuery = op.parameters?.find((p) => p.in === 'query' && p.name === name)?.schema;
          const allowed = objectKeys(body?.properties?.[name] ?? inQuery);
          expect(
            fields.filter((f) => !allowed.has(f)),
            `${endpoint} ${name}[…]`,
          ).toEqual([]);
        }
      }
    }
    expect(compared).toBeGreaterThanOrEqual(20);
  });
});

describe('refused as Stripe refuses them', () => {
  let emulator: StripeEmulator;
  let stripe: Stripe;
  beforeAll(async () => {
    ({ emulator, stripe } = await start());
  });
  afterAll(() => emulator.close());

  it('an unknown parameter is 400 parameter_unknown naming it, and nothing is created', async () => {
    const error = await failure(
      stripe.customers.create({ email: 'a@example.com', emial: 'typo' } as Stripe.CustomerCreateParams),
    );
    expect(error.type).toBe('StripeInvalidRequestError');
    expect(error.statusCode).toBe(400);
    expect(error.code).toBe('parameter_unknown');
    expect(error.param).toBe('emial');
    expect(error.message).toBe('Received unknown parameter: emial');
    expect(emulator.stats(null).customers).toBe(0);
  });

  it('nested unknown keys are named with brackets; queries are checked too', async () => {
    const token = await raw(emulator, 'POST', '/v1/tokens', {
      form: {
        'card[number]': '4242424242424242',
        'card[exp_month]': '12',
        'card[exp_year]': '2040',
        'card[zip]': '1',
      },
    });
    expect(token.status).toBe(400);
    expect(token.json.error).toMatchObject({
      type: 'invalid_request_error',
      code: 'parameter_unknown',
      param: 'card[zip]',
      message: 'Received unknown parameter: card[zip]',
    });
    const list = await raw(emulator, 'GET', '/v1/customers?limit=3&sort=email');
    expect(list.status).toBe(400);
    expect(list.json.error).toMatchObject({ code: 'parameter_unknown', param: 'sort' });
    const address = await raw(emulator, 'POST', '/v1/customers', { form: { 'address[street]': 'x' } });
    expect(address.json.error).toMatchObject({ code: 'parameter_unknown', param: 'address[street]' });
  });

  it('a value outside an enum is 400 invalid_request_error with Stripe’s message and the param', async () => {
    const customer = await stripe.customers.create({ source: 'tok_visa' });
    const charge = await stripe.charges.create({ amount: 500, currency: 'usd', customer: customer.id });
    const refund = await failure(
      stripe.refunds.create({
        charge: charge.id,
        reason: 'changed_mind' as Stripe.RefundCreateParams.Reason,
      }),
    );
    expect(refund.statusCode).toBe(400);
    expect(refund.type).toBe('StripeInvalidRequestError');
    expect(refund.param).toBe('reason');
    expect(refund.message).toBe(
      'Invalid reason: must be one of duplicate, fraudulent, or requested_by_customer',
    );
    const intent = await raw(emulator, 'POST', '/v1/payment_intents', {
      form: {
        amount: '500',
        currency: 'usd',
        'automatic_payment_methods[enabled]': 'true',
        'automatic_payment_methods[allow_redirects]': 'sometimes',
      },
    });
    expect(intent.status).toBe(400);
    expect(intent.json.error).toMatchObject({
      type: 'invalid_request_error',
      param: 'automatic_payment_methods[allow_redirects]',
      message: 'Invalid automatic_payment_methods[allow_redirects]: must be one of always or never',
    });
    const pmType = await raw(emulator, 'GET', '/v1/payment_methods?type=cards');
    expect(pmType.status).toBe(400);
    expect(pmType.json.error).toMatchObject({ param: 'type' });
    expect(String((pmType.json.error as { message: string }).message)).toMatch(
      /^Invalid type: must be one of acss_debit, .*, card, .*, or zip$/,
    );
  });

  it('a hash where a string belongs and a string where a hash belongs are refused', async () => {
    const r = await raw(emulator, 'POST', '/v1/payment_methods', {
      form: { type: 'card', card: 'tok_visa' },
    });
    expect(r.status).toBe(400);
    expect(r.json.error).toMatchObject({ type: 'invalid_request_error', param: 'card' });
  });

  it('what Stripe accepts passes: expand[], metadata[…], address[…], nested card fields, magic tokens', async () => {
    const customer = await stripe.customers.create({
      email: 'jenny@example.com',
      address: { line1: '1 Main St', postal_code: '94102', country: 'US' },
      metadata: { order: '42', 'any key': 'v' },
      preferred_locales: ['en', 'fr'],
      tax_exempt: 'none',
      source: 'tok_visa',
      expand: ['default_source'],
    });
    expect((customer.default_source as Stripe.Card).object).toBe('card');
    const listed = await raw(emulator, 'GET', `/v1/customers?limit=2&expand[]=data.default_source`);
    expect(listed.status).toBe(200);
    const pm = await stripe.paymentMethods.create({
      type: 'card',
      card: {
        number: '4242424242424242',
        exp_month: 12,
        exp_year: new Date().getUTCFullYear() + 2,
        cvc: '123',
      },
      billing_details: { name: 'Jenny Rosen', address: { postal_code: '94102' } },
    });
    const attached = await stripe.paymentMethods.attach(pm.id, { customer: customer.id });
    expect(attached.customer).toBe(customer.id);
    const intent = await stripe.paymentIntents.create({
      amount: 500,
      currency: 'usd',
      customer: customer.id,
      payment_method: pm.id,
      automatic_payment_methods: { enabled: true, allow_redirects: 'never' },
      confirm: true,
      off_session: true,
    });
    expect(intent.status).toBe('succeeded');
  });

  it('a refused request does not use up its idempotency key', async () => {
    const key = 'params-idem-1';
    await failure(
      stripe.customers.create({ nmae: 'x' } as Stripe.CustomerCreateParams, { idempotencyKey: key }),
    );
    const ok = await stripe.customers.create({ name: 'x' }, { idempotencyKey: key });
    expect(ok.name).toBe('x');
  });
});
