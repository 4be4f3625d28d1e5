import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { garbageModes, startGarbageGateway } from './garbage-gateway.js';
import { createTestApp, errorOf, type TestApp, type TestTenant } from './helpers.js';

type Gateway = Awaited<ReturnType<typeof startGarbageGateway>>;

/**
 * Whatever answers at a gateway account's apiBase, a call through it ends in a gateway error
 * for that caller alone: never a crash, a hang or a 500. (Before, a 200 with the JSON string
 * "not an object" made the Stripe SDK reject a promise nobody awaited: the process died.)
 */
describe('malformed and missing gateway answers', () => {
  let app: TestApp;
  let t: TestTenant;
  let gateway: Gateway;
  let accountId: number;
  let customerId: number;

  beforeAll(async () => {
    gateway = await startGarbageGateway();
    // Per-attempt timeouts far beyond the test's own timeout: only the overall deadline can
    // end a hung call in time.
    app = await createTestApp({ gatewayDeadlineMs: 300, stripeTimeoutMs: 120_000 });
    t = await app.tenant();
    accountId = (
      await t.caller.gatewayAccounts.create({
        type: 'stripe',
        secretKey: 'sk_test_garbageGateway01',
        apiBase: gateway.url,
      })
    ).id;
    customerId = (await t.caller.customers.create({ firstName: 'Garbage' })).id;
  });
  afterAll(async () => {
    await app.close();
    await gateway.close();
  });

  const importCard = () =>
    t.caller.paymentMethods.importStripeCard({
      customerId,
      stripeCustomerId: 'cus_Garbage',
      stripeCardId: 'card_Garbage',
      gatewayAccountId: accountId,
    });

  it.each(garbageModes)('an import answered with %s is GATEWAY_UNAVAILABLE', async (mode) => {
    gateway.setMode(mode);
    const before = gateway.requests();
    const err = await errorOf(importCard);
    expect(gateway.requests()).toBeGreaterThan(before);
    expect(err).toMatchObject({ code: 'SERVICE_UNAVAILABLE', domainCode: 'GATEWAY_UNAVAILABLE' });
    // The caller's tenant still works.
    await expect(t.caller.customers.get({ id: customerId })).resolves.toMatchObject({ id: customerId });
  });

  it('a read that never gets an answer ends at the deadline: GATEWAY_UNAVAILABLE', async () => {
    gateway.setMode('hang');
    const err = await errorOf(importCard);
    expect(err).toMatchObject({ code: 'SERVICE_UNAVAILABLE', domainCode: 'GATEWAY_UNAVAILABLE' });
  });

  it('a write that never gets an answer ends at the deadline: GATEWAY_TIMEOUT (outcome unknown)', async () => {
    gateway.setMode('hang');
    const err = await errorOf(() =>
      t.caller.paymentMethods.createFromToken({ customerId, gatewayAccountId: accountId, token: 'tok_visa' }),
    );
    expect(err).toMatchObject({ code: 'GATEWAY_TIMEOUT', domainCode: 'GATEWAY_TIMEOUT' });
  });

  it('stores nothing from a malformed answer', async () => {
    const { data } = await t.caller.paymentMethods.list({ customerId });
    expect(data).toHaveLength(0);
  });
});
