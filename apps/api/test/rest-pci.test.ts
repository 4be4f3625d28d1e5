import { freshCardNumber } from '@cardbridge/api/test/card-data.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer } from './helpers.js';

type Server = Awaited<ReturnType<typeof startTestServer>>;
type Body = Record<string, unknown> & { id: number };

/**
 * The seed's create/replace payloads over the REST facade. The seeds' expiry years (17, 20)
 * lie in the past and are refused as expired, so those two numbers are moved to 30/31;
 * everything else is sent as the seed writes it (relaxed JSON for curl, None → null and
 * "false" strings for Python).
 */
describe('REST facade: PCI create and replace with the seed payloads', () => {
  let s: Server;
  let customerId: number;
  const call = async (method: string, path: string, body?: string) => {
    const res = await fetch(`${s.url}${path}`, {
      method,
      headers: { Authorization: `Basic ${s.bootstrapKey}`, 'Content-Type': 'application/json' },
      ...(body === undefined ? {} : { body }),
    });
    return { status: res.status, body: (await res.json()) as Body };
  };

  beforeAll(async () => {
    s = await startTestServer();
    const res = await fetch(`${s.url}/trpc/customers.create`, {
      method: 'POST',
      headers: { authorization: `Basic ${s.bootstrapKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ firstName: 'Veronica', lastName: 'Betties' }),
    });
    customerId = ((await res.json()) as { result: { data: { id: number } } }).result.data.id;
  });
  afterAll(() => s.app.close());

  it('POST /v1/paymentMethods/creditCard creates a vaulted card', async () => {
    const created = await call(
      'POST',
      '/v1/paymentMethods/creditCard',
      JSON.stringify({
        customerId,
        cardNumber: freshCardNumber(),
        cvv: '123',
        firstName: 'Veronica',
        lastName: 'Betties',
        expirationMonth: 2,
        expirationYear: 30,
        address1: '10 Dodge St',
        address2: '',
        countryId: 124,
        stateId: 1,
        city: 'Columbia',
        postalZip: 'V9V 9V9',
      }),
    );
    expect(created.status).toBe(200);
    expect(created.body).toMatchObject({
      customerId,
      cardType: 'Visa',
      storedInFusebillVault: true,
      storedInVault: true,
      countryId: 124,
      country: 'CAN',
      originalPaymentMethodId: null,
      isDefault: true,
    });
  });

  it('PUT /v1/paymentMethods/creditCard with the seed curl body (relaxed JSON), then the Python body', async () => {
    const list = await call('GET', `/v1/customers/${customerId}/paymentMethods/creditCard`);
    const first = (list.body as unknown as Body[])[0]!;
    const curlBody = `{id:${first.id},customerId:${customerId},cardNumber:'4111111111111111',firstName:'John',lastName:'Doe',expirationMonth:10,expirationYear:30,cvv:'123',address1:'232 Herzberg Road',address2:'Suite 203',countryId:124,stateId:9,city:'Kanata',postalZip:'K2K 2A1',isDefault:true}`;
    const replaced = await call('PUT', '/v1/paymentMethods/creditCard', curlBody);
    expect(replaced.status).toBe(200);
    expect(replaced.body).toMatchObject({
      maskedCardNumber: '************1111',
      firstName: 'John',
      originalPaymentMethodId: first.id,
      isDefault: true,
      storedInFusebillVault: true,
      address1: '232 Herzberg Road',
      postalZip: 'K2K 2A1',
    });
    expect(replaced.body.id).not.toBe(first.id);
    expect(typeof replaced.body.modifiedDate).toBe('string');

    const pythonBody = JSON.stringify({
      cardNumber: '4242424242424242',
      cardType: 'Visa',
      expirationMonth: 11,
      expirationYear: 31,
      cvv: '123',
      customerId,
      firstName: 'matt',
      lastName: 'larr',
      address1: null,
      address2: null,
      countryId: null,
      country: '',
      stateId: null,
      state: '',
      city: null,
      postalZip: null,
      isDefault: 'false',
      externalCustomerId: null,
      externalCardId: null,
      storedInFusebillVault: 'true',
      id: replaced.body.id,
      uri: null,
    });
    const again = await call('PUT', '/v1/paymentMethods/creditCard', pythonBody);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({
      maskedCardNumber: '************4242',
      originalPaymentMethodId: replaced.body.id,
      isDefault: true,
    });
    const old = await call('GET', `/v1/paymentMethods/${first.id}/creditCard`);
    expect(old.body.status).toBe('replaced');
  });

  it('answers a deleted card and a bad number in the seed envelope, never echoing the number', async () => {
    const list = (await call('GET', `/v1/customers/${customerId}/paymentMethods/creditCard`))
      .body as unknown as Body[];
    const card = list[0]!;
    await call('DELETE', `/v1/paymentMethods/${card.id}/creditCard`);
    const deleted = await call(
      'PUT',
      '/v1/paymentMethods/creditCard',
      JSON.stringify({ ...card, cardNumber: '4111111111111111', cvv: '123', expirationYear: 30 }),
    );
    expect(deleted).toEqual({
      status: 400,
      body: {
        ErrorId: 0,
        HttpStatusCode: 400,
        Errors: [
          { Key: 'Api Error', Value: `Cannot edit payment method ${card.id} because it has been deleted.` },
        ],
      },
    });
    const badNumber = '4111111111111112';
    const bad = await call(
      'POST',
      '/v1/paymentMethods/creditCard',
      JSON.stringify({
        customerId,
        cardNumber: badNumber,
        firstName: 'A',
        lastName: 'B',
        expirationMonth: 1,
        expirationYear: 30,
      }),
    );
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain('cardNumber');
    expect(JSON.stringify(bad.body)).not.toContain(badNumber);
  });
});
