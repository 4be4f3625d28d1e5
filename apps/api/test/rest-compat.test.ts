import { createInternalContext } from '@cardbridge/api';
import { freshCardNumber, freshCvv } from '@cardbridge/api/test/card-data.js';
import { emulatorStripe } from '@cardbridge/api/test/stripe-client.js';
import { replaceCreditCardInput } from '@cardbridge/core';
import { type StripeEmulator, startStripeEmulator } from '@cardbridge/stripe-emulator';
import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createCaller } from '../src/rest/caller.js';
import { fusebillPaymentMethodDto } from '../src/rest/fusebill-dto.js';
import { matchBodyKeys } from '../src/rest/keys.js';
import { pageNumberHeaders, walkToPage } from '../src/rest/paging.js';
import { seedPaymentMethod, startTestServer } from './helpers.js';

type Server = Awaited<ReturnType<typeof startTestServer>>;
type Envelope = { ErrorId: number; HttpStatusCode: number; Errors: { Key: string; Value: string }[] };
type Card = z.infer<typeof fusebillPaymentMethodDto>;

/** Python's `json.dumps` (and `requests.post(json=…)`) separators: `", "` and `": "`. */
function pythonJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(pythonJson).join(', ')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}: ${pythonJson(v)}`);
    return `{${entries.join(', ')}}`;
  }
  return JSON.stringify(value);
}

const pagingHeaders = [
  'x-currentpage',
  'x-pagesize',
  'x-nextpage',
  'x-previouspage',
  'x-maxpageindex',
  'x-count',
  'x-maxcount',
  'x-sortorder',
  'x-sortexpression',
] as const;
const headersOf = (res: Response) => Object.fromEntries(pagingHeaders.map((h) => [h, res.headers.get(h)]));

describe('REST facade: bodies as Fusebill clients send them, page-number paging, /paymentMethods/all', () => {
  let s: Server;
  let emulator: StripeEmulator;
  let stripe: Stripe;
  let key: string;
  let tenantId: number;
  let stripeAccountId: number;
  const stripeSecret = 'sk_test_cardbridgeCompat01';

  /** .NET (HttpClient + a JSON serializer) and `requests` both send `application/json; charset=utf-8`-ish. */
  const send = (method: string, path: string, body?: string, contentType = 'application/json') =>
    fetch(`${s.url}${path}`, {
      method,
      headers: { Authorization: `Basic ${key}`, 'Content-Type': contentType },
      ...(body === undefined ? {} : { body }),
    });
  const get = (path: string) => fetch(`${s.url}${path}`, { headers: { Authorization: `Basic ${key}` } });
  const trpc = async (path: string, input: unknown) => {
    const res = await fetch(`${s.url}/trpc/${path}`, {
      method: 'POST',
      headers: { authorization: `Basic ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify(input),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const newCustomer = async () =>
    (
      (await trpc('customers.create', { firstName: 'Jane', lastName: 'Doe' })).body as {
        result: { data: { id: number } };
      }
    ).result.data.id;
  const seedCards = async (customerId: number, n: number) => {
    const ids: number[] = [];
    for (let i = 0; i < n; i++) {
      const row = await seedPaymentMethod(s.app.deps.db, tenantId, {
        customerId,
        cardType: 'Visa',
        maskedCardNumber: `************${String(1000 + i)}`,
        expirationMonth: 11,
        expirationYear: 2031,
        firstName: 'Jane',
        lastName: 'Doe',
      });
      ids.push(row.id);
    }
    return ids;
  };

  beforeAll(async () => {
    emulator = await startStripeEmulator();
    stripe = emulatorStripe(emulator.url, stripeSecret);
    s = await startTestServer();
    const platform = createCaller(createInternalContext(s.app.deps, `Basic ${s.bootstrapKey}`));
    const created = await platform.tenants.create({ name: 'Fusebill clients' });
    tenantId = created.tenant.id;
    key = created.adminKey.secret;
    // Not the default: the test gateway stays the default, the .NET import names this one.
    const account = await trpc('gatewayAccounts.create', {
      type: 'stripe',
      secretKey: stripeSecret,
      apiBase: emulator.url,
    });
    stripeAccountId = (account.body as { result: { data: { id: number } } }).result.data.id;
  });
  afterAll(async () => {
    await s.app.close();
    await emulator.close();
  });

  describe('.NET: PascalCase, "Id": 0, "Uri": null, null for every unset property', () => {
    it('creates a card from a PascalCase body with nulls and read-only DTO fields', async () => {
      const customerId = await newCustomer();
      const number = freshCardNumber();
      const res = await send(
        'POST',
        '/v1/paymentMethods/creditCard',
        JSON.stringify({
          Id: 0,
          CustomerId: customerId,
          CardNumber: number,
          Cvv: freshCvv(),
          CardType: null,
          MaskedCardNumber: null,
          FirstName: 'Veronica',
          LastName: 'Betties',
          ExpirationMonth: 2,
          ExpirationYear: 30,
          Address1: '10 Dodge St',
          Address2: null,
          CountryId: 124,
          Country: null,
          StateId: null,
          State: null,
          City: null,
          PostalZip: null,
          IsDefault: null,
          Verify: null,
          GatewayAccountId: null,
          DuplicatePolicy: null,
          ExternalCustomerId: null,
          ExternalCardId: null,
          StoredInFusebillVault: false,
          Email: null,
          ModifiedDate: '0001-01-01T00:00:00',
          OriginalPaymentMethodId: null,
          IsUsedForBillingPeriodOverride: false,
          PaymentCollectOptions: null,
          Uri: null,
        }),
        'application/json; charset=utf-8',
      );
      const body = (await res.json()) as Card;
      expect(res.status, JSON.stringify(body)).toBe(200);
      expect(body).toMatchObject({
        customerId,
        maskedCardNumber: `************${number.slice(-4)}`,
        firstName: 'Veronica',
        address1: '10 Dodge St',
        countryId: 124,
        country: 'CAN',
        isDefault: true,
        storedInFusebillVault: true,
      });
      expect(JSON.stringify(body)).not.toContain(number);
    });

    it('replaces a card with a PascalCase GET/PUT body and nested PaymentCollectOptions', async () => {
      const customerId = await newCustomer();
      const created = await send(
        'POST',
        '/v1/paymentMethods/creditCard',
        JSON.stringify({
          CustomerId: customerId,
          CardNumber: freshCardNumber(),
          FirstName: 'A',
          LastName: 'B',
          ExpirationMonth: 1,
          ExpirationYear: 31,
        }),
      );
      expect(created.status).toBe(200);
      const card = (await created.json()) as Card;
      // What a .NET client does: read the DTO, set the number and CVV, PUT it back, PascalCased.
      const pascal = Object.fromEntries(
        Object.entries(card).map(([k, v]) => [k[0]!.toUpperCase() + k.slice(1), v]),
      );
      const res = await send(
        'PUT',
        '/v1/paymentMethods/creditCard',
        JSON.stringify({
          ...pascal,
          CardNumber: freshCardNumber(),
          Cvv: freshCvv(),
          ExpirationYear: 32,
          PaymentCollectOptions: { CollectionAmount: 12.5, Currency: 'USD', Uri: null },
        }),
      );
      const body = (await res.json()) as Card & { collected: { amount: number; currency: string } | null };
      expect(res.status, JSON.stringify(body)).toBe(200);
      expect(body.originalPaymentMethodId).toBe(card.id);
      expect(body.expirationYear).toBe(32);
      expect(body.collected).toMatchObject({ amount: 12.5, currency: 'usd' });
    });

    it('imports a Stripe card from a PascalCase body naming the gateway account', async () => {
      const customer = await stripe.customers.create({ name: 'John Doe' });
      const source = (await stripe.customers.createSource(customer.id, {
        source: 'tok_visa',
      })) as Stripe.Card;
      const customerId = await newCustomer();
      const res = await send(
        'POST',
        '/v1/paymentMethodImport/Stripe',
        JSON.stringify({
          Id: 0,
          CustomerId: customerId,
          StripeCustomerId: customer.id,
          StripeCardId: source.id,
          GatewayAccountId: stripeAccountId,
          Uri: null,
        }),
      );
      const body = (await res.json()) as Card;
      expect(res.status, JSON.stringify(body)).toBe(200);
      expect(body).toMatchObject({
        customerId,
        externalCustomerId: customer.id,
        externalCardId: source.id,
        gatewayAccountId: stripeAccountId,
      });
    });
  });

  describe('Python requests: json= (camelCase, ", " and ": " separators) with extra keys', () => {
    it('creates a card, ignoring the keys the procedure does not know', async () => {
      const customerId = await newCustomer();
      const res = await send(
        'POST',
        '/v1/paymentMethods/creditCard',
        pythonJson({
          customerId,
          cardNumber: freshCardNumber(),
          cvv: freshCvv(),
          cardType: 'Visa',
          expirationMonth: 11,
          expirationYear: 31,
          firstName: 'matt',
          lastName: 'larr',
          address1: null,
          country: '',
          state: '',
          isDefault: 'false',
          storedInFusebillVault: 'true',
          externalCustomerId: null,
          myOwnReference: 'crm-123',
          tags: ['a', 'b'],
          metadata: { source: 'python' },
          id: 0,
          uri: null,
        }),
      );
      const body = (await res.json()) as Card;
      expect(res.status, JSON.stringify(body)).toBe(200);
      expect(body).toMatchObject({ customerId, firstName: 'matt', cardType: 'Visa' });
    });

    it('makes a default from a body in any case', async () => {
      const customerId = await newCustomer();
      const [, older] = await seedCards(customerId, 2);
      const res = await send(
        'POST',
        '/v1/paymentMethods/makeDefault',
        pythonJson({ ID: older, CUSTOMERID: customerId, comment: 'switch' }),
      );
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ id: older, isDefault: true });
    });
  });

  describe('curl: the seed bodies, verbatim', () => {
    it('PUT with the seed curl body: every key accepted; only the sample expiry (20) is refused', async () => {
      const customerId = await newCustomer();
      const [paymentMethodId] = await seedCards(customerId, 1);
      // Fusebill API "Replace credit card", with {paymentMethodId} and {customerId} pasted in.
      const seedBody = `{id:${paymentMethodId},customerId:${customerId},cardNumber:'4111111111111111',firstName:'John',lastName:'Doe',expirationMonth:10,expirationYear:20,cvv:'123',address1:'232 Herzberg Road',address2:'Suite 203',countryId:124,stateId:9,city:'Kanata',postalZip:'K2K 2A1',isDefault:true}`;
      const expired = await send('PUT', '/v1/paymentMethods/creditCard', seedBody);
      const err = (await expired.json()) as Envelope;
      expect(expired.status).toBe(400);
      expect(err.Errors.slice(1).map((e) => e.Key)).toEqual(['expirationYear']);
      expect(JSON.stringify(err)).not.toContain('4111111111111111');

      const res = await send(
        'PUT',
        '/v1/paymentMethods/creditCard',
        seedBody.replace('expirationYear:20', 'expirationYear:30'),
      );
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({
        maskedCardNumber: '************1111',
        originalPaymentMethodId: paymentMethodId,
        postalZip: 'K2K 2A1',
      });
    });

    it('POST an import with the seed curl body (bare ids) in PascalCase too', async () => {
      const customer = await stripe.customers.create({});
      const source = (await stripe.customers.createSource(customer.id, {
        source: 'tok_mastercard',
      })) as Stripe.Card;
      const customerId = await newCustomer();
      const res = await send(
        'POST',
        '/v1/paymentMethodImport/Stripe',
        `{CustomerId:${customerId},StripeCustomerId:${customer.id},StripeCardId:${source.id},GatewayAccountId:${stripeAccountId}}`,
      );
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ customerId, externalCardId: source.id });
    });
  });

  describe('keys that collide case-insensitively', () => {
    it('answers 400 naming the field when the values differ, and never echoes a card number', async () => {
      const customerId = await newCustomer();
      const a = freshCardNumber();
      const b = freshCardNumber();
      const res = await send(
        'POST',
        '/v1/paymentMethods/creditCard',
        JSON.stringify({
          customerId,
          CustomerId: customerId + 1,
          cardNumber: a,
          CARDNUMBER: b,
          firstName: 'A',
          lastName: 'B',
          expirationMonth: 1,
          expirationYear: 31,
        }),
      );
      expect(res.status).toBe(400);
      const body = (await res.json()) as Envelope;
      expect(body.HttpStatusCode).toBe(400);
      expect(body.Errors.slice(1).map((e) => e.Key)).toEqual(['customerId', 'cardNumber']);
      expect(body.Errors[2]!.Value).toMatch(/'cardNumber' and 'CARDNUMBER'/);
      const text = JSON.stringify(body);
      for (const n of [a, b]) {
        expect(text).not.toContain(n);
        expect(text).not.toContain(n.slice(0, 12));
      }
    });

    it('names nested fields, and accepts the same value sent twice', async () => {
      const customerId = await newCustomer();
      const [id] = await seedCards(customerId, 1);
      const nested = await send(
        'PUT',
        '/v1/paymentMethods/creditCard',
        JSON.stringify({
          id,
          customerId,
          cardNumber: freshCardNumber(),
          firstName: 'A',
          lastName: 'B',
          expirationMonth: 1,
          expirationYear: 31,
          paymentCollectOptions: { collectionAmount: 5, CollectionAmount: 6 },
        }),
      );
      expect(nested.status).toBe(400);
      expect(((await nested.json()) as Envelope).Errors.slice(1).map((e) => e.Key)).toEqual([
        'paymentCollectOptions.collectionAmount',
      ]);

      const same = await send(
        'POST',
        '/v1/paymentMethods/creditCard',
        JSON.stringify({
          customerId,
          CustomerId: customerId,
          cardNumber: freshCardNumber(),
          firstName: 'A',
          FirstName: 'A',
          lastName: 'B',
          expirationMonth: 1,
          expirationYear: 31,
        }),
      );
      expect(same.status).toBe(200);
    });
  });

  describe('page-number paging', () => {
    let customerId: number;
    let ids: number[];
    beforeAll(async () => {
      customerId = await newCustomer();
      ids = (await seedCards(customerId, 25)).sort((x, y) => y - x); // newest first
    });

    it('visits each of 25 cards exactly once over pages 0, 1, 2 of 10, with the headers Fusebill sends', async () => {
      const seen: number[] = [];
      const expected = [
        { page: 0, count: 10, next: '1', previous: '-1' },
        { page: 1, count: 10, next: '2', previous: '0' },
        { page: 2, count: 5, next: '-1', previous: '1' },
      ];
      for (const e of expected) {
        const res = await get(
          `/v1/customers/${customerId}/paymentMethods/creditCard?pageSize=10&pageNumber=${e.page}`,
        );
        expect(res.status).toBe(200);
        expect(headersOf(res)).toEqual({
          'x-currentpage': String(e.page),
          'x-pagesize': '10',
          'x-nextpage': e.next,
          'x-previouspage': e.previous,
          'x-maxpageindex': '2',
          'x-count': String(e.count),
          'x-maxcount': '25',
          'x-sortorder': 'Descending',
          'x-sortexpression': 'id',
        });
        expect(res.headers.get('x-has-more')).toBe(String(e.next !== '-1'));
        const cards = z.array(fusebillPaymentMethodDto).parse(await res.json());
        expect(cards).toHaveLength(e.count);
        seen.push(...cards.map((c) => c.id));
      }
      expect(seen).toEqual(ids);
      expect(new Set(seen).size).toBe(25);
    });

    it('answers a page past the end with an empty list and headers pointing back', async () => {
      const res = await get(`/v1/customers/${customerId}/paymentMethods/creditCard?pageSize=10&pageNumber=7`);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual([]);
      expect(headersOf(res)).toMatchObject({
        'x-currentpage': '7',
        'x-count': '0',
        'x-maxcount': '25',
        'x-maxpageindex': '2',
        'x-nextpage': '-1',
        'x-previouspage': '2',
      });
    });

    it('defaults to page 0 of 100, matches the parameter names in any case', async () => {
      const all = await get(`/v1/customers/${customerId}/paymentMethods/creditCard`);
      expect(((await all.json()) as Card[]).map((c) => c.id)).toEqual(ids);
      expect(headersOf(all)).toMatchObject({ 'x-currentpage': '0', 'x-pagesize': '100', 'x-count': '25' });
      const dotNet = await get(
        `/v1/customers/${customerId}/paymentMethods/creditCard?PageSize=4&PAGENUMBER=1`,
      );
      expect(((await dotNet.json()) as Card[]).map((c) => c.id)).toEqual(ids.slice(4, 8));
    });

    it('keeps the cursor parameters, and refuses both kinds at once', async () => {
      const first = await get(`/v1/customers/${customerId}/paymentMethods/creditCard?limit=10`);
      const page = (await first.json()) as Card[];
      expect(page.map((c) => c.id)).toEqual(ids.slice(0, 10));
      expect(first.headers.get('x-has-more')).toBe('true');
      expect(first.headers.get('x-currentpage')).toBeNull();
      const next = await get(
        `/v1/customers/${customerId}/paymentMethods/creditCard?limit=10&startingAfter=${page.at(-1)!.id}`,
      );
      expect(((await next.json()) as Card[]).map((c) => c.id)).toEqual(ids.slice(10, 20));

      const both = await get(`/v1/customers/${customerId}/paymentMethods/creditCard?limit=10&pageNumber=1`);
      expect(both.status).toBe(400);
      expect(((await both.json()) as Envelope).Errors.slice(1).map((e) => e.Key)).toEqual(['pageNumber']);
    });

    it('bounds pageSize to 1..100 and pageNumber to ≥ 0, naming the parameter', async () => {
      for (const [query, field] of [
        ['pageSize=0', 'pageSize'],
        ['pageSize=101', 'pageSize'],
        ['pageSize=abc', 'pageSize'],
        ['pageNumber=-1', 'pageNumber'],
        ['pageNumber=1.5', 'pageNumber'],
      ] as const) {
        const res = await get(`/v1/customers/${customerId}/paymentMethods/creditCard?${query}`);
        expect(res.status, query).toBe(400);
        expect(
          ((await res.json()) as Envelope).Errors.slice(1).map((e) => e.Key),
          query,
        ).toEqual([field]);
      }
      const ok = await get(`/v1/customers/${customerId}/paymentMethods/creditCard?pageSize=100`);
      expect(ok.status).toBe(200);
    });

    it('checks the key and the customer before the paging parameters (401, 404)', async () => {
      const anon = await fetch(`${s.url}/v1/customers/${customerId}/paymentMethods/creditCard?pageSize=0`);
      expect(anon.status).toBe(401);
      const missing = await get('/v1/customers/999999/paymentMethods/creditCard?pageSize=0');
      expect(missing.status).toBe(404);
    });

    it('walks past the procedure maximum of 100 rows a call', async () => {
      const many = await newCustomer();
      const manyIds = (await seedCards(many, 130)).sort((x, y) => y - x);
      const seen: number[] = [];
      for (let page = 0; page < 3; page++) {
        const res = await get(
          `/v1/customers/${many}/paymentMethods/creditCard?pageSize=60&pageNumber=${page}`,
        );
        expect(headersOf(res)).toMatchObject({ 'x-maxcount': '130', 'x-maxpageindex': '2' });
        seen.push(...((await res.json()) as Card[]).map((c) => c.id));
      }
      expect(seen).toEqual(manyIds);
    });
  });

  describe('GET /v1/customers/{id}/paymentMethods/all', () => {
    it("answers the customer's payment methods as the credit-card list does, paged the same way", async () => {
      const customerId = await newCustomer();
      const ids = (await seedCards(customerId, 3)).sort((x, y) => y - x);
      const res = await get(`/v1/customers/${customerId}/paymentMethods/all`);
      expect(res.status).toBe(200);
      const all = z.array(fusebillPaymentMethodDto).parse(await res.json());
      expect(all.map((c) => c.id)).toEqual(ids);
      const creditCards = await (await get(`/v1/customers/${customerId}/paymentMethods/creditCard`)).json();
      expect(all).toEqual(creditCards);
      expect(headersOf(res)).toMatchObject({ 'x-maxcount': '3', 'x-count': '3' });

      const page = await get(`/v1/customers/${customerId}/paymentMethods/All?pageSize=2&pageNumber=1`);
      expect(((await page.json()) as Card[]).map((c) => c.id)).toEqual(ids.slice(2));
      expect(headersOf(page)).toMatchObject({
        'x-currentpage': '1',
        'x-previouspage': '0',
        'x-nextpage': '-1',
      });

      const missing = await get('/v1/customers/999999/paymentMethods/all');
      expect(missing.status).toBe(404);
      expect(((await missing.json()) as Envelope).Errors[0]!.Value).toBe(
        'Customer with id 999999 not found.',
      );
    });
  });

  describe('tRPC stays strict', () => {
    it('refuses unknown fields, PascalCase keys and nulls for absent optionals', async () => {
      const customerId = await newCustomer();
      const base = {
        customerId,
        cardNumber: freshCardNumber(),
        firstName: 'A',
        lastName: 'B',
        expirationMonth: 1,
        expirationYear: 31,
      };
      for (const input of [
        { ...base, uri: null },
        { ...base, id: 0 },
        { ...base, gatewayAccountId: null },
        { CustomerId: customerId, ...base, customerId: undefined },
      ]) {
        const res = await trpc('paymentMethods.createCard', input);
        expect(res.status, JSON.stringify(Object.keys(input))).toBe(400);
      }
      const list = await fetch(
        `${s.url}/trpc/paymentMethods.list?input=${encodeURIComponent(JSON.stringify({ customerId, pageSize: 10 }))}`,
        { headers: { authorization: `Basic ${key}` } },
      );
      expect(list.status).toBe(400);
      expect(JSON.stringify(await list.json())).toContain('pageSize');
    });
  });

  it('documents the paging parameters, the headers and the /all route in /openapi.json', async () => {
    const doc = (await (await fetch(`${s.url}/openapi.json`)).json()) as {
      paths: Record<
        string,
        Record<
          string,
          {
            operationId: string;
            parameters?: { name: string; in: string }[];
            requestBody?: { description: string };
            responses: Record<string, { headers?: Record<string, unknown> }>;
          }
        >
      >;
    };
    const all = doc.paths['/v1/customers/{customerId}/paymentMethods/all']?.get;
    const cards = doc.paths['/v1/customers/{customerId}/paymentMethods/creditCard']?.get;
    for (const op of [all, cards]) {
      expect(op?.parameters?.filter((p) => p.in === 'query').map((p) => p.name)).toEqual([
        'pageSize',
        'pageNumber',
        'limit',
        'startingAfter',
        'endingBefore',
      ]);
      expect(Object.keys(op?.responses['200']?.headers ?? {})).toEqual(
        expect.arrayContaining([
          'X-Has-More',
          'X-CurrentPage',
          'X-MaxCount',
          'X-PreviousPage',
          'X-SortOrder',
        ]),
      );
    }
    const operationIds = Object.values(doc.paths).flatMap((p) => Object.values(p).map((o) => o.operationId));
    expect(new Set(operationIds).size).toBe(operationIds.length);
    expect(doc.paths['/v1/paymentMethods/creditCard']?.post?.requestBody?.description).toMatch(
      /case-insensitively/,
    );
  });
});

