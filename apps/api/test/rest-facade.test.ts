import { type AppDeps, createInternalContext } from '@cardbridge/api/src/context.js';
import { listPaymentMethodsInput } from '@cardbridge/core';
import { listAuditEvents } from '@cardbridge/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { parseJsonBody } from '../src/rest/body.js';
import { createCaller } from '../src/rest/caller.js';
import {
  coerceFields,
  nullToUndefined,
  omitKeys,
  optionalBool,
  optionalInt,
  toBool,
  toInt,
} from '../src/rest/coerce.js';
import { envelope, RestError, toErrorResponse } from '../src/rest/errors.js';
import { fusebillPaymentMethodDto } from '../src/rest/fusebill-dto.js';
import { restRoutes } from '../src/rest/routes.js';
import { seedPaymentMethod, startTestServer } from './helpers.js';

type Server = Awaited<ReturnType<typeof startTestServer>>;
type Envelope = { ErrorId: number; HttpStatusCode: number; Errors: { Key: string; Value: string }[] };

const apiError = (status: number, message: string): Envelope => ({
  ErrorId: 0,
  HttpStatusCode: status,
  Errors: [{ Key: 'Api Error', Value: message }],
});

describe('REST facade (Fusebill-compatible) over the real server', () => {
  let s: Server;
  let key: string;
  let readOnlyKey: string;
  let otherTenantKey: string;
  let tenantId: number;
  let customerId: number;
  let otherCustomerId: number;

  beforeAll(async () => {
    s = await startTestServer();
    const platform = createCaller(createInternalContext(s.app.deps, `Basic ${s.bootstrapKey}`));
    const created = await platform.tenants.create({ name: 'REST tenant' });
    tenantId = created.tenant.id;
    key = created.adminKey.secret;
    otherTenantKey = (await platform.tenants.create({ name: 'REST other' })).adminKey.secret;
    const admin = createCaller(createInternalContext(s.app.deps, `Basic ${key}`));
    customerId = (await admin.customers.create({ firstName: 'Jane' })).id;
    otherCustomerId = (await admin.customers.create({ firstName: 'John' })).id;
    readOnlyKey = (await admin.apiKeys.create({ name: 'read only', scopes: ['read'] })).secret;
  });
  afterAll(() => s.app.close());

  const addCard = (customer: number, last4 = '4242') =>
    seedPaymentMethod(s.app.deps.db, tenantId, {
      customerId: customer,
      cardType: 'Visa',
      maskedCardNumber: `************${last4}`,
      expirationMonth: 11,
      expirationYear: 2031,
      firstName: 'John',
      lastName: 'Doe',
    });

  /** A request as the seed sends it: `Authorization: Basic {APIKey}`. */
  const call = (
    path: string,
    opts: { method?: string; body?: string; headers?: Record<string, string>; key?: string | null } = {},
  ) => {
    const k = opts.key === undefined ? key : opts.key;
    return fetch(`${s.url}${path}`, {
      method: opts.method ?? 'GET',
      headers: { ...(k === null ? {} : { authorization: `Basic ${k}` }), ...opts.headers },
      ...(opts.body === undefined ? {} : { body: opts.body }),
    });
  };
  const json = async (res: Response) => ({ status: res.status, body: (await res.json()) as unknown });

  it("lists a customer's cards as a JSON array of Fusebill DTOs, paged with X-Has-More", async () => {
    const first = await addCard(customerId, '4242');
    const second = await addCard(customerId, '1881');
    const res = await call(`/v1/customers/${customerId}/paymentMethods/creditCard`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.headers.get('x-has-more')).toBe('false');
    const cards = z.array(fusebillPaymentMethodDto).parse(await res.json());
    expect(cards.map((c) => c.id)).toEqual([second.id, first.id]);
    const card = cards.find((c) => c.id === first.id)!;
    expect(card).toMatchObject({
      maskedCardNumber: '************4242',
      cardType: 'Visa',
      expirationMonth: 11,
      expirationYear: 31,
      customerId,
      isDefault: true,
      storedInFusebillVault: false,
      storedInVault: false,
      status: 'active',
      uri: null,
    });
    // The seed's field order comes first.
    expect(Object.keys(card).slice(0, 5)).toEqual([
      'maskedCardNumber',
      'cardType',
      'expirationMonth',
      'expirationYear',
      'customerId',
    ]);

    const page = await call(`/v1/customers/${customerId}/paymentMethods/creditCard?limit=1`);
    expect(page.headers.get('x-has-more')).toBe('true');
    const [newest] = (await page.json()) as { id: number }[];
    const next = await call(
      `/v1/customers/${customerId}/paymentMethods/creditCard?limit=1&startingAfter=${newest!.id}`,
    );
    expect(next.headers.get('x-has-more')).toBe('false');
    expect(((await next.json()) as { id: number }[]).map((c) => c.id)).toEqual([first.id]);
  });

  it('gets one card', async () => {
    const card = await addCard(otherCustomerId, '0005');
    const { status, body } = await json(await call(`/v1/paymentMethods/${card.id}/creditCard`));
    expect(status).toBe(200);
    expect(fusebillPaymentMethodDto.parse(body)).toMatchObject({
      id: card.id,
      customerId: otherCustomerId,
      maskedCardNumber: '************0005',
      storedInFusebillVault: false,
    });
  });

  it('makes a card the default with ?id=&customerId=, and hides cards of another customer', async () => {
    const a = await addCard(customerId, '1111');
    const res = await call(`/v1/paymentMethods/makeDefault?id=${a.id}&customerId=${customerId}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ id: a.id, isDefault: true, storedInFusebillVault: false });
    const list = (await (await call(`/v1/customers/${customerId}/paymentMethods/creditCard`)).json()) as {
      id: number;
      isDefault: boolean;
    }[];
    expect(list.filter((c) => c.isDefault).map((c) => c.id)).toEqual([a.id]);

    const wrong = await call(`/v1/paymentMethods/makeDefault?id=${a.id}&customerId=${otherCustomerId}`, {
      method: 'POST',
    });
    expect(await json(wrong)).toEqual({
      status: 404,
      body: apiError(404, `Payment method with id ${a.id} not found.`),
    });
  });

  it('deletes a card; GET then shows it deleted and makeDefault gives the seed 400', async () => {
    const card = await addCard(customerId, '3333');
    const del = await json(await call(`/v1/paymentMethods/${card.id}/creditCard`, { method: 'DELETE' }));
    expect(del).toMatchObject({ status: 200, body: { id: card.id, deleted: true } });
    const got = await json(await call(`/v1/paymentMethods/${card.id}/creditCard`));
    expect(got).toMatchObject({ status: 200, body: { id: card.id, status: 'deleted' } });
    const res = await call(`/v1/paymentMethods/makeDefault?id=${card.id}&customerId=${customerId}`, {
      method: 'POST',
    });
    expect(await json(res)).toEqual({
      status: 400,
      body: apiError(400, `Cannot edit payment method ${card.id} because it has been deleted.`),
    });
  });

  it('answers a missing customer with the exact seed envelope', async () => {
    const res = await call('/v1/customers/1325/paymentMethods/creditCard');
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({
      ErrorId: 0,
      HttpStatusCode: 404,
      Errors: [{ Key: 'Api Error', Value: 'Customer with id 1325 not found.' }],
    });
  });

  it('gives a bad, missing or other-tenant key the envelope (401, 401, 404)', async () => {
    const bad = await call(`/v1/customers/${customerId}/paymentMethods/creditCard`, { key: 'not-a-key' });
    expect(await json(bad)).toEqual({ status: 401, body: apiError(401, 'Invalid or missing API key.') });
    const none = await call(`/v1/customers/${customerId}/paymentMethods/creditCard`, { key: null });
    expect(await json(none)).toEqual({ status: 401, body: apiError(401, 'Invalid or missing API key.') });
    const other = await call(`/v1/customers/${customerId}/paymentMethods/creditCard`, {
      key: otherTenantKey,
    });
    expect(await json(other)).toEqual({
      status: 404,
      body: apiError(404, `Customer with id ${customerId} not found.`),
    });
  });

  it('enforces the procedure scopes: a read key cannot make a default (403)', async () => {
    const card = await addCard(customerId, '4444');
    const res = await call(`/v1/paymentMethods/makeDefault?id=${card.id}`, {
      method: 'POST',
      key: readOnlyKey,
    });
    expect(await json(res)).toEqual({
      status: 403,
      body: apiError(403, "This API key lacks the 'write' scope."),
    });
    expect((await call(`/v1/paymentMethods/${card.id}/creditCard`, { key: readOnlyKey })).status).toBe(200);
  });

  it('reports invalid input with one Errors entry per field, garbage never coerced', async () => {
    const res = await json(await call('/v1/customers/12abc/paymentMethods/creditCard?limit=500'));
    expect(res.status).toBe(400);
    const body = res.body as Envelope;
    expect(body.HttpStatusCode).toBe(400);
    expect(body.Errors[0]!.Key).toBe('Api Error');
    expect(body.Errors[0]!.Value).toMatch(/^Invalid input: /);
    expect(body.Errors.slice(1).map((e) => e.Key)).toEqual(['customerId', 'limit']);
  });

  it('goes through the same audit trail as tRPC', async () => {
    const card = await addCard(customerId, '5555');
    await call(`/v1/paymentMethods/makeDefault?id=${card.id}`, { method: 'POST' });
    const [event] = await listAuditEvents(s.app.deps.db, tenantId, { limit: 1 });
    expect(event).toMatchObject({
      action: 'paymentMethods.setDefault',
      targetId: String(card.id),
      outcome: 'success',
    });
    expect(event!.origin).not.toBe('internal');
  });

  it('accepts relaxed JSON bodies (seed curl) and strict JSON with strings (seed Python)', async () => {
    const card = await addCard(customerId, '6666');
    const relaxed = await call('/v1/paymentMethods/makeDefault', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: `{id:${card.id},customerId:'${customerId}'}`,
    });
    expect(await json(relaxed)).toMatchObject({ status: 200, body: { id: card.id, isDefault: true } });
    const strict = await call('/v1/paymentMethods/makeDefault', {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify({ id: String(card.id), customerId: null }),
    });
    expect(strict.status).toBe(200);
  });

  it('answers a malformed body with a 400 that quotes nothing of it', async () => {
    const res = await call('/v1/paymentMethods/makeDefault', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{cardNumber: 4242424242424242 oops}',
    });
    const { status, body } = await json(res);
    expect(status).toBe(400);
    expect(body).toEqual(apiError(400, 'Request body is not valid JSON (line 1, column 31).'));
    expect(JSON.stringify(body)).not.toContain('4242424242');
  });

  it('refuses a non-JSON Content-Type (415) and a body over 1 MB (413)', async () => {
    const form = await call('/v1/paymentMethods/makeDefault', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'id=1',
    });
    expect(await json(form)).toMatchObject({ status: 415, body: { ErrorId: 0, HttpStatusCode: 415 } });
    const big = await call('/v1/paymentMethods/makeDefault', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id: 1, pad: 'x'.repeat(1_100_000) }),
    });
    expect(await json(big)).toEqual({
      status: 413,
      body: apiError(413, 'Request body exceeds the 1 MB limit.'),
    });
  });

  it('answers unknown routes (404) and wrong methods (405) in the envelope', async () => {
    expect(await json(await call('/v1/nope'))).toEqual({
      status: 404,
      body: apiError(404, 'No route for GET /v1/nope.'),
    });
    const put = await call('/v1/paymentMethods/1/creditCard', { method: 'PUT' });
    expect(put.headers.get('allow')).toBe('GET, DELETE');
    expect(await json(put)).toMatchObject({ status: 405, body: { HttpStatusCode: 405 } });
    // Everything outside /v1/ and /openapi.json is untouched.
    expect((await fetch(`${s.url}/healthz`)).status).toBe(200);
  });

  it('matches paths and declared query keys case-insensitively, as the .NET original does', async () => {
    const card = await addCard(customerId, '7777');
    const res = await call(`/V1/PaymentMethods/makedefault?Id=${card.id}&CustomerId=${customerId}`, {
      method: 'POST',
    });
    expect(await json(res)).toMatchObject({ status: 200, body: { id: card.id, isDefault: true } });
  });

  it('serves an OpenAPI 3.1 document generated from the route table', async () => {
    const res = await fetch(`${s.url}/openapi.json`);
    expect(res.status).toBe(200);
    const doc = (await res.json()) as {
      openapi: string;
      paths: Record<string, Record<string, { responses: Record<string, { content?: unknown }> }>>;
      components: { schemas: Record<string, unknown>; securitySchemes: Record<string, unknown> };
    };
    expect(doc.openapi).toMatch(/^3\.1\.\d+$/);
    for (const route of restRoutes) {
      expect(
        doc.paths[route.path]?.[route.method.toLowerCase()],
        `${route.method} ${route.path}`,
      ).toBeDefined();
    }
    expect(doc.components.securitySchemes.basicAuth).toMatchObject({ type: 'http', scheme: 'basic' });
    expect(doc.components.schemas.FusebillError).toMatchObject({
      type: 'object',
      properties: { ErrorId: {}, HttpStatusCode: {}, Errors: {} },
    });
    const get = doc.paths['/v1/paymentMethods/{id}/creditCard']!.get!;
    expect(JSON.stringify(get.responses['200'])).toContain('storedInFusebillVault');
    expect(JSON.stringify(doc)).not.toContain('"$schema"');
  });
});

describe('REST facade in production', () => {
  it('says "Internal server error" for internal errors', async () => {
    const s = await startTestServer({ isProduction: true });
    try {
      await s.app.database.close();
      const res = await fetch(`${s.url}/v1/customers/1/paymentMethods/creditCard`, {
        headers: { authorization: `Basic ${s.bootstrapKey}` },
      });
      expect(res.status).toBe(500);
      expect(await res.json()).toEqual(apiError(500, 'Internal server error'));
    } finally {
      await s.app.close().catch(() => {});
    }
  });
});

describe('REST error mapping', () => {
  const logged: unknown[] = [];
  const deps = (isProduction: boolean) =>
    ({ isProduction, logger: { error: (o: unknown) => logged.push(o) } }) as unknown as AppDeps;

  it('never echoes a card number in an envelope', () => {
    const body = envelope(400, 'card 4242424242424242 refused', [
      { path: 'x', message: '4000 0566 5566 5556' },
    ]);
    expect(JSON.stringify(body)).not.toMatch(/4242424242424242|4000 0566 5566/);
    expect(body.Errors[0]!.Value).toBe('card ************4242 refused');
  });

  it('hides unexpected errors in every mode (their message may carry SQL and its parameters)', () => {
    expect(toErrorResponse(new Error('boom'), deps(true))).toMatchObject({
      status: 500,
      body: apiError(500, 'Internal server error'),
    });
    expect(toErrorResponse(new Error('Failed query: x params: y'), deps(false)).body).toEqual(
      apiError(500, 'Internal server error'),
    );
    expect(toErrorResponse(new RestError(418, 'teapot'), deps(true)).body).toEqual(apiError(418, 'teapot'));
  });
});

describe('REST body parsing', () => {
  it('parses the seed curl body (relaxed JSON) and the seed Python body (strict JSON)', () => {
    expect(
      parseJsonBody("{customerId:1,stripeCustomerId:'cus_x',stripeCardId:'card_y'}", 'application/json'),
    ).toEqual({ customerId: 1, stripeCustomerId: 'cus_x', stripeCardId: 'card_y' });
    // The seed's curl body verbatim, with ids pasted over its {id} placeholders (unquoted).
    expect(
      parseJsonBody(
        '{customerId:1,stripeCustomerId:cus_AExsNjBZDLMNDK,stripeCardId:card_19uTyBAXix6Ggd0efp4HNNp7}',
        'application/json',
      ),
    ).toEqual({
      customerId: 1,
      stripeCustomerId: 'cus_AExsNjBZDLMNDK',
      stripeCardId: 'card_19uTyBAXix6Ggd0efp4HNNp7',
    });
    expect(() => parseJsonBody('{a:b c}', 'application/json')).toThrow();
    expect(
      parseJsonBody("{customerId:1,stripeCustomerId:'cus_x',stripeCardId:'card_y'}", 'application/json'),
    ).toEqual({ customerId: 1, stripeCustomerId: 'cus_x', stripeCardId: 'card_y' });
    expect(parseJsonBody('{"isDefault":"false","address1":null}', 'application/json')).toEqual({
      isDefault: 'false',
      address1: null,
    });
    expect(parseJsonBody('{a:1}', undefined)).toEqual({ a: 1 });
    expect(parseJsonBody('\uFEFF{"a":1}', 'application/vnd.api+json')).toEqual({ a: 1 });
    expect(parseJsonBody('  ', 'text/plain')).toBeUndefined();
  });

  it('refuses other content types (415) and malformed bodies (400)', () => {
    const err = (text: string, type?: string) => {
      try {
        parseJsonBody(text, type);
      } catch (e) {
        return e as RestError;
      }
      throw new Error('expected an error');
    };
    expect(err('a=1', 'application/x-www-form-urlencoded').status).toBe(415);
    expect(err('{a:', 'application/json')).toMatchObject({ status: 400 });
    expect(err('?', undefined).message).toBe('Request body is not valid JSON (line 1, column 1).');
  });
});

describe('REST coercion helpers', () => {
  it('turns integer strings into numbers and leaves garbage for the schema to reject', () => {
    expect(toInt('186838')).toBe(186838);
    expect(toInt('-3')).toBe(-3);
    expect(toInt(42)).toBe(42);
    expect(toInt(undefined)).toBeUndefined();
    for (const garbage of ['12abc', '', ' 12', '1.5', '1e3', '0x10', '99999999999999999999']) {
      expect(toInt(garbage)).toBe(garbage);
    }
    const parsed = listPaymentMethodsInput.safeParse({ customerId: toInt('12abc') });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.path).toEqual(['customerId']);
  });

  it('turns "true"/"false" into booleans and nothing else', () => {
    expect(toBool('true')).toBe(true);
    expect(toBool('False')).toBe(false);
    expect(toBool(true)).toBe(true);
    for (const other of ['yes', '1', '', 0, null]) expect(toBool(other)).toBe(other);
  });

  it('drops nulls for optional fields and coerces named fields only', () => {
    expect(nullToUndefined(null)).toBeUndefined();
    expect(nullToUndefined(0)).toBe(0);
    const seedPython = {
      customerId: '186838',
      isDefault: 'false',
      countryId: null,
      stateId: '9',
      address1: null,
      firstName: 'matt',
      junk: 'kept',
    };
    expect(
      coerceFields(seedPython, {
        customerId: toInt,
        isDefault: optionalBool,
        countryId: optionalInt,
        stateId: optionalInt,
        address1: nullToUndefined,
      }),
    ).toEqual({ customerId: 186838, isDefault: false, stateId: 9, firstName: 'matt', junk: 'kept' });
    expect(coerceFields(undefined, { a: toInt })).toEqual({});
    expect(coerceFields([1], { a: toInt })).toEqual([1]);
    expect(coerceFields('x', { a: toInt })).toBe('x');
    expect(omitKeys({ a: 1, uri: null, cardType: 'Visa' }, ['uri', 'cardType'])).toEqual({ a: 1 });
  });
});
