import { Writable } from 'node:stream';
import { GatewayRegistry } from '@cardbridge/api/src/gateways/registry.js';
import { createLogger } from '@cardbridge/api/src/logger.js';
import { issueApiKey } from '@cardbridge/api/src/services/access.js';
import { createDefaultTestAccount } from '@cardbridge/api/src/services/gateway-accounts.js';
import { freshCardNumber } from '@cardbridge/api/test/card-data.js';
import { scopes, textMessages } from '@cardbridge/core';
import { insertTenant } from '@cardbridge/db';
import { renameColumn } from '@cardbridge/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { capturedLogs, createTestApp, startTestServer } from './helpers.js';

/*
 * Text and number hygiene at the edges (issue 7): control characters, lone surrogates, card
 * numbers in free text, ids beyond int4, and what an internal error may show. Through the
 * real HTTP server, tRPC and REST, because the bugs were in what reached the database and the
 * error bodies, not in the schemas alone.
 */

type Server = Awaited<ReturnType<typeof startTestServer>>;
interface Answer {
  status: number;
  text: string;
  // biome-ignore lint/suspicious/noExplicitAny: a JSON answer, inspected field by field.
  json: any;
}

const year = (new Date().getUTCFullYear() % 100) + 3;
const holder = { expirationMonth: 10, expirationYear: year, firstName: 'John', lastName: 'Doe' };

/** `4242 4242 …`: how a person types it; neither form may come back. */
const spaced = (n: string) => (n.match(/.{1,4}/g) ?? []).join(' ');
const expectNoCardNumber = (text: string, number: string) => {
  expect(text).not.toContain(number);
  expect(text).not.toContain(spaced(number));
  // Not even the hidden digits (the last 4 alone are as much as a mask shows).
  expect(text).not.toContain(number.slice(0, -4));
};

/** A tenant with one key holding every tenant scope, straight in the database. */
async function tenantKey(s: Server): Promise<string> {
  const db = s.app.database.db;
  const t = await insertTenant(db, { name: 'hygiene' });
  await createDefaultTestAccount(db, t.id);
  return (
    await issueApiKey(
      db,
      t.id,
      'all scopes',
      scopes.filter((x) => x !== 'platform'),
    )
  ).secret;
}

function client(s: Server, key: string) {
  const answer = async (res: Response): Promise<Answer> => {
    const text = await res.text();
    return { status: res.status, text, json: text ? JSON.parse(text) : undefined };
  };
  const headers = { authorization: `Basic ${key}`, 'content-type': 'application/json' };
  return {
    mutation: async (path: string, input: unknown) =>
      answer(await fetch(`${s.url}/trpc/${path}`, { method: 'POST', headers, body: JSON.stringify(input) })),
    query: async (path: string, input: unknown) =>
      answer(
        await fetch(`${s.url}/trpc/${path}?input=${encodeURIComponent(JSON.stringify(input))}`, { headers }),
      ),
    rest: async (method: string, path: string, body?: unknown) =>
      answer(
        await fetch(`${s.url}${path}`, {
          method,
          headers,
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        }),
      ),
  };
}

/** The tRPC error's field issues as `path: message`. */
const trpcIssues = (a: Answer): string[] =>
  (a.json?.error?.data?.issues ?? []).map(
    (i: { path: string; message: string }) => `${i.path}: ${i.message}`,
  );
/** The REST envelope's field entries as `Key: Value` (the first entry is the summary). */
const restIssues = (a: Answer): string[] =>
  (a.json?.Errors ?? []).slice(1).map((e: { Key: string; Value: string }) => `${e.Key}: ${e.Value}`);

