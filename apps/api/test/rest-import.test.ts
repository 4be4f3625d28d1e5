import { emulatorStripe } from '@cardbridge/api/test/stripe-client.js';
import { type StripeEmulator, startStripeEmulator } from '@cardbridge/stripe-emulator';
import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer } from './helpers.js';

type Server = Awaited<ReturnType<typeof startTestServer>>;

/** Every field of the seed's import response (Fusebill API "Stripe card import"). */
const seedResponseFields = [
  'maskedCardNumber',
  'cardType',
  'expirationMonth',
  'expirationYear',
  'customerId',
  'firstName',
  'lastName',
  'address1',
  'address2',
  'countryId',
  'country',
  'stateId',
  'state',
  'city',
  'postalZip',
  'isDefault',
  'externalCustomerId',
  'externalCardId',
  'storedInFusebillVault',
  'id',
  'uri',
];

describe('REST facade: Stripe imports with the seed payloads', () => {
  let s: Server;
  let emulator: StripeEmulator;
  let stripe: Stripe;
  let trpc: (path: string, input: unknown) => Promise<{ id: number }>;
  const secretKey = 'sk_test_cardbridgeRest01';

  /** The seed's Python example, host and key aside: requests.post(url, data=json.dumps(payload), headers=headers). */
  const pythonPost = (url: string, payload: unknown) =>
    fetch(url, {
      method: 'POST',
      headers: { Authorization: `Basic ${s.bootstrapKey}`, 'Content-Type': 'application/json' },
      body: JSON.stringify(payload),
    });

  beforeAll(async () => {
    emulator = await startStripeEmulator();
    stripe = emulatorStripe(emulator.url, secretKey);
    s = await startTestServer();
    trpc = async (path, input) => {
      const res = await fetch(`${s.url}/trpc/${path}`, {
        method: 'POST',
        headers: { authorization: `Basic ${s.bootstrapKey}`, 'content-type': 'application/json' },
        body: JSON.stringify(input),
      });
      const body = (await res.json()) as { result: { data: { id: number } } };
      return body.result.data;
    };
    await trpc('gatewayAccounts.create', {
      type: 'stripe',
      secretKey,
      apiBase: emulator.url,
      isDefault: true,
    });
    await trpc('gatewayAccounts.create', {
      type: 'stripe',
      secretKey,
      apiBase: emulator.url,
      connectedAccountId: 'acct_1RestConnect',
    });
  });
  afterAll(async () => {
    await s.app.close();
    await emulator.close();
  });

  it('POST /v1/paymentMethodImport/Stripe: the curl body verbatim (ids pasted in) answers the seed response', async () => {
    const customer = await stripe.customers.create({ name: 'John Doe' });
    const card = (await stripe.customers.createSource(customer.id, { source: 'tok_visa' })) as Stripe.Card;
    await stripe.customers.updateSource(customer.id, card.id, { name: 'John Doe' });
    const ours = await trpc('customers.create', { firstName: 'John', lastName: 'Doe' });
    const res = await fetch(`${s.url}/v1/paymentMethodImport/Stripe`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Basic ${s.bootstrapKey}` },
      body: `{customerId:${ours.id},stripeCustomerId:${customer.id},stripeCardId:${card.id}}`,
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    expect(Object.keys(body)).toEqual(expect.arrayContaining(seedResponseFields));
    expect(body).toMatchObject({
      maskedCardNumber: '************4242',
      cardType: 'Visa',
      expirationMonth: card.exp_month,
      expirationYear: card.exp_year % 100,
      customerId: ours.id,
      firstName: 'John',
      lastName: 'Doe',
      address1: '',
      countryId: null,
      country: '',
      stateId: null,
      isDefault: true,
      externalCustomerId: customer.id,
      externalCardId: card.id,
      storedInFusebillVault: false,
      uri: null,
    });
    // The Python example with the same payload returns the same payment method, not a copy.
    const again = await pythonPost(`${s.url}/v1/paymentMethodImport/Stripe`, {
      customerId: ours.id,
      stripeCustomerId: customer.id,
      stripeCardId: card.id,
    });
    expect(((await again.json()) as { id: number }).id).toBe(body.id);
  });

  it('answers the seed envelope for a missing customer and Stripe’s text for a foreign card', async () => {
    const res = await pythonPost(`${s.url}/v1/paymentMethodImport/Stripe`, {
      customerId: 1325,
      stripeCustomerId: 'cus_AExsNjBZDLMNDK',
      stripeCardId: 'card_19uTyBAXix6Ggd0efp4HNNp7',
    });
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({
      ErrorId: 0,
      HttpStatusCode: 404,
      Errors: [{ Key: 'Api Error', Value: 'Customer with id 1325 not found.' }],
    });
    const ours = await trpc('customers.create', {});
    const customer = await stripe.customers.create({});
    const missing = await pythonPost(`${s.url}/v1/paymentMethodImport/Stripe`, {
      customerId: ours.id,
      stripeCustomerId: customer.id,
      stripeCardId: 'card_19uTyBAXix6Ggd0efp4HNNp7',
    });
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({
      ErrorId: 0,
      HttpStatusCode: 404,
      Errors: [{ Key: 'Api Error', Value: "No such source: 'card_19uTyBAXix6Ggd0efp4HNNp7'" }],
    });
  });

  it('POST /v1/paymentMethodImport/stripeConnect imports through the connected account', async () => {
    const opts = { stripeAccount: 'acct_1RestConnect' };
    const customer = await stripe.customers.create({}, opts);
    const card = (await stripe.customers.createSource(
      customer.id,
      { source: 'tok_mastercard' },
      opts,
    )) as Stripe.Card;
    const ours = await trpc('customers.create', {});
    const payload = { customerId: ours.id, stripeCustomerId: customer.id, stripeCardId: card.id };
    const viaPlatform = await pythonPost(`${s.url}/v1/paymentMethodImport/Stripe`, payload);
    expect(viaPlatform.status).toBe(404);
    const res = await pythonPost(`${s.url}/v1/paymentMethodImport/stripeConnect`, payload);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      cardType: 'MasterCard',
      externalCardId: card.id,
      storedInFusebillVault: false,
    });
  });
});