describe('matchBodyKeys', () => {
  it('maps keys onto the schema in any case, recursively, and drops what it does not know', () => {
    // As parsed from JSON: `__proto__` is an own key there, and must not reach a prototype.
    const body: unknown = JSON.parse(
      '{"ID":7,"customerid":1,"CardNumber":"x","PaymentCollectOptions":{"COLLECTIONAMOUNT":3,"whatever":1},' +
        '"uri":null,"Uri":null,"Extra":{"a":1},"__proto__":{"polluted":true}}',
    );
    expect(matchBodyKeys(body, replaceCreditCardInput)).toEqual({
      id: 7,
      customerId: 1,
      cardNumber: 'x',
      paymentCollectOptions: { collectionAmount: 3 },
      uri: null,
    });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('turns null into absent for optional fields that cannot be null, and keeps it elsewhere', () => {
    const schema = z.strictObject({
      required: z.number(),
      optional: z.number().optional(),
      defaulted: z.string().default('d'),
      nullable: z.number().nullish(),
    });
    expect(
      matchBodyKeys({ Required: null, Optional: null, Defaulted: null, Nullable: null }, schema),
    ).toEqual({
      required: null,
      nullable: null,
    });
  });

  it('leaves non-objects alone, for the procedure to refuse', () => {
    expect(matchBodyKeys([1], replaceCreditCardInput)).toEqual([1]);
    expect(matchBodyKeys(undefined, replaceCreditCardInput)).toBeUndefined();
    expect(matchBodyKeys({ a: 1 }, undefined)).toEqual({ a: 1 });
  });
});

describe('walkToPage and the Fusebill headers', () => {
  it('slices every page of every size exactly as the whole list would, across walk calls', async () => {
    for (const total of [0, 1, 7, 9, 10]) {
      const rows = Array.from({ length: total }, (_, i) => ({ id: 100 - i }));
      const walk = 3; // rows per call, as the list procedure's 100 would
      const pageAfter = (after?: number) => {
        const from = after === undefined ? 0 : rows.findIndex((r) => r.id === after) + 1;
        return Promise.resolve({ data: rows.slice(from, from + walk), hasMore: from + walk < rows.length });
      };
      for (let pageSize = 1; pageSize <= 4; pageSize++) {
        for (let pageNumber = 0; pageNumber <= 11; pageNumber++) {
          const got = await walkToPage(await pageAfter(), pageAfter, { pageSize, pageNumber });
          expect(got.total).toBe(total);
          expect(got.data).toEqual(rows.slice(pageNumber * pageSize, (pageNumber + 1) * pageSize));
        }
      }
    }
  });

  it('says -1 for no next or previous page, and 0 as the last index of an empty list', () => {
    expect(pageNumberHeaders({ pageNumber: 0, pageSize: 10, count: 0, total: 0 })).toMatchObject({
      'X-MaxPageIndex': '0',
      'X-NextPage': '-1',
      'X-PreviousPage': '-1',
    });
    expect(pageNumberHeaders({ pageNumber: 0, pageSize: 10, count: 10, total: 10 })).toMatchObject({
      'X-MaxPageIndex': '0',
      'X-NextPage': '-1',
    });
    expect(pageNumberHeaders({ pageNumber: 0, pageSize: 10, count: 10, total: 11 })).toMatchObject({
      'X-MaxPageIndex': '1',
      'X-NextPage': '1',
    });
  });
});
