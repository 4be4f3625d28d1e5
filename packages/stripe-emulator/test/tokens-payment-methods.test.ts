import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StripeEmulator } from '../src/index.js';
import { failure, nextYear, raw, start } from './helpers.js';

let emulator: StripeEmulator;
let stripe: Stripe;
let logged: string[];

beforeAll(async () => {
  ({ emulator, stripe, logged } = await start());
});
afterAll(() => emulator.close());

const card = (
  number: string,
  extra: Partial<Stripe.TokenCreateParams.Card> = {},
): Stripe.TokenCreateParams.Card => ({
  number,
  exp_month: '8',
  exp_year: String(nextYear),
  cvc: '123',
  ...extra,
});

const NUMBERS_USED = new Set<string>();
const track = (n: string) => {
  NUMBERS_USED.add(n);
  return n;
};

describe('tokens', () => {
  it('tokenizes a card number: brand, last4, checks; the token is one-time use', async () => {
    const token = await stripe.tokens.create({
      card: card(track('5555555555554444'), {
        name: 'Jenny Rosen',
        address_line1: '1 Main',
        address_zip: '94102',
      }),
    });
    expect(token.id).toMatch(/^tok_[A-Za-z0-9]{24}$/);
    expect(token).toMatchObject({ object: 'token', type: 'card', used: false, livemode: false });
    expect(token.card).toMatchObject({
      brand: 'MasterCard',
      last4: '4444',
      exp_month: 8,
      exp_year: nextYear,
      cvc_check: 'pass',
      name: 'Jenny Rosen',
      address_line1_check: 'pass',
      address_zip_check: 'pass',
    });
    expect(JSON.stringify(token)).not.toContain('5555555555554444');
    expect(JSON.stringify(token)).not.toContain('"123"');

    const customer = await stripe.customers.create({});
    const saved = (await stripe.customers.createSource(customer.id, { source: token.id })) as Stripe.Card;
    // The saved card is the token's card, as on Stripe.
    expect(saved).toMatchObject({
      id: token.card?.id,
      customer: customer.id,
      last4: '4444',
      name: 'Jenny Rosen',
    });
    expect(await stripe.tokens.retrieve(token.id)).toMatchObject({ id: token.id, used: true });

    const reused = await failure(stripe.customers.createSource(customer.id, { source: token.id }));
    expect(reused).toMatchObject({
      type: 'StripeInvalidRequestError',
      statusCode: 400,
      code: 'token_already_used',
      message: `You cannot use a Stripe token more than once: ${token.id}.`,
    });
    const listed = await stripe.customers.listSources(customer.id);
    expect(listed.data).toHaveLength(1);
  });

  it('without a CVC the cvc_check is null; 2-digit years are accepted', async () => {
    const token = await stripe.tokens.create({
      card: { number: track('4242424242424242'), exp_month: '12', exp_year: String(nextYear % 100) },
    });
    expect(token.card).toMatchObject({ cvc_check: null, exp_year: nextYear, address_line1_check: null });
  });

  it('rejects a bad number (Luhn), an expired date and a bad month as card errors', async () => {
    const luhn = await failure(stripe.tokens.create({ card: card(track('4242424242424241')) }));
    expect(luhn).toMatchObject({
      type: 'StripeCardError',
      statusCode: 402,
      code: 'incorrect_number',
      message: 'Your card number is incorrect.',
    });
    expect(luhn.message).not.toContain('4242');

    const expired = await failure(
      stripe.tokens.create({ card: card('4242424242424242', { exp_year: '2019' }) }),
    );
    expect(expired).toMatchObject({ statusCode: 402, code: 'invalid_expiry_year', param: 'exp_year' });

    const month = await failure(
      stripe.tokens.create({ card: card('4242424242424242', { exp_month: '13' }) }),
    );
    expect(month).toMatchObject({ statusCode: 402, code: 'invalid_expiry_month' });

    const missing = await failure(
      stripe.tokens.create({ card: { exp_month: '1', exp_year: String(nextYear) } as never }),
    );
    expect(missing).toMatchObject({ statusCode: 400, code: 'parameter_missing', param: 'card[number]' });
  });

  it('magic tokens are reusable and retrievable; unknown tokens are No such token', async () => {
    const customer = await stripe.customers.create({});
    const a = (await stripe.customers.createSource(customer.id, { source: 'tok_visa' })) as Stripe.Card;
    const b = (await stripe.customers.createSource(customer.id, { source: 'tok_visa' })) as Stripe.Card;
    expect(a.id).not.toBe(b.id);
    expect(await stripe.tokens.retrieve('tok_amex')).toMatchObject({
      id: 'tok_amex',
      card: { brand: 'American Express' },
    });
    const e = await failure(stripe.customers.createSource(customer.id, { source: 'tok_notarealtoken' }));
    expect(e).toMatchObject({
      statusCode: 400,
      code: 'resource_missing',
      message: "No such token: 'tok_notarealtoken'",
    });
  });

  it('declining test cards fail when saved to a customer, and nothing is saved', async () => {
    const customer = await stripe.customers.create({});
    const cases: [string, string, string, string][] = [
      ['tok_chargeDeclined', 'card_declined', 'generic_decline', 'Your card was declined.'],
      [
        'tok_chargeDeclinedInsufficientFunds',
        'card_declined',
        'insufficient_funds',
        'Your card has insufficient funds.',
      ],
      ['tok_chargeDeclinedExpiredCard', 'expired_card', 'expired_card', 'Your card has expired.'],
      [
        'tok_chargeDeclinedProcessingError',
        'processing_error',
        'processing_error',
        'An error occurred while processing your card. Try again in a little bit.',
      ],
    ];
    for (const [source, code, declineCode, message] of cases) {
      const e = await failure(stripe.customers.createSource(customer.id, { source }));
      expect(e.type).toBe('StripeCardError');
      expect({
        source,
        statusCode: e.statusCode,
        code: e.code,
        decline_code: e.decline_code,
        message: e.message,
      }).toEqual({ source, statusCode: 402, code, decline_code: declineCode, message });
      expect(e.requestId).toMatch(/^req_/);
    }
    // The same from a raw number.
    const token = await stripe.tokens.create({ card: card(track('4000000000009995')) });
    const e = await failure(stripe.customers.createSource(customer.id, { source: token.id }));
    expect(e).toMatchObject({ code: 'card_declined', decline_code: 'insufficient_funds' });
    expect((await stripe.customers.listSources(customer.id)).data).toEqual([]);
    expect(((await stripe.customers.retrieve(customer.id)) as Stripe.Customer).default_source).toBeNull();
    // 4000000000000341 saves fine (it only fails charges).
    const saved = await stripe.customers.createSource(customer.id, { source: 'tok_chargeCustomerFail' });
    expect(saved).toMatchObject({ object: 'card', last4: '0341' });
  });
});

