import { type StripeEmulator, startStripeEmulator } from '@cardbridge/stripe-emulator';
import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshCardNumber } from './card-data.js';
import { createTestApp, errorOf, type TestApp, type TestTenant } from './helpers.js';
import { emulatorStripe } from './stripe-client.js';

const secretKey = 'sk_test_cardbridgeImport01';

describe('Stripe import and gateway-backed card procedures (over HTTP to the emulator)', () => {
  let emulator: StripeEmulator;
  let stripe: Stripe;
  let app: TestApp;
  let t: TestTenant;
  let stripeAccountId: number;

  const sdk = (stripeAccount?: string) => {
    const client = emulatorStripe(emulator.url, secretKey);
    return { client, opts: stripeAccount ? { stripeAccount } : undefined };
  };

  /** A Stripe customer with one card, made directly at "Stripe". */
  async function stripeCustomerWithCard(token = 'tok_visa', stripeAccount?: string) {
    const { client, opts } = sdk(stripeAccount);
    const customer = await client.customers.create({ email: 'jenny@example.com' }, opts);
    const card = (await client.customers.createSource(customer.id, { source: token }, opts)) as Stripe.Card;
    return { customer, card };
  }

  beforeAll(async () => {
    emulator = await startStripeEmulator();
    stripe = sdk().client;
    app = await createTestApp();
    t = await app.tenant();
    stripeAccountId = (
      await t.caller.gatewayAccounts.create({ type: 'stripe', secretKey, apiBase: emulator.url })
    ).id;
  });
  afterAll(async () => {
    await app.close();
    await emulator.close();
  });

  it('keeps the Stripe secret sealed: only its last 4 are shown', async () => {
    const accounts = await t.caller.gatewayAccounts.list();
    const stripeAccount = accounts.find((a) => a.id === stripeAccountId)!;
    expect(stripeAccount).toMatchObject({
      type: 'stripe',
      secretKeyLast4: secretKey.slice(-4),
      livemode: false,
    });
    expect(JSON.stringify(accounts)).not.toContain(secretKey);
    // A fresh tenant's default is the built-in test gateway.
    expect(accounts.find((a) => a.isDefault)).toMatchObject({ type: 'test' });
  });

  it('imports a card_… by reference, as the seed describes', async () => {
    const { customer, card } = await stripeCustomerWithCard();
    const ours = await t.caller.customers.create({ firstName: 'John', lastName: 'Doe' });
    const pm = await t.caller.paymentMethods.importStripeCard({
      customerId: ours.id,
      stripeCustomerId: customer.id,
      stripeCardId: card.id,
      gatewayAccountId: stripeAccountId,
    });
    expect(pm).toMatchObject({
      customerId: ours.id,
      maskedCardNumber: '************4242',
      cardType: 'Visa',
      expirationMonth: card.exp_month,
      expirationYear: card.exp_year % 100,
      externalCustomerId: customer.id,
      externalCardId: card.id,
      storedInVault: false,
      isDefault: true,
      fingerprint: card.fingerprint,
      gatewayAccountId: stripeAccountId,
      status: 'active',
    });
  });

  it('returns the existing payment method for a repeated import, also under 10 concurrent imports', async () => {
    const { customer, card } = await stripeCustomerWithCard('tok_mastercard');
    const ours = await t.caller.customers.create({});
    const input = {
      customerId: ours.id,
      stripeCustomerId: customer.id,
      stripeCardId: card.id,
      gatewayAccountId: stripeAccountId,
    };
    const results = await Promise.all(
      Array.from({ length: 10 }, () => t.caller.paymentMethods.importStripeCard(input)),
    );
    expect(new Set(results.map((r) => r.id)).size).toBe(1);
    const again = await t.caller.paymentMethods.importStripeCard(input);
    expect(again.id).toBe(results[0]!.id);
    expect((await t.caller.paymentMethods.list({ customerId: ours.id })).data).toHaveLength(1);
  });

  it('reports an import whose Stripe fingerprint the customer already has, under the duplicate policy', async () => {
    const { customer, card } = await stripeCustomerWithCard('tok_visa');
    const second = (await stripe.customers.createSource(customer.id, { source: 'tok_visa' })) as Stripe.Card;
    expect(second.fingerprint).toBe(card.fingerprint);
    const ours = await t.caller.customers.create({});
    const base = { customerId: ours.id, stripeCustomerId: customer.id, gatewayAccountId: stripeAccountId };
    const first = await t.caller.paymentMethods.importStripeCard({ ...base, stripeCardId: card.id });
    expect(first.duplicateOf).toBeNull();
    const rejected = await errorOf(() =>
      t.caller.paymentMethods.importStripeCard({
        ...base,
        stripeCardId: second.id,
        duplicatePolicy: 'reject',
      }),
    );
    expect(rejected.code).toBe('CONFLICT');
    const existing = await t.caller.paymentMethods.importStripeCard({
      ...base,
      stripeCardId: second.id,
      duplicatePolicy: 'return_existing',
    });
    expect(existing).toMatchObject({ id: first.id, duplicateOf: first.id });
    const allowed = await t.caller.paymentMethods.importStripeCard({ ...base, stripeCardId: second.id });
    expect(allowed.id).not.toBe(first.id);
    expect(allowed.duplicateOf).toBe(first.id);
  });

  it('imports a pm_… PaymentMethod attached to the Stripe customer', async () => {
    const customer = await stripe.customers.create({});
    const pm = await stripe.paymentMethods.create({ type: 'card', card: { token: 'tok_amex' } });
    await stripe.paymentMethods.attach(pm.id, { customer: customer.id });
    const ours = await t.caller.customers.create({});
    const imported = await t.caller.paymentMethods.importStripeCard({
      customerId: ours.id,
      stripeCustomerId: customer.id,
      stripeCardId: pm.id,
      gatewayAccountId: stripeAccountId,
    });
    expect(imported).toMatchObject({
      externalCardId: pm.id,
      cardType: 'AmericanExpress',
      storedInVault: false,
    });
    expect(imported.maskedCardNumber).toMatch(/^\*{11}\d{4}$/);
  });

  it("answers Stripe's own 'No such source' when the card is not that customer's", async () => {
    const a = await stripeCustomerWithCard();
    const b = await stripeCustomerWithCard();
    const ours = await t.caller.customers.create({});
    const err = await errorOf(() =>
      t.caller.paymentMethods.importStripeCard({
        customerId: ours.id,
        stripeCustomerId: b.customer.id,
        stripeCardId: a.card.id,
        gatewayAccountId: stripeAccountId,
      }),
    );
    expect(err.code).toBe('NOT_FOUND');
    expect(err.message).toBe(`No such source: '${a.card.id}'`);
    expect((await t.caller.paymentMethods.list({ customerId: ours.id })).data).toEqual([]);
  });

  it('refuses a missing customer with the seed text and malformed ids with a 400 naming the field', async () => {
    const err = await errorOf(() =>
      t.caller.paymentMethods.importStripeCard({
        customerId: 1325,
        stripeCustomerId: 'cus_AExsNjBZDLMNDK',
        stripeCardId: 'card_19uTyBAXix6Ggd0efp4HNNp7',
        gatewayAccountId: stripeAccountId,
      }),
    );
    expect(err).toMatchObject({ code: 'NOT_FOUND', message: 'Customer with id 1325 not found.' });
    const bad = await errorOf(() =>
      t.caller.paymentMethods.importStripeCard({
        customerId: 1,
        stripeCustomerId: 'cus_x1',
        stripeCardId: 'src_123',
      }),
    );
    expect(bad.code).toBe('BAD_REQUEST');
    expect(bad.message).toMatch(/stripeCardId/);
  });

  it('Connect: imports through the connected account, and an account bound to another one cannot see it', async () => {
    const { customer, card } = await stripeCustomerWithCard('tok_visa', 'acct_1ConnectA');
    const accountA = await t.caller.gatewayAccounts.create({
      type: 'stripe',
      secretKey,
      apiBase: emulator.url,
      connectedAccountId: 'acct_1ConnectA',
    });
    const accountB = await t.caller.gatewayAccounts.create({
      type: 'stripe',
      secretKey,
      apiBase: emulator.url,
      connectedAccountId: 'acct_1ConnectB',
    });
    const ours = await t.caller.customers.create({});
    const input = { customerId: ours.id, stripeCustomerId: customer.id, stripeCardId: card.id };
    const viaB = await errorOf(() =>
      t.caller.paymentMethods.importStripeConnectCard({ ...input, gatewayAccountId: accountB.id }),
    );
    expect(viaB.code).toBe('NOT_FOUND');
    expect(viaB.message).toMatch(/^No such customer|^No such source/);
    const viaA = await t.caller.paymentMethods.importStripeConnectCard({
      ...input,
      gatewayAccountId: accountA.id,
    });
    expect(viaA).toMatchObject({ externalCardId: card.id, gatewayAccountId: accountA.id });
    // The platform account does not see the connected account's data either.
    const viaPlatform = await errorOf(() =>
      t.caller.paymentMethods.importStripeCard({ ...input, gatewayAccountId: stripeAccountId }),
    );
    expect(viaPlatform.code).toBe('NOT_FOUND');
    // A non-Connect account is refused for the Connect import.
    const notConnect = await errorOf(() =>
      t.caller.paymentMethods.importStripeConnectCard({ ...input, gatewayAccountId: stripeAccountId }),
    );
    expect(notConnect.code).toBe('BAD_REQUEST');
  });

  it('creates from a token on the Stripe customer mapped to ours (created once), then updates and deletes at Stripe', async () => {
    const ours = await t.caller.customers.create({ firstName: 'Jenny', email: 'jenny@example.com' });
    const first = await t.caller.paymentMethods.createFromToken({
      customerId: ours.id,
      gatewayAccountId: stripeAccountId,
      token: 'tok_visa',
      firstName: 'Jenny',
      lastName: 'Rosen',
      address1: '1 Main St',
      city: 'Kanata',
      countryId: 124,
      postalZip: 'K2K 2A1',
    });
    expect(first).toMatchObject({
      firstName: 'Jenny',
      lastName: 'Rosen',
      countryId: 124,
      country: 'CAN',
      isDefault: true,
    });
    const second = await t.caller.paymentMethods.createFromToken({
      customerId: ours.id,
      gatewayAccountId: stripeAccountId,
      token: 'tok_mastercard',
    });
    expect(second.externalCustomerId).toBe(first.externalCustomerId);
    expect(second.isDefault).toBe(false);
    const atStripe = (await stripe.customers.retrieveSource(
      first.externalCustomerId!,
      first.externalCardId!,
    )) as Stripe.Card;
    expect(atStripe).toMatchObject({ name: 'Jenny Rosen', address_country: 'CA', address_zip: 'K2K 2A1' });

    const updated = await t.caller.paymentMethods.update({
      id: first.id,
      lastName: 'Doe',
      expirationMonth: 4,
      expirationYear: 31,
    });
    expect(updated).toMatchObject({ lastName: 'Doe', expirationMonth: 4, expirationYear: 31 });
    const afterUpdate = (await stripe.customers.retrieveSource(
      first.externalCustomerId!,
      first.externalCardId!,
    )) as Stripe.Card;
    expect(afterUpdate).toMatchObject({ name: 'Jenny Doe', exp_month: 4, exp_year: 2031 });

    await t.caller.paymentMethods.delete({ id: first.id, atGateway: true });
    const gone = await stripe.customers
      .retrieveSource(first.externalCustomerId!, first.externalCardId!)
      .catch((e: unknown) => e);
    expect((gone as { statusCode: number }).statusCode).toBe(404);
    const edit = await errorOf(() => t.caller.paymentMethods.update({ id: first.id, firstName: 'X' }));
    expect(edit).toMatchObject({
      code: 'BAD_REQUEST',
      message: `Cannot edit payment method ${first.id} because it has been deleted.`,
    });
  });

  it('passes a decline through with the gateway text and stores nothing', async () => {
    const ours = await t.caller.customers.create({});
    const err = await errorOf(() =>
      t.caller.paymentMethods.createFromToken({
        customerId: ours.id,
        gatewayAccountId: stripeAccountId,
        token: 'tok_chargeDeclined',
      }),
    );
    expect(err.code).toBe('PAYMENT_REQUIRED');
    expect(err.message).toBe('Your card was declined.');
    expect((await t.caller.paymentMethods.list({ customerId: ours.id })).data).toEqual([]);
  });

  it('uses the default test gateway when no account is named', async () => {
    const ours = await t.caller.customers.create({});
    const pm = await t.caller.paymentMethods.createFromToken({ customerId: ours.id, token: 'tok_visa' });
    const testAccount = (await t.caller.gatewayAccounts.list()).find((a) => a.type === 'test')!;
    expect(pm).toMatchObject({ gatewayAccountId: testAccount.id, maskedCardNumber: '************4242' });
  });

  it('exports a vaulted card to a Stripe account: a card on the Stripe customer mapped to ours', async () => {
    const ours = await t.caller.customers.create({ firstName: 'Vera' });
    const number = freshCardNumber();
    const card = await t.caller.paymentMethods.createCard({
      customerId: ours.id,
      cardNumber: number,
      expirationMonth: 6,
      expirationYear: 34,
      firstName: 'Vera',
      lastName: 'Vault',
    });
    const exported = await t.caller.paymentMethods.export({ id: card.id, gatewayAccountId: stripeAccountId });
    expect(exported).toMatchObject({ status: 'succeeded', gatewayAccountId: stripeAccountId });
    const atStripe = (await stripe.customers.retrieveSource(
      exported.externalCustomerId!,
      exported.externalCardId!,
    )) as Stripe.Card;
    expect(atStripe).toMatchObject({
      last4: number.slice(-4),
      exp_month: 6,
      exp_year: 2034,
      name: 'Vera Vault',
    });
    expect(atStripe.metadata).toMatchObject({ cardbridge_payment_method_id: String(card.id) });
    // A card imported from Stripe is refused: only Stripe holds its number (Chargebee likewise).
    const held = await stripeCustomerWithCard();
    const imported = await t.caller.paymentMethods.importStripeCard({
      customerId: ours.id,
      stripeCustomerId: held.customer.id,
      stripeCardId: held.card.id,
      gatewayAccountId: stripeAccountId,
    });
    const testAccount = (await t.caller.gatewayAccounts.list()).find((a) => a.type === 'test')!;
    const refused = await errorOf(() =>
      t.caller.paymentMethods.export({ id: imported.id, gatewayAccountId: testAccount.id }),
    );
    expect(refused).toMatchObject({ code: 'BAD_REQUEST' });
    expect(refused.message).toContain(`held by gateway account ${stripeAccountId}`);
  });

  it('retries 5xx within bounds and reports a timeout as such', async () => {
    const { customer, card } = await stripeCustomerWithCard();
    const ours = await t.caller.customers.create({});
    const input = {
      customerId: ours.id,
      stripeCustomerId: customer.id,
      stripeCardId: card.id,
      gatewayAccountId: stripeAccountId,
    };
    emulator.injectFault({ kind: '5xx', count: 2, status: 503 });
    await expect(t.caller.paymentMethods.importStripeCard(input)).resolves.toMatchObject({
      externalCardId: card.id,
    });

    const other = await stripeCustomerWithCard();
    emulator.injectFault({ kind: 'timeout', count: 5 });
    const err = await errorOf(() =>
      t.caller.paymentMethods.importStripeCard({
        ...input,
        stripeCustomerId: other.customer.id,
        stripeCardId: other.card.id,
      }),
    );
    emulator.clearFaults();
    expect(['GATEWAY_TIMEOUT', 'SERVICE_UNAVAILABLE']).toContain(err.code);
  });
});
