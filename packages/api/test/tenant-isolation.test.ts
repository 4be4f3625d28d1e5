import { listAuditEvents } from '@cardbridge/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, errorOf, type TestApp, type TestTenant } from './helpers.js';

/**
 * OWASP API1: tenant A's key with tenant B's ids gets exactly the 404 a non-existent id
 * gets, and B's rows are unchanged.
 */
describe('tenant isolation over every procedure that takes an id', () => {
  let app: TestApp;
  let a: TestTenant;
  let b: TestTenant;
  let bCustomer: number;
  let bCards: { id: number }[];
  let bKeyId: number;
  let bGatewayAccount: number;
  let aCustomer: number;

  beforeAll(async () => {
    app = await createTestApp();
    a = await app.tenant();
    b = await app.tenant();
    bCustomer = (await b.caller.customers.create({ firstName: 'Bea', reference: 'b-1' })).id;
    bCards = [await b.addCard(bCustomer, { last4: '1111' }), await b.addCard(bCustomer, { last4: '2222' })];
    bKeyId = (await b.caller.apiKeys.create({ name: 'b key', scopes: ['read'] })).apiKey.id;
    bGatewayAccount = (await b.caller.gatewayAccounts.create({ type: 'test', name: 'B test' })).id;
    aCustomer = (await a.caller.customers.create({})).id;
  });
  afterAll(() => app.close());

  const missing = 2_000_000_000;
  const holder = { expirationMonth: 12, expirationYear: 40, firstName: 'M', lastName: 'X' };
  const cases: [string, (t: TestTenant, id: () => number) => Promise<unknown>, () => number][] = [
    ['customers.get', (t, id) => t.caller.customers.get({ id: id() }), () => bCustomer],
    [
      'customers.update',
      (t, id) => t.caller.customers.update({ id: id(), firstName: 'Mallory' }),
      () => bCustomer,
    ],
    ['paymentMethods.list', (t, id) => t.caller.paymentMethods.list({ customerId: id() }), () => bCustomer],
    [
      'paymentMethods.expiring (customer)',
      (t, id) => t.caller.paymentMethods.expiring({ within: '5y', customerId: id() }),
      () => bCustomer,
    ],
    ['paymentMethods.get', (t, id) => t.caller.paymentMethods.get({ id: id() }), () => bCards[0]!.id],
    [
      'paymentMethods.setDefault',
      (t, id) => t.caller.paymentMethods.setDefault({ id: id() }),
      () => bCards[1]!.id,
    ],
    ['paymentMethods.delete', (t, id) => t.caller.paymentMethods.delete({ id: id() }), () => bCards[0]!.id],
    ['apiKeys.revoke', (t, id) => t.caller.apiKeys.revoke({ id: id() }), () => bKeyId],
    [
      'paymentMethods.update',
      (t, id) => t.caller.paymentMethods.update({ id: id(), firstName: 'M' }),
      () => bCards[0]!.id,
    ],
    ['gatewayAccounts.get', (t, id) => t.caller.gatewayAccounts.get({ id: id() }), () => bGatewayAccount],
    [
      'gatewayAccounts.disable',
      (t, id) => t.caller.gatewayAccounts.disable({ id: id() }),
      () => bGatewayAccount,
    ],
    [
      'paymentMethods.createFromToken (customer)',
      (t, id) => t.caller.paymentMethods.createFromToken({ customerId: id(), token: 'tok_visa' }),
      () => bCustomer,
    ],
    [
      'paymentMethods.createFromToken (gateway account)',
      (t, id) =>
        t.caller.paymentMethods.createFromToken({
          customerId: aCustomer,
          gatewayAccountId: id(),
          token: 'tok_visa',
        }),
      () => bGatewayAccount,
    ],
    [
      'paymentMethods.createCard (customer)',
      (t, id) =>
        t.caller.paymentMethods.createCard({ customerId: id(), cardNumber: '4242424242424242', ...holder }),
      () => bCustomer,
    ],
    [
      'paymentMethods.replaceCreditCard',
      (t, id) =>
        t.caller.paymentMethods.replaceCreditCard({
          id: id(),
          customerId: bCustomer,
          cardNumber: '4242424242424242',
          ...holder,
        }),
      () => bCards[1]!.id,
    ],
    [
      'paymentMethods.export',
      (t, id) => t.caller.paymentMethods.export({ id: id(), gatewayAccountId: bGatewayAccount }),
      () => bCards[1]!.id,
    ],
    [
      'paymentMethods.importStripeCard (customer)',
      (t, id) =>
        t.caller.paymentMethods.importStripeCard({
          customerId: id(),
          stripeCustomerId: 'cus_x1',
          stripeCardId: 'card_x1',
        }),
      () => bCustomer,
    ],
  ];

  for (const [name, call, bId] of cases) {
    it(`${name}: B's id looks exactly like a missing id to A`, async () => {
      const foreign = await errorOf(() => call(a, bId));
      const absent = await errorOf(() => call(a, () => missing));
      expect(foreign.code).toBe('NOT_FOUND');
      expect(foreign.message).toBe(absent.message.replace(String(missing), String(bId())));
      expect(foreign.domainCode).toBe(absent.domainCode);
    });
  }

  it("leaves B's rows unchanged and audits A's failed attempts under A only", async () => {
    expect(await b.caller.customers.get({ id: bCustomer })).toMatchObject({ firstName: 'Bea' });
    const cards = await b.caller.paymentMethods.list({ customerId: bCustomer });
    expect(cards.data.map((c) => [c.id, c.isDefault, c.status])).toEqual([
      [bCards[1]!.id, false, 'active'],
      [bCards[0]!.id, true, 'active'],
    ]);
    expect((await b.caller.apiKeys.list()).map((k) => [k.id, k.revokedDate])).toContainEqual([bKeyId, null]);
    expect(await b.caller.gatewayAccounts.get({ id: bGatewayAccount })).toMatchObject({ status: 'active' });
    expect((await a.caller.paymentMethods.list({ customerId: aCustomer })).data).toEqual([]);
    const bEvents = await listAuditEvents(app.deps.db, b.tenantId);
    expect(bEvents.filter((e) => e.outcome === 'failure')).toEqual([]);
    const aFailures = (await listAuditEvents(app.deps.db, a.tenantId)).filter((e) => e.outcome === 'failure');
    expect(aFailures.map((e) => e.action)).toEqual(
      expect.arrayContaining(['customers.update', 'paymentMethods.setDefault', 'paymentMethods.delete']),
    );
  });
});
