import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StripeEmulator } from '../src/index.js';
import { customerWithCard, failure, nextYear, raw, start } from './helpers.js';

let emulator: StripeEmulator;
let stripe: Stripe;

beforeAll(async () => {
  ({ emulator, stripe } = await start());
});
afterAll(() => emulator.close());

const cardIds = (list: { data: { id: string }[] }) => list.data.map((c) => c.id);

describe('customers', () => {
  it('create, retrieve, update, list, delete', async () => {
    const created = await stripe.customers.create({
      email: 'jenny@example.com',
      name: 'Jenny Rosen',
      metadata: { plan: 'gold', region: 'ca' },
    });
    expect(created.id).toMatch(/^cus_[A-Za-z0-9]{14}$/);
    expect(created).toMatchObject({
      object: 'customer',
      email: 'jenny@example.com',
      name: 'Jenny Rosen',
      default_source: null,
      livemode: false,
      metadata: { plan: 'gold', region: 'ca' },
      invoice_settings: { default_payment_method: null },
    });
    expect(created).not.toHaveProperty('sources');
    expect(Math.abs(created.created - Date.now() / 1000)).toBeLessThan(5);

    const fetched = (await stripe.customers.retrieve(created.id)) as Stripe.Customer;
    expect(fetched).toEqual(created);

    // Stripe's metadata rule: an empty value unsets that key only; empty email unsets the email.
    const updated = await stripe.customers.update(created.id, {
      email: '',
      name: 'Jenny R.',
      metadata: { plan: '', tier: '2' },
    });
    expect(updated).toMatchObject({ email: null, name: 'Jenny R.', metadata: { region: 'ca', tier: '2' } });
    expect(updated.metadata).not.toHaveProperty('plan');

    const listed = await stripe.customers.list({ limit: 100 });
    expect(listed.data.map((c) => c.id)).toContain(created.id);

    const deleted = await stripe.customers.del(created.id);
    expect(deleted).toEqual(expect.objectContaining({ id: created.id, object: 'customer', deleted: true }));
    // Like Stripe: retrieving a deleted customer answers the deleted stub; changing it is "No such customer".
    expect(await stripe.customers.retrieve(created.id)).toMatchObject({ id: created.id, deleted: true });
    const e = await failure(stripe.customers.update(created.id, { name: 'x' }));
    expect(e).toMatchObject({
      statusCode: 404,
      code: 'resource_missing',
      message: `No such customer: '${created.id}'`,
    });
    expect((await stripe.customers.list({ limit: 100 })).data.map((c) => c.id)).not.toContain(created.id);
  });

  it('an unknown customer is a 404 resource_missing with a request id', async () => {
    const e = await failure(stripe.customers.retrieve('cus_doesnotexist01'));
    expect(e.type).toBe('StripeInvalidRequestError');
    expect(e).toMatchObject({
      statusCode: 404,
      code: 'resource_missing',
      param: 'id',
      message: "No such customer: 'cus_doesnotexist01'",
    });
    expect(e.requestId).toMatch(/^req_[A-Za-z0-9]{14}$/);
  });

  it('rejects an invalid email and bad list limits with the param named', async () => {
    const e = await failure(stripe.customers.create({ email: 'not-an-email' }));
    expect(e).toMatchObject({ statusCode: 400, param: 'email' });
    for (const limit of [0, 101]) {
      const bad = await failure(stripe.customers.list({ limit }));
      expect(bad).toMatchObject({ statusCode: 400, param: 'limit' });
    }
    const notInt = await raw(emulator, 'GET', '/v1/customers?limit=ten');
    expect(notInt.status).toBe(400);
    expect(notInt.json.error).toMatchObject({
      type: 'invalid_request_error',
      param: 'limit',
      message: 'Invalid integer: ten',
    });
  });

  it('expand[]=sources and expand[]=default_source embed the cards', async () => {
    const { customer, card } = await customerWithCard(stripe);
    const plain = (await stripe.customers.retrieve(customer.id)) as Stripe.Customer;
    expect(plain.default_source).toBe(card.id);
    const expanded = (await stripe.customers.retrieve(customer.id, {
      expand: ['sources', 'default_source'],
    })) as Stripe.Customer;
    expect(expanded.sources).toMatchObject({
      object: 'list',
      has_more: false,
      url: `/v1/customers/${customer.id}/sources`,
    });
    expect(expanded.sources?.data.map((s) => s.id)).toEqual([card.id]);
    expect(expanded.default_source).toMatchObject({ id: card.id, object: 'card', last4: '4242' });
  });
});

