import { createInternalContext } from '@cardbridge/api/src/context.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createCaller } from '../src/rest/caller.js';
import { fusebillExpiringPaymentMethodDto } from '../src/rest/fusebill-dto.js';
import { seedPaymentMethod, startTestServer } from './helpers.js';

type Server = Awaited<ReturnType<typeof startTestServer>>;
type Envelope = { ErrorId: number; HttpStatusCode: number; Errors: { Key: string; Value: string }[] };

/** GET /v1/paymentMethods/expiring over the real server, under a pinned clock. */
describe('REST: GET /v1/paymentMethods/expiring', () => {
  const now = new Date('2026-11-15T12:00:00Z');
  let s: Server;
  let key: string;
  let readOnlyKey: string;
  let otherTenantKey: string;
  let tenantId: number;
  let customerId: number;
  let otherCustomerId: number;
  const ids: Record<string, number> = {};

  const addCard = async (customer: number, expiry: string) => {
    const [year, month] = expiry.split('-').map(Number) as [number, number];
    const row = await seedPaymentMethod(s.app.deps.db, tenantId, {
      customerId: customer,
      cardType: 'Visa',
      maskedCardNumber: '************4242',
      expirationMonth: month,
      expirationYear: year,
      firstName: 'Jane',
      lastName: 'Doe',
    });
    return row.id;
  };

  beforeAll(async () => {
    s = await startTestServer({ clock: () => now });
    const platform = createCaller(createInternalContext(s.app.deps, `Basic ${s.bootstrapKey}`));
    const created = await platform.tenants.create({ name: 'REST expiring' });
    tenantId = created.tenant.id;
    key = created.adminKey.secret;
    const other = await platform.tenants.create({ name: 'REST expiring, other tenant' });
    otherTenantKey = other.adminKey.secret;
    const admin = createCaller(createInternalContext(s.app.deps, `Basic ${key}`));
    customerId = (await admin.customers.create({ firstName: 'Jane' })).id;
    otherCustomerId = (await admin.customers.create({ firstName: 'John' })).id;
    readOnlyKey = (await admin.apiKeys.create({ name: 'read only', scopes: ['read'] })).secret;
    ids.jan27 = await addCard(customerId, '2027-01');
    ids.dec26a = await addCard(otherCustomerId, '2026-12');
    ids.expired = await addCard(customerId, '2026-10');
    ids.dec26b = await addCard(customerId, '2026-12');
    ids.later = await addCard(customerId, '2027-06');
  });
  afterAll(() => s.app.close());

  const get = (query: string, k: string | null = key) =>
    fetch(`${s.url}/v1/paymentMethods/expiring${query}`, {
      headers: k === null ? {} : { authorization: `Basic ${k}` },
    });

  it('answers a JSON array of Fusebill DTOs with expiresOn and expired, soonest first', async () => {
    const res = await get('?within=60d');
    expect(res.status).toBe(200);
    expect(res.headers.get('x-has-more')).toBe('false');
    expect(res.headers.get('x-expires-on-or-before')).toBe('2027-01-14');
    const cards = z.array(fusebillExpiringPaymentMethodDto).parse(await res.json());
    expect(cards.map((c) => [c.id, c.expiresOn, c.expired])).toEqual([
      [ids.expired, '2026-10-31', true],
      [ids.dec26a, '2026-12-31', false],
      [ids.dec26b, '2026-12-31', false],
    ]);
    expect(cards[0]).toMatchObject({
      maskedCardNumber: '************4242',
      expirationMonth: 10,
      expirationYear: 26,
      storedInFusebillVault: false,
    });

    // A number of days, and parameter names in any case (as .NET clients send them).
    const days = await get(`?Within=90&CustomerId=${customerId}`);
    expect(days.status).toBe(200);
    expect(((await days.json()) as { id: number }[]).map((c) => c.id)).toEqual([
      ids.expired,
      ids.dec26b,
      ids.jan27,
    ]);
  });

  it('pages by cursor with X-Has-More, through cards expiring the same month', async () => {
    const first = await get('?within=3m&limit=2');
    expect(first.headers.get('x-has-more')).toBe('true');
    const firstIds = ((await first.json()) as { id: number }[]).map((c) => c.id);
    expect(firstIds).toEqual([ids.expired, ids.dec26a]);
    const next = await get(`?within=3m&limit=2&startingAfter=${firstIds[1]}`);
    expect(next.headers.get('x-has-more')).toBe('false');
    expect(((await next.json()) as { id: number }[]).map((c) => c.id)).toEqual([ids.dec26b, ids.jan27]);
    const back = await get(`?within=3m&limit=2&endingBefore=${ids.dec26b}`);
    expect(((await back.json()) as { id: number }[]).map((c) => c.id)).toEqual(firstIds);
  });

  it('answers bad input in the Fusebill envelope, naming the field', async () => {
    const cases: [string, string, RegExp][] = [
      ['', 'within', /required: a duration like 30d, 12w, 3m or 1y/],
      ['?within=soon', 'within', /must be a duration like/],
      ['?within=6y', 'within', /must be at most 5 years/],
      ['?within=-1', 'within', /must be a duration like/],
      ['?within=60d&limit=500', 'limit', /100/],
      ['?within=60d&customerId=abc', 'customerId', /number/],
      ['?within=60d&pageSize=10', 'pageSize', /pages by cursor only/],
      ['?within=60d&startingAfter=1&endingBefore=2', 'endingBefore', /cannot be used together/],
    ];
    for (const [query, field, message] of cases) {
      const res = await get(query);
      expect(res.status, query).toBe(400);
      const body = (await res.json()) as Envelope;
      expect(body.HttpStatusCode).toBe(400);
      expect(body.Errors[0]?.Key).toBe('Api Error');
      const entry = body.Errors.find((e) => e.Key === field);
      expect(entry?.Value, `${query}: ${JSON.stringify(body)}`).toMatch(message);
    }
  });

  it('takes the tenant from the key: read scope suffices, other tenants see none of it', async () => {
    expect((await get('?within=60d', null)).status).toBe(401);
    const readOnly = await get('?within=60d', readOnlyKey);
    expect(readOnly.status).toBe(200);
    expect(((await readOnly.json()) as unknown[]).length).toBe(3);

    const other = await get('?within=5y', otherTenantKey);
    expect(other.status).toBe(200);
    expect(await other.json()).toEqual([]);
    const foreignCustomer = await get(`?within=60d&customerId=${customerId}`, otherTenantKey);
    expect(foreignCustomer.status).toBe(404);
    expect(((await foreignCustomer.json()) as Envelope).Errors[0]).toEqual({
      Key: 'Api Error',
      Value: `Customer with id ${customerId} not found.`,
    });
  });

  it('is described in /openapi.json like the other routes', async () => {
    const doc = (await (await fetch(`${s.url}/openapi.json`)).json()) as {
      paths: Record<
        string,
        Record<
          string,
          {
            operationId: string;
            'x-trpc-procedure': string;
            parameters?: { name: string; in: string; required: boolean }[];
            responses: Record<string, { headers?: Record<string, unknown>; content?: unknown }>;
          }
        >
      >;
    };
    const op = doc.paths['/v1/paymentMethods/expiring']?.get;
    expect(op?.operationId).toBe('paymentMethods.expiring');
    expect(op?.['x-trpc-procedure']).toBe('paymentMethods.expiring');
    expect(op?.parameters?.map((p) => [p.name, p.in, p.required])).toEqual([
      ['within', 'query', true],
      ['customerId', 'query', false],
      ['limit', 'query', false],
      ['startingAfter', 'query', false],
      ['endingBefore', 'query', false],
    ]);
    expect(Object.keys(op?.responses['200']?.headers ?? {})).toEqual([
      'X-Has-More',
      'X-Expires-On-Or-Before',
    ]);
    const item = JSON.stringify(op?.responses['200']?.content);
    expect(item).toContain('"expiresOn"');
    expect(item).toContain('"expired"');
  });
});
