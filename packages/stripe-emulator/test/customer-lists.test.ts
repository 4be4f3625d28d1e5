import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StripeEmulator } from '../src/index.js';
import { failure, raw, start } from './helpers.js';
import { expectValid, response } from './openapi.js';

/**
 * What a bulk import reads: customer lists partitioned by `created` and filtered by `email`,
 * each customer's sources embedded with `expand[]=data.sources`, and the sources and
 * PaymentMethods lists paged with `starting_after`.
 */

const MANY = 'acct_1ManyCardsEach';
let emulator: StripeEmulator;
let stripe: Stripe;

beforeAll(async () => {
  ({ emulator, stripe } = await start());
  await emulator.seedDemo({ seed: 5, customers: 240, cardsPerCustomer: 1 });
  await emulator.seedDemo({
    seed: 5,
    stripeAccount: MANY,
    customers: 3,
    cardsPerCustomer: 13,
    paymentMethodsPerCustomer: 12,
  });
});
afterAll(() => emulator.close());

async function everyCustomer(params: Stripe.CustomerListParams = {}, options?: Stripe.RequestOptions) {
  const out: Stripe.Customer[] = [];
  for await (const customer of stripe.customers.list({ limit: 100, ...params }, options)) out.push(customer);
  return out;
}

describe('GET /v1/customers filters', () => {
  it('created ranges partition the account: every customer in exactly one part, newest first', async () => {
    const all = await everyCustomer();
    expect(all).toHaveLength(240);
    const created = all.map((c) => c.created);
    expect(created).toEqual([...created].sort((a, b) => b - a));
    const t1 = all[160]?.created ?? 0;
    const t2 = all[70]?.created ?? 0;
    const parts = [
      await everyCustomer({ created: { gte: t2 } }),
      await everyCustomer({ created: { gte: t1, lt: t2 } }),
      await everyCustomer({ created: { lt: t1 } }),
    ];
    expect(parts.map((p) => p.length)).toEqual([71, 90, 79]);
    expect(parts.flat().map((c) => c.id)).toEqual(all.map((c) => c.id));
    for (const c of parts[1] ?? []) expect(c.created >= t1 && c.created < t2).toBe(true);
  });

  it('gt/gte/lt/lte include or exclude the bound; created=<ts> is an exact match', async () => {
    const all = await everyCustomer();
    const pivot = all[100] as Stripe.Customer;
    const ids = async (params: Stripe.CustomerListParams) => (await everyCustomer(params)).map((c) => c.id);
    expect(await ids({ created: { gte: pivot.created, lte: pivot.created } })).toEqual([pivot.id]);
    expect(await ids({ created: pivot.created })).toEqual([pivot.id]);
    expect(await ids({ created: { gt: pivot.created, lt: pivot.created } })).toEqual([]);
    expect((await ids({ created: { gt: pivot.created } })).length).toBe(100);
    expect((await ids({ created: { lte: pivot.created } })).length).toBe(140);
  });

  it('email is an exact, case-sensitive filter, combinable with created', async () => {
    const [one] = (await stripe.customers.list({ email: 'demo7@example.com' })).data;
    expect(one).toMatchObject({ email: 'demo7@example.com', object: 'customer' });
    expect((await stripe.customers.list({ email: 'DEMO7@example.com' })).data).toEqual([]);
    const c = one as Stripe.Customer;
    expect(
      (await stripe.customers.list({ email: c.email as string, created: { lt: c.created } })).data,
    ).toEqual([]);
    expect(
      (await stripe.customers.list({ email: c.email as string, created: { lte: c.created } })).data,
    ).toEqual([c]);
  });

  it('a customer created through the API is the newest; deleted ones leave the list', async () => {
    const fresh = await stripe.customers.create({ email: 'fresh@example.com' });
    expect((await stripe.customers.list({ limit: 1 })).data[0]?.id).toBe(fresh.id);
    await stripe.customers.del(fresh.id);
    expect((await stripe.customers.list({ limit: 1 })).data[0]?.id).not.toBe(fresh.id);
    // A deleted customer still works as a cursor.
    const after = await stripe.customers.list({ limit: 2, starting_after: fresh.id });
    expect(after.data).toHaveLength(2);
  });

  it('bad created values are refused as Stripe refuses them', async () => {
    const unknown = await raw(emulator, 'GET', '/v1/customers?created[since]=5');
    expect(unknown.status).toBe(400);
    expect(unknown.json.error).toMatchObject({
      code: 'parameter_unknown',
      param: 'created[since]',
      message: 'Received unknown parameter: created[since]',
    });
    const notInt = await failure(stripe.customers.list({ created: { gte: 'soon' as unknown as number } }));
    expect(notInt).toMatchObject({
      statusCode: 400,
      param: 'created[gte]',
      message: 'Invalid integer: soon',
    });
    const plain = await raw(emulator, 'GET', '/v1/customers?created=yesterday');
    expect(plain.json.error).toMatchObject({ param: 'created', message: 'Invalid integer: yesterday' });
  });
});

