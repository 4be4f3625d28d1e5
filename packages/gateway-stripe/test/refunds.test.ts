import { expectGatewayError, testIdempotencyKey as key, paidCharge } from '@cardbridge/core/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startStripeEmulator } from '../../stripe-emulator/src/index.js';
import { StripeGateway, type StripeGatewayOptions, type StripeOperation } from '../src/index.js';

/**
 * Refunds and charge lookup beyond the shared contract: the Stripe adapter's wire behaviour
 * against the emulator (idempotency keys, lost responses, Connect isolation, paging through
 * more than one page of charges).
 */

describe('StripeGateway refunds × Stripe emulator', () => {
  let emulator: Awaited<ReturnType<typeof startStripeEmulator>>;

  beforeAll(async () => {
    emulator = await startStripeEmulator();
  });
  afterAll(async () => {
    await emulator?.close();
  });
  beforeEach(() => {
    emulator.clearFaults();
    emulator.setLatency(0);
  });

  const gateway = (options: Partial<StripeGatewayOptions> = {}) =>
    new StripeGateway({
      secretKey: 'sk_test_cardbridge_refunds',
      apiBase: emulator.url,
      timeoutMs: 5_000,
      sleep: async () => {},
      random: () => 0.5,
      ...options,
    });

  it('POST /v1/refunds carries the key + ":refund" and the metadata; findChargeByMetadata lists charges', async () => {
    const seen: { operation: StripeOperation; method: string; params: unknown; idempotencyKey?: string }[] =
      [];
    const gw = gateway({ observer: { request: (e) => seen.push(e) } });
    const { charge, customer } = await paidCharge(gw, { cardbridge_intent: 'w-1' });
    const k = key('refund');
    await gw.refund({ chargeId: charge.chargeId, idempotencyKey: k, metadata: { cardbridge_intent: 'w-1' } });
    expect(seen.at(-1)).toEqual({
      operation: 'refunds.create',
      method: 'POST',
      params: { charge: charge.chargeId, metadata: { cardbridge_intent: 'w-1' } },
      idempotencyKey: `${k}:refund`,
    });
    await gw.findChargeByMetadata({ externalCustomerId: customer, key: 'cardbridge_intent', value: 'w-1' });
    expect(seen.at(-1)).toEqual({
      operation: 'charges.list',
      method: 'GET',
      params: { customer, limit: 100 },
    });
    // Already refunded: the adapter looks the charge's refunds up.
    await gw.refund({ chargeId: charge.chargeId, idempotencyKey: key('again') });
    expect(seen.slice(-2).map((e) => e.operation)).toEqual(['refunds.create', 'refunds.list']);
  });

  it('a refund whose responses are all lost is GATEWAY_TIMEOUT; the same key or a new one never refunds twice', async () => {
    const gw = gateway({ timeoutMs: 250, maxRetries: 2 });
    const { charge, customer } = await paidCharge(gw, { cardbridge_intent: 'lost-1' });
    const k = key('lost');
    const before = emulator.stats();
    emulator.setLatency(600);
    try {
      await expectGatewayError(
        gw.refund({ chargeId: charge.chargeId, idempotencyKey: k }),
        'GATEWAY_TIMEOUT',
      );
    } finally {
      emulator.setLatency(0);
    }
    expect(emulator.stats().refunds).toBe(before.refunds + 1);
    const found = await gw.findChargeByMetadata({
      externalCustomerId: customer,
      key: 'cardbridge_intent',
      value: 'lost-1',
    });
    expect(found).toMatchObject({ chargeId: charge.chargeId, refunded: true });
    const same = await gw.refund({ chargeId: charge.chargeId, idempotencyKey: k });
    const fresh = await gw.refund({ chargeId: charge.chargeId, idempotencyKey: key('fresh') });
    expect(fresh).toEqual(same);
    expect(emulator.stats().refunds).toBe(before.refunds + 1);
  });

  it('Connect: a refund through account B of account A’s charge is not found and changes nothing', async () => {
    const a = gateway({ connectedAccountId: 'acct_1RefundsAdapterA' });
    const b = gateway({ connectedAccountId: 'acct_1RefundsAdapterB' });
    const { charge, customer } = await paidCharge(a, { cardbridge_intent: 'conn' });
    await expectGatewayError(
      b.refund({ chargeId: charge.chargeId, idempotencyKey: key('b') }),
      'GATEWAY_RESOURCE_NOT_FOUND',
      /^No such charge/,
    );
    await expectGatewayError(
      gateway().refund({ chargeId: charge.chargeId, idempotencyKey: key('platform') }),
      'GATEWAY_RESOURCE_NOT_FOUND',
    );
    expect(emulator.stats('acct_1RefundsAdapterA')).toMatchObject({ charges: 1, refunds: 0 });
    expect(emulator.stats('acct_1RefundsAdapterB').refunds).toBe(0);
    expect(
      await a.findChargeByMetadata({ externalCustomerId: customer, key: 'cardbridge_intent', value: 'conn' }),
    ).toMatchObject({ chargeId: charge.chargeId, refunded: false });
    expect(
      await b.findChargeByMetadata({ externalCustomerId: customer, key: 'cardbridge_intent', value: 'conn' }),
    ).toBeNull();
    await a.refund({ chargeId: charge.chargeId, idempotencyKey: key('a') });
    expect(emulator.stats('acct_1RefundsAdapterA')).toMatchObject({ charges: 1, refunds: 1 });
  });

  it('findChargeByMetadata pages past the first 100 charges', async () => {
    const gw = gateway();
    const { charge: oldest, customer, card } = await paidCharge(gw, { cardbridge_intent: 'oldest' }, 500);
    for (let i = 0; i < 100; i++) {
      await gw.charge({
        externalCustomerId: customer,
        externalCardId: card.externalCardId,
        amountMinor: 600,
        currency: 'usd',
        idempotencyKey: key(`bulk-${i}`),
        metadata: { cardbridge_intent: `bulk-${i}` },
      });
    }
    const requests = emulator.requestCount();
    const found = await gw.findChargeByMetadata({
      externalCustomerId: customer,
      key: 'cardbridge_intent',
      value: 'oldest',
    });
    expect(found).toEqual({ ...oldest, refunded: false, metadata: { cardbridge_intent: 'oldest' } });
    expect(emulator.requestCount() - requests).toBe(2);
    expect(
      await gw.findChargeByMetadata({
        externalCustomerId: customer,
        key: 'cardbridge_intent',
        value: 'none',
      }),
    ).toBeNull();
  });
});