describe('cards (sources)', () => {
  it('creates a card from a token: Stripe card fields, customer set, deterministic fingerprint', async () => {
    const { customer, card } = await customerWithCard(stripe, 'tok_mastercard');
    expect(card.id).toMatch(/^card_[A-Za-z0-9]{24}$/);
    expect(card).toMatchObject({
      object: 'card',
      customer: customer.id,
      brand: 'MasterCard',
      last4: '4444',
      funding: 'credit',
      country: 'US',
      cvc_check: 'pass',
      metadata: {},
    });
    expect(card.fingerprint).toMatch(/^[A-Za-z0-9]{16}$/);
    const again = (await stripe.customers.createSource(customer.id, {
      source: 'tok_mastercard',
    })) as Stripe.Card;
    expect(again.id).not.toBe(card.id);
    expect(again.fingerprint).toBe(card.fingerprint);
    const visa = (await stripe.customers.createSource(customer.id, { source: 'tok_visa' })) as Stripe.Card;
    expect(visa.fingerprint).not.toBe(card.fingerprint);
  });

  it('one brand per magic token', async () => {
    const customer = await stripe.customers.create({});
    const expected: Record<string, [string, string, string]> = {
      tok_visa: ['Visa', '4242', 'credit'],
      tok_visa_debit: ['Visa', '5556', 'debit'],
      tok_mastercard_debit: ['MasterCard', '8210', 'debit'],
      tok_amex: ['American Express', '0005', 'credit'],
      tok_discover: ['Discover', '1117', 'credit'],
      tok_diners: ['Diners Club', '0004', 'credit'],
      tok_jcb: ['JCB', '0505', 'credit'],
      tok_unionpay: ['UnionPay', '0005', 'credit'],
    };
    for (const [token, [brand, last4, funding]] of Object.entries(expected)) {
      const card = (await stripe.customers.createSource(customer.id, { source: token })) as Stripe.Card;
      expect({ token, brand: card.brand, last4: card.last4, funding: card.funding }).toEqual({
        token,
        brand,
        last4,
        funding,
      });
    }
  });

  it('default source: first card, unchanged by more, most recent after deleting the default, null at the end', async () => {
    const customer = await stripe.customers.create({});
    const add = async () =>
      ((await stripe.customers.createSource(customer.id, { source: 'tok_visa' })) as Stripe.Card).id;
    const defaultOf = async () =>
      ((await stripe.customers.retrieve(customer.id)) as Stripe.Customer).default_source;
    const a = await add();
    expect(await defaultOf()).toBe(a);
    const b = await add();
    const c = await add();
    expect(await defaultOf()).toBe(a);

    const deleted = await stripe.customers.deleteSource(customer.id, a);
    expect(deleted).toEqual(expect.objectContaining({ id: a, object: 'card', deleted: true }));
    expect(await defaultOf()).toBe(c);

    await stripe.customers.update(customer.id, { default_source: b });
    expect(await defaultOf()).toBe(b);
    await stripe.customers.deleteSource(customer.id, c);
    expect(await defaultOf()).toBe(b);
    await stripe.customers.deleteSource(customer.id, b);
    expect(await defaultOf()).toBeNull();
    expect((await stripe.customers.listSources(customer.id, { object: 'card' })).data).toEqual([]);
  });

  it('updates holder fields, expiry and metadata with the unset-by-empty rule', async () => {
    const { customer } = await customerWithCard(stripe);
    const card = (await stripe.customers.createSource(customer.id, {
      source: 'tok_visa',
      metadata: { a: '1', b: '2', c: '3' },
    })) as Stripe.Card;
    const updated = (await stripe.customers.updateSource(customer.id, card.id, {
      name: 'Jenny Rosen',
      address_line1: '1 Main St',
      address_zip: 'K2K 2A1',
      address_country: 'CA',
      exp_month: '4',
      exp_year: String(nextYear + 2),
      metadata: { a: '', c: 'three', d: '4' },
    })) as Stripe.Card;
    expect(updated).toMatchObject({
      id: card.id,
      name: 'Jenny Rosen',
      address_line1: '1 Main St',
      address_line1_check: 'pass',
      address_zip: 'K2K 2A1',
      address_zip_check: 'pass',
      address_country: 'CA',
      exp_month: 4,
      exp_year: nextYear + 2,
      metadata: { b: '2', c: 'three', d: '4' },
    });
    expect(updated.metadata).not.toHaveProperty('a');

    const cleared = (await stripe.customers.updateSource(customer.id, card.id, {
      name: '',
      metadata: '',
    })) as Stripe.Card;
    expect(cleared).toMatchObject({ name: null, metadata: {}, address_line1: '1 Main St' });
    expect(await stripe.customers.retrieveSource(customer.id, card.id)).toEqual(cleared);

    const badMonth = await failure(stripe.customers.updateSource(customer.id, card.id, { exp_month: '13' }));
    expect(badMonth).toMatchObject({
      type: 'StripeCardError',
      statusCode: 402,
      code: 'invalid_expiry_month',
    });
    const pastYear = await failure(stripe.customers.updateSource(customer.id, card.id, { exp_year: '2001' }));
    expect(pastYear).toMatchObject({ statusCode: 402, code: 'invalid_expiry_year' });
    // A failed update changes nothing.
    expect(await stripe.customers.retrieveSource(customer.id, card.id)).toEqual(cleared);
  });

  it('the legacy /cards endpoints take `card` and behave like /sources', async () => {
    const customer = await stripe.customers.create({});
    const created = await raw(emulator, 'POST', `/v1/customers/${customer.id}/cards`, {
      form: { card: 'tok_amex' },
    });
    expect(created.status).toBe(200);
    expect(created.json).toMatchObject({ object: 'card', brand: 'American Express', customer: customer.id });
    const listed = await raw(emulator, 'GET', `/v1/customers/${customer.id}/cards`);
    expect(listed.json).toMatchObject({
      object: 'list',
      url: `/v1/customers/${customer.id}/cards`,
      has_more: false,
    });
    expect((listed.json.data as { id: string }[]).map((c) => c.id)).toEqual([created.json.id]);
  });

  it('paginates 25 cards exactly: starting_after, ending_before and auto-pagination', async () => {
    const customer = await stripe.customers.create({});
    const created: string[] = [];
    for (let i = 0; i < 25; i++) {
      const card = (await stripe.customers.createSource(customer.id, { source: 'tok_visa' })) as Stripe.Card;
      created.push(card.id);
    }
    const newestFirst = [...created].reverse();

    const page1 = await stripe.customers.listSources(customer.id, { object: 'card', limit: 10 });
    expect(page1).toMatchObject({
      object: 'list',
      has_more: true,
      url: `/v1/customers/${customer.id}/sources`,
    });
    expect(cardIds(page1)).toEqual(newestFirst.slice(0, 10));
    const page2 = await stripe.customers.listSources(customer.id, {
      object: 'card',
      limit: 10,
      starting_after: page1.data.at(-1)?.id,
    });
    expect(cardIds(page2)).toEqual(newestFirst.slice(10, 20));
    expect(page2.has_more).toBe(true);
    const page3 = await stripe.customers.listSources(customer.id, {
      object: 'card',
      limit: 10,
      starting_after: page2.data.at(-1)?.id,
    });
    expect(cardIds(page3)).toEqual(newestFirst.slice(20));
    expect(page3.has_more).toBe(false);

    const back = await stripe.customers.listSources(customer.id, {
      object: 'card',
      limit: 10,
      ending_before: page3.data[0]?.id,
    });
    expect(cardIds(back)).toEqual(newestFirst.slice(10, 20));
    expect(back.has_more).toBe(true);
    const backToStart = await stripe.customers.listSources(customer.id, {
      object: 'card',
      limit: 10,
      ending_before: newestFirst[5],
    });
    expect(cardIds(backToStart)).toEqual(newestFirst.slice(0, 5));
    expect(backToStart.has_more).toBe(false);

    const seen: string[] = [];
    for await (const card of stripe.customers.listSources(customer.id, { object: 'card', limit: 10 }))
      seen.push(card.id);
    expect(seen).toEqual(newestFirst);
    expect(new Set(seen).size).toBe(25);

    const defaultPage = await stripe.customers.listSources(customer.id);
    expect(defaultPage.data).toHaveLength(10);
    const big = await stripe.customers.listSources(customer.id, { limit: 100 });
    expect(big).toMatchObject({ has_more: false });
    expect(big.data).toHaveLength(25);
  });

  it('No such source / No such customer: exact text, code, status, param, request id', async () => {
    const { customer, card } = await customerWithCard(stripe);
    const other = await stripe.customers.create({});

    const missing = await failure(stripe.customers.retrieveSource(customer.id, 'card_doesnotexist'));
    expect(missing).toMatchObject({
      statusCode: 404,
      code: 'resource_missing',
      param: 'id',
      message: "No such source: 'card_doesnotexist'",
    });
    expect(missing.requestId).toMatch(/^req_/);

    // Another customer's card is just as missing, for every verb.
    for (const call of [
      () => stripe.customers.retrieveSource(other.id, card.id),
      () => stripe.customers.updateSource(other.id, card.id, { name: 'x' }),
      () => stripe.customers.deleteSource(other.id, card.id),
    ]) {
      const e = await failure(call());
      expect(e).toMatchObject({
        statusCode: 404,
        code: 'resource_missing',
        message: `No such source: '${card.id}'`,
      });
    }

    const noCustomer = await failure(stripe.customers.listSources('cus_missing000000'));
    expect(noCustomer).toMatchObject({
      statusCode: 404,
      code: 'resource_missing',
      param: 'customer',
      message: "No such customer: 'cus_missing000000'",
    });
    const noCustomerCreate = await failure(
      stripe.customers.createSource('cus_missing000000', { source: 'tok_visa' }),
    );
    expect(noCustomerCreate.message).toBe("No such customer: 'cus_missing000000'");
    expect(await stripe.customers.retrieveSource(customer.id, card.id)).toMatchObject({ id: card.id });
  });

  it('Connect: each Stripe-Account is an isolated space', async () => {
    const a = { stripeAccount: 'acct_1EmulatorAAAA' };
    const b = { stripeAccount: 'acct_1EmulatorBBBB' };
    const { customer, card } = await customerWithCard(stripe, 'tok_visa', a);
    expect(await stripe.customers.retrieveSource(customer.id, card.id, {}, a)).toMatchObject({ id: card.id });

    const fromB = await failure(stripe.customers.retrieveSource(customer.id, card.id, {}, b));
    expect(fromB).toMatchObject({ statusCode: 404, message: `No such customer: '${customer.id}'` });
    const fromPlatform = await failure(stripe.customers.retrieve(customer.id));
    expect(fromPlatform).toMatchObject({ statusCode: 404, code: 'resource_missing' });
    await failure(stripe.customers.deleteSource(customer.id, card.id, {}, b));
    expect((await stripe.customers.list({ limit: 100 }, b)).data).toEqual([]);

    // Same number in another account → another fingerprint; same account → the same one.
    const inB = await customerWithCard(stripe, 'tok_visa', b);
    const inA = await customerWithCard(stripe, 'tok_visa', a);
    expect(inB.card.fingerprint).not.toBe(card.fingerprint);
    expect(inA.card.fingerprint).toBe(card.fingerprint);

    const res = await raw(emulator, 'GET', `/v1/customers/${customer.id}`, {
      headers: { 'stripe-account': 'nope' },
    });
    expect(res.status).toBe(403);
  });
});