describe('payment methods', () => {
  it('creates from a number or a token; card fields shaped like Stripe', async () => {
    const pm = await stripe.paymentMethods.create({
      type: 'card',
      card: { number: track('378282246310005'), exp_month: 3, exp_year: nextYear, cvc: '1234' },
      billing_details: { name: 'Ada', address: { postal_code: '94102', country: 'US' } },
      metadata: { k: 'v' },
    });
    expect(pm.id).toMatch(/^pm_[A-Za-z0-9]{24}$/);
    expect(pm).toMatchObject({
      object: 'payment_method',
      type: 'card',
      customer: null,
      metadata: { k: 'v' },
      billing_details: { name: 'Ada', address: { postal_code: '94102', country: 'US', line1: null } },
      card: {
        brand: 'amex',
        display_brand: 'american_express',
        last4: '0005',
        exp_month: 3,
        exp_year: nextYear,
        checks: { cvc_check: 'pass', address_postal_code_check: 'pass', address_line1_check: null },
        networks: { available: ['amex'] },
      },
    });
    const fromToken = await stripe.paymentMethods.create({ type: 'card', card: { token: 'tok_discover' } });
    expect(fromToken.card).toMatchObject({ brand: 'discover', last4: '1117' });
    expect(await stripe.paymentMethods.retrieve(pm.id)).toEqual(pm);
  });

  it('attach, list (customer and top-level), retrieve via customer, update, detach', async () => {
    const customer = await stripe.customers.create({});
    const other = await stripe.customers.create({});
    const first = await stripe.paymentMethods.attach('pm_card_visa', { customer: customer.id });
    expect(first.id).toMatch(/^pm_/);
    expect(first.id).not.toBe('pm_card_visa');
    expect(first).toMatchObject({ customer: customer.id, card: { brand: 'visa', last4: '4242' } });
    const second = await stripe.paymentMethods.attach('pm_card_mastercard', { customer: customer.id });
    // Attaching to the same customer again is a no-op.
    expect(await stripe.paymentMethods.attach(second.id, { customer: customer.id })).toMatchObject({
      id: second.id,
    });

    const viaCustomer = await stripe.customers.listPaymentMethods(customer.id, { type: 'card' });
    expect(viaCustomer.data.map((p) => p.id)).toEqual([second.id, first.id]);
    const topLevel = await stripe.paymentMethods.list({ customer: customer.id, type: 'card', limit: 1 });
    expect(topLevel.data.map((p) => p.id)).toEqual([second.id]);
    expect(topLevel.has_more).toBe(true);
    expect(await stripe.customers.retrievePaymentMethod(customer.id, first.id)).toMatchObject({
      id: first.id,
    });

    const notTheirs = await failure(stripe.customers.retrievePaymentMethod(other.id, first.id));
    expect(notTheirs).toMatchObject({
      statusCode: 404,
      code: 'resource_missing',
      message: `No such PaymentMethod: '${first.id}'`,
    });
    const elsewhere = await failure(stripe.paymentMethods.attach(first.id, { customer: other.id }));
    expect(elsewhere.statusCode).toBe(400);

    const updated = await stripe.paymentMethods.update(first.id, {
      billing_details: { name: 'PM Holder', address: { country: 'US', postal_code: '94102' } },
      card: { exp_month: 11, exp_year: nextYear + 3 },
      metadata: { kind: 'pm' },
    });
    expect(updated).toMatchObject({
      billing_details: { name: 'PM Holder', address: { country: 'US', postal_code: '94102' } },
      card: { exp_month: 11, exp_year: nextYear + 3 },
      metadata: { kind: 'pm' },
    });

    await stripe.customers.update(customer.id, { invoice_settings: { default_payment_method: first.id } });
    const detached = await stripe.paymentMethods.detach(first.id);
    expect(detached).toMatchObject({ id: first.id, customer: null });
    expect(
      ((await stripe.customers.retrieve(customer.id)) as Stripe.Customer).invoice_settings
        .default_payment_method,
    ).toBeNull();
    expect((await stripe.customers.listPaymentMethods(customer.id)).data.map((p) => p.id)).toEqual([
      second.id,
    ]);
    const again = await failure(stripe.paymentMethods.detach(first.id));
    expect(again.statusCode).toBe(400);
    const notSaved = await failure(stripe.paymentMethods.update(first.id, { metadata: { a: 'b' } }));
    expect(notSaved.statusCode).toBe(400);
  });

  it('declining cards fail on attach; unknown ids are No such PaymentMethod', async () => {
    const customer = await stripe.customers.create({});
    const declined = await failure(
      stripe.paymentMethods.attach('pm_card_chargeDeclined', { customer: customer.id }),
    );
    expect(declined).toMatchObject({
      type: 'StripeCardError',
      statusCode: 402,
      decline_code: 'generic_decline',
    });
    const pm = await stripe.paymentMethods.create({
      type: 'card',
      card: { token: 'tok_chargeDeclinedExpiredCard' },
    });
    const expired = await failure(stripe.paymentMethods.attach(pm.id, { customer: customer.id }));
    expect(expired).toMatchObject({ code: 'expired_card', decline_code: 'expired_card' });
    expect((await stripe.customers.listPaymentMethods(customer.id)).data).toEqual([]);

    const unknown = await failure(stripe.paymentMethods.retrieve('pm_doesnotexist'));
    expect(unknown).toMatchObject({
      statusCode: 404,
      code: 'resource_missing',
      message: "No such PaymentMethod: 'pm_doesnotexist'",
    });
  });
});

describe('card data hygiene', () => {
  it('never logs or echoes a card number', async () => {
    const res = await raw(emulator, 'POST', '/v1/customers', { form: { description: '4242424242424242' } });
    // Free text keeps whatever the client put there…
    expect(res.status).toBe(200);
    const echoed = await raw(emulator, 'GET', '/v1/customers?limit=n4242424242424242');
    // …but an error message quoting a param never repeats a card number.
    expect(echoed.json.error).toMatchObject({
      param: 'limit',
      message: 'Invalid integer: n************4242',
    });
    const inPath = await raw(emulator, 'GET', '/v1/customers/4000056655665556');
    expect(inPath.json.error).toMatchObject({ message: "No such customer: '************5556'" });
    NUMBERS_USED.add('4000056655665556');
    expect(logged.length).toBeGreaterThan(10);
    const log = logged.join('\n');
    for (const number of NUMBERS_USED) expect(log).not.toContain(number);
    // Request ids are random letters: look for a cvc parameter, not the three letters anywhere.
    expect(log).not.toMatch(/cvc\]?[=:"]/i);
  });
});