describe('default payment sources on every customer', () => {
  it('default_source is the first card; invoice_settings.default_payment_method the first PaymentMethod', async () => {
    const page = await stripe.customers.list({ limit: 3 }, { stripeAccount: MANY });
    for (const customer of page.data) {
      const cards = await stripe.customers.listSources(
        customer.id,
        { object: 'card', limit: 100 },
        { stripeAccount: MANY },
      );
      expect(customer.default_source).toBe(cards.data.at(-1)?.id);
      const pms = await stripe.customers.listPaymentMethods(
        customer.id,
        { limit: 100 },
        { stripeAccount: MANY },
      );
      expect(customer.invoice_settings.default_payment_method).toBe(pms.data.at(-1)?.id);
    }
  });
});

describe('expand[]=data.sources on the customer list', () => {
  it('embeds up to 10 sources per customer with has_more and the url that pages the rest', async () => {
    const res = await raw(emulator, 'GET', '/v1/customers?limit=3&expand[]=data.sources', {
      headers: { 'stripe-account': MANY },
    });
    expect(res.status).toBe(200);
    expectValid(response('GET', '/v1/customers'), res.json, 'customers with sources');

    const listed = await stripe.customers.list(
      { limit: 3, expand: ['data.sources'] },
      { stripeAccount: MANY },
    );
    expect(listed.data).toHaveLength(3);
    for (const customer of listed.data) {
      const sources = customer.sources as Stripe.ApiList<Stripe.CustomerSource>;
      expect(sources).toMatchObject({
        object: 'list',
        has_more: true,
        url: `/v1/customers/${customer.id}/sources`,
      });
      expect(sources.data).toHaveLength(10);
      expect(
        sources.data.every((s) => s.object === 'card' && (s as Stripe.Card).customer === customer.id),
      ).toBe(true);
      const rest = await stripe.customers.listSources(
        customer.id,
        { object: 'card', starting_after: sources.data.at(-1)?.id as string },
        { stripeAccount: MANY },
      );
      expect(rest.has_more).toBe(false);
      const ids = [...sources.data, ...rest.data].map((s) => s.id);
      expect(ids).toHaveLength(13);
      expect(new Set(ids).size).toBe(13);
      expect(ids).toContain(customer.default_source);
    }
    // Without the expansion there is no `sources` key (API 2020-08-27 and later).
    const plain = await stripe.customers.list({ limit: 1 }, { stripeAccount: MANY });
    expect(plain.data[0]).not.toHaveProperty('sources');
  });
});

describe('paging a customer’s cards and PaymentMethods', () => {
  it('GET /v1/customers/:id/sources?object=card pages with starting_after, newest first', async () => {
    const [customer] = (await stripe.customers.list({ limit: 1 }, { stripeAccount: MANY })).data;
    const id = (customer as Stripe.Customer).id;
    const options = { stripeAccount: MANY };
    const page1 = await stripe.customers.listSources(id, { object: 'card', limit: 5 }, options);
    const page2 = await stripe.customers.listSources(
      id,
      { object: 'card', limit: 5, starting_after: page1.data.at(-1)?.id as string },
      options,
    );
    const page3 = await stripe.customers.listSources(
      id,
      { object: 'card', limit: 5, starting_after: page2.data.at(-1)?.id as string },
      options,
    );
    expect([page1, page2, page3].map((p) => [p.data.length, p.has_more])).toEqual([
      [5, true],
      [5, true],
      [3, false],
    ]);
    const all: string[] = [];
    for await (const card of stripe.customers.listSources(id, { object: 'card', limit: 4 }, options)) {
      all.push(card.id);
    }
    expect(all).toEqual([...page1.data, ...page2.data, ...page3.data].map((c) => c.id));
  });

  it('GET /v1/customers/:id/payment_methods?type=card pages with starting_after; pm_ cards are not sources', async () => {
    const [customer] = (await stripe.customers.list({ limit: 1 }, { stripeAccount: MANY })).data;
    const id = (customer as Stripe.Customer).id;
    const options = { stripeAccount: MANY };
    const first = await stripe.customers.listPaymentMethods(id, { type: 'card', limit: 5 }, options);
    expect(first).toMatchObject({
      object: 'list',
      has_more: true,
      url: `/v1/customers/${id}/payment_methods`,
    });
    const second = await stripe.customers.listPaymentMethods(
      id,
      { type: 'card', limit: 10, starting_after: first.data.at(-1)?.id as string },
      options,
    );
    expect(second.has_more).toBe(false);
    const ids = [...first.data, ...second.data].map((pm) => pm.id);
    expect(ids).toHaveLength(12);
    expect(ids.every((pm) => pm.startsWith('pm_'))).toBe(true);
    const created = [...first.data, ...second.data].map((pm) => pm.created);
    expect(created).toEqual([...created].sort((a, b) => b - a));
    const all: string[] = [];
    for await (const pm of stripe.customers.listPaymentMethods(id, { type: 'card', limit: 3 }, options)) {
      all.push(pm.id);
    }
    expect(all).toEqual(ids);
    const sources = await stripe.customers.listSources(id, { object: 'card', limit: 100 }, options);
    expect(sources.data.some((s) => s.id.startsWith('pm_'))).toBe(false);
    const viaTopLevel = await stripe.paymentMethods.list({ customer: id, type: 'card', limit: 100 }, options);
    expect(viaTopLevel.data.map((pm) => pm.id)).toEqual(ids);
  });
});