describe('input hygiene over HTTP', () => {
  let s: Server;
  let api: ReturnType<typeof client>;
  let key: string;
  let customerId: number;

  beforeAll(async () => {
    s = await startTestServer();
    key = await tenantKey(s);
    api = client(s, key);
    const created = await api.mutation('customers.create', { firstName: 'Jane' });
    expect(created.status).toBe(200);
    customerId = created.json.result.data.id;
  });
  afterAll(() => s.app.close());

  describe('control characters and lone surrogates → 400 naming the field', () => {
    it('tRPC: a NUL or a newline in a name', async () => {
      const nul = await api.mutation('customers.create', { firstName: 'Ja\u0000ne' });
      expect(nul.status).toBe(400);
      expect(trpcIssues(nul)).toEqual([`firstName: ${textMessages.control}`]);
      const newline = await api.mutation('customers.update', { id: customerId, lastName: 'Doe\n' });
      expect(newline.status).toBe(400);
      expect(trpcIssues(newline)).toEqual([`lastName: ${textMessages.control}`]);
    });

    it('tRPC: a lone surrogate in a name sent to a gateway', async () => {
      // JSON.stringify escapes it as \ud800, so it survives the UTF-8 request body.
      const res = await api.mutation('paymentMethods.createFromToken', {
        customerId,
        token: 'tok_visa',
        firstName: 'Jo\ud800',
      });
      expect(res.status).toBe(400);
      expect(trpcIssues(res)).toEqual([`firstName: ${textMessages.surrogate}`]);
    });

    it('tRPC: ids, tokens and names of keys and gateway accounts too', async () => {
      const token = await api.mutation('paymentMethods.createFromToken', { customerId, token: 'tok_\u0000' });
      expect(token.status).toBe(400);
      expect(trpcIssues(token)[0]).toBe(`token: ${textMessages.control}`);
      const stripeCard = await api.mutation('paymentMethods.importStripeCard', {
        customerId,
        stripeCustomerId: 'cus_1',
        stripeCardId: 'card_\ud800',
      });
      expect(stripeCard.status).toBe(400);
      expect(trpcIssues(stripeCard)[0]).toBe(`stripeCardId: ${textMessages.surrogate}`);
      const keyName = await api.mutation('apiKeys.create', { name: 'a\u007fb', scopes: ['read'] });
      expect(trpcIssues(keyName)).toEqual([`name: ${textMessages.control}`]);
      const account = await api.mutation('gatewayAccounts.create', { type: 'test', name: '\tx' });
      expect(trpcIssues(account)).toEqual([`name: ${textMessages.control}`]);
    });

    it('REST: a NUL and a lone surrogate in the card holder name', async () => {
      const nul = await api.rest('POST', '/v1/paymentMethods/creditCard', {
        customerId,
        cardNumber: freshCardNumber(),
        ...holder,
        firstName: 'Jo\u0000hn',
      });
      expect(nul.status).toBe(400);
      expect(nul.json.HttpStatusCode).toBe(400);
      expect(restIssues(nul)).toEqual([`firstName: ${textMessages.control}`]);
      const surrogate = await api.rest('POST', '/v1/paymentMethods/creditCard', {
        customerId,
        cardNumber: freshCardNumber(),
        ...holder,
        lastName: '\udc00Doe',
      });
      expect(surrogate.status).toBe(400);
      expect(restIssues(surrogate)).toEqual([`lastName: ${textMessages.surrogate}`]);
    });
  });

  describe('ids and cursors are bounded to int4', () => {
    it('tRPC: a cursor or an id of 2^31 → 400 naming it', async () => {
      const cursor = await api.query('customers.list', { startingAfter: 2 ** 31 });
      expect(cursor.status).toBe(400);
      expect(trpcIssues(cursor)[0]).toMatch(/^startingAfter: /);
      const before = await api.query('paymentMethods.list', { customerId, endingBefore: 2 ** 31 });
      expect(before.status).toBe(400);
      expect(trpcIssues(before)[0]).toMatch(/^endingBefore: /);
      const id = await api.query('paymentMethods.get', { id: 2 ** 31 });
      expect(id.status).toBe(400);
      const stateId = await api.mutation('paymentMethods.update', { id: 1, stateId: 2 ** 31 });
      expect(stateId.status).toBe(400);
      expect(trpcIssues(stateId)[0]).toMatch(/^stateId: /);
      // The largest int4 is still a valid cursor.
      expect((await api.query('customers.list', { startingAfter: 2 ** 31 - 1 })).status).toBe(200);
    });

    it('REST: a cursor of 2^31 → 400 naming it', async () => {
      const res = await api.rest(
        'GET',
        `/v1/customers/${customerId}/paymentMethods/creditCard?startingAfter=${2 ** 31}`,
      );
      expect(res.status).toBe(400);
      expect(restIssues(res)[0]).toMatch(/^startingAfter: /);
      const id = await api.rest('GET', `/v1/paymentMethods/${2 ** 31}/creditCard`);
      expect(id.status).toBe(400);
    });
  });

  describe('a card number in a free-text field → 400 "looks like a card number", never echoed', () => {
    it('tRPC: reference, names, company and email of a customer', async () => {
      for (const field of ['reference', 'firstName', 'lastName', 'companyName']) {
        const number = freshCardNumber();
        const res = await api.mutation('customers.create', { [field]: `ref ${spaced(number)}` });
        expect(res.status, field).toBe(400);
        expect(trpcIssues(res)).toEqual([`${field}: ${textMessages.cardNumber}`]);
        expectNoCardNumber(res.text, number);
      }
      const number = freshCardNumber();
      const email = await api.mutation('customers.update', {
        id: customerId,
        email: `${number}@example.com`,
      });
      expect(trpcIssues(email)).toEqual([`email: ${textMessages.cardNumber}`]);
      expectNoCardNumber(email.text, number);
    });

    it('tRPC: address lines of a card, key and gateway account names', async () => {
      const number = freshCardNumber();
      const res = await api.mutation('paymentMethods.createFromToken', {
        customerId,
        token: 'tok_visa',
        address1: `${number.slice(0, 8)}-${number.slice(8)}`,
      });
      expect(res.status).toBe(400);
      expect(trpcIssues(res)).toEqual([`address1: ${textMessages.cardNumber}`]);
      expectNoCardNumber(res.text, number);
      const keyName = await api.mutation('apiKeys.create', { name: number, scopes: ['read'] });
      expect(trpcIssues(keyName)).toEqual([`name: ${textMessages.cardNumber}`]);
      expectNoCardNumber(keyName.text, number);
      const account = await api.mutation('gatewayAccounts.create', { type: 'test', name: number });
      expect(trpcIssues(account)).toEqual([`name: ${textMessages.cardNumber}`]);
    });

    it('REST: a second card number typed into a name or an address line', async () => {
      const cardNumber = freshCardNumber();
      for (const field of ['firstName', 'address1', 'city']) {
        const typed = freshCardNumber();
        const res = await api.rest('POST', '/v1/paymentMethods/creditCard', {
          customerId,
          cardNumber,
          ...holder,
          [field]: spaced(typed),
        });
        expect(res.status, field).toBe(400);
        expect(restIssues(res)).toEqual([`${field}: ${textMessages.cardNumber}`]);
        expectNoCardNumber(res.text, typed);
        expectNoCardNumber(res.text, cardNumber);
      }
    });

    it('a JSON parse error that quotes the body never quotes a card number', async () => {
      const number = freshCardNumber();
      const res = await fetch(`${s.url}/trpc/customers.create`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Basic ${key}` },
        body: `{"reference": ${number}x}`,
      });
      expect(res.status).toBe(400);
      expectNoCardNumber(await res.text(), number);
    });
  });
});

describe('internal errors show no SQL and no parameters, in development mode too', () => {
  let s: Server;
  let api: ReturnType<typeof client>;
  let customerId: number;

  beforeAll(async () => {
    s = await startTestServer();
    api = client(s, await tenantKey(s));
    customerId = (await api.mutation('customers.create', { firstName: 'Jane' })).json.result.data.id;
    // Break the schema under the running server: the next queries fail inside drizzle with
    // "Failed query: <sql> params: <values>" (our real-world case: vault ciphertext in params).
    await renameColumn(s.app.database.db, 'customers', 'reference', 'reference_gone');
    await renameColumn(s.app.database.db, 'payment_methods', 'postal_zip', 'postal_zip_gone');
  });
  afterAll(() => s.app.close());

  const marker = 'hygiene-secret-param-7f3a';

  it('tRPC: the message is "Internal server error"; the stack has frames only', async () => {
    const logsBefore = capturedLogs.length;
    const res = await api.mutation('customers.create', { reference: marker });
    expect(res.status).toBe(500);
    expect(res.json.error.message).toBe('Internal server error');
    expect(res.json.error.data.domainCode).toBe('INTERNAL');
    const stack: string = res.json.error.data.stack;
    expect(stack).toEqual(expect.any(String)); // still a stack outside production
    expect(stack.split('\n')[0]).toBe('TRPCError: Internal server error');
    for (const leak of [marker, 'Failed query', 'params', 'insert into', 'reference_gone', '"customers"']) {
      expect(res.text).not.toContain(leak);
    }
    // The real error is logged server-side.
    const logged = capturedLogs.slice(logsBefore).join('');
    expect(logged).toContain('Failed query');
    expect(logged).toContain(marker);
  });

  it('REST: the envelope says "Internal server error" and nothing else', async () => {
    const res = await api.rest('GET', `/v1/customers/${customerId}/paymentMethods/creditCard`);
    expect(res.status).toBe(500);
    expect(res.json).toEqual({
      ErrorId: 0,
      HttpStatusCode: 500,
      Errors: [{ Key: 'Api Error', Value: 'Internal server error' }],
    });
  });
});

describe('the logger masks card-shaped numbers, not only strings', () => {
  it('masks a Luhn-valid integer and bigint, and keeps ordinary numbers', () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, cb) {
        lines.push(String(chunk));
        cb();
      },
    });
    const logger = createLogger({ level: 'info', destination: sink });
    const number = freshCardNumber('4', 16); // below 2^53: exact as a JS number
    const long = freshCardNumber('6', 19);
    logger.info({ cursor: Number(number), big: BigInt(long), nested: { ids: [Number(number)] }, n: 42 });
    logger.error({ err: new Error(`bad cursor ${number}`) }, 'failed');
    const out = lines.join('');
    expectNoCardNumber(out, number);
    expectNoCardNumber(out, long);
    expect(out).toContain(`"cursor":"************${number.slice(-4)}"`);
    expect(out).toContain('"n":42');
    // An Error keeps its message (scrubbed) instead of vanishing as {}.
    expect(out).toContain(`bad cursor ************${number.slice(-4)}`);
  });
});

describe('the test gateway after a restart', () => {
  it('createCard with verify still works: a new process hands out new gateway ids', async () => {
    const app = await createTestApp();
    try {
      const t = await app.tenant();
      const create = async () => {
        const customerId = (await t.caller.customers.create({ firstName: 'A' })).id;
        return t.caller.paymentMethods.createCard({
          customerId,
          cardNumber: freshCardNumber(),
          ...holder,
          verify: true,
        });
      };
      const before = await create();
      // A restart: the registry (and its adapters) is new, the database is not.
      app.deps.gateways = new GatewayRegistry(app.deps.vault, { db: app.deps.db, stripeTimeoutMs: 2_000 });
      const after = await create();
      expect(after.externalCardId).toMatch(/^tcard_/);
      expect(after.externalCardId).not.toBe(before.externalCardId);
      expect(after.externalCustomerId).not.toBe(before.externalCustomerId);
    } finally {
      await app.close();
    }
  });
});
