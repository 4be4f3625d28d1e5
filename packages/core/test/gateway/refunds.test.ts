import { describe, expect, it } from 'vitest';
import { expectGatewayError } from '../../src/gateway/contract.js';
import { TestGateway } from '../../src/gateway/index.js';
import { paidCharge } from '../../src/testing/index.js';

/**
 * Refunds and charge lookup beyond the shared contract: the test gateway's bookkeeping and
 * fault hooks (the Stripe adapter's wire behaviour is in packages/gateway-stripe).
 */

describe('TestGateway refunds', () => {
  it('charges show refunded and amountRefunded; refunds are listed', async () => {
    const gw = new TestGateway();
    const { charge } = await paidCharge(gw, { cardbridge_intent: 'i-1' }, 2500);
    expect((await gw.listCharges())[0]).toMatchObject({
      id: charge.chargeId,
      refunded: false,
      amountRefunded: 0,
    });
    const refund = await gw.refund({
      chargeId: charge.chargeId,
      idempotencyKey: 'r-1',
      metadata: { cardbridge_intent: 'i-1' },
    });
    expect(refund).toEqual({
      refundId: expect.stringMatching(/^tre_/),
      chargeId: charge.chargeId,
      amountMinor: 2500,
      status: 'succeeded',
    });
    expect((await gw.listCharges())[0]).toMatchObject({ refunded: true, amountRefunded: 2500 });
    expect(await gw.listRefunds()).toEqual([refund]);
    expect(gw.calls.at(-1)).toEqual({ operation: 'refund', idempotencyKey: 'r-1' });
  });

  it('the same key with other parameters is rejected; a new key on a refunded charge returns its refund', async () => {
    const gw = new TestGateway();
    const { charge } = await paidCharge(gw);
    const refund = await gw.refund({ chargeId: charge.chargeId, idempotencyKey: 'r' });
    await expectGatewayError(
      gw.refund({ chargeId: charge.chargeId, idempotencyKey: 'r', metadata: { a: 'b' } }),
      'GATEWAY_INVALID_REQUEST',
      /same parameters/,
    );
    expect(await gw.refund({ chargeId: charge.chargeId, idempotencyKey: 'r2' })).toEqual(refund);
    expect(await gw.listRefunds()).toHaveLength(1);
  });

  it("'indeterminate' on refund applies it first; the same key returns the same refund, once", async () => {
    const gw = new TestGateway();
    const { charge, customer } = await paidCharge(gw, { cardbridge_intent: 'lost' });
    gw.failNext('indeterminate', { operations: ['refund'] });
    await expectGatewayError(
      gw.refund({ chargeId: charge.chargeId, idempotencyKey: 'r' }),
      'GATEWAY_TIMEOUT',
    );
    // Reconciliation sees it refunded…
    expect(
      await gw.findChargeByMetadata({
        externalCustomerId: customer,
        key: 'cardbridge_intent',
        value: 'lost',
      }),
    ).toMatchObject({ chargeId: charge.chargeId, refunded: true });
    // …and repeating with the same key replays it.
    const refund = await gw.refund({ chargeId: charge.chargeId, idempotencyKey: 'r' });
    expect(await gw.listRefunds()).toEqual([refund]);
  });

  it('findChargeByMetadata: an unknown customer is not found; a foreign charge id is not refunded', async () => {
    const gw = new TestGateway();
    await expectGatewayError(
      gw.findChargeByMetadata({ externalCustomerId: 'tcus_404', key: 'k', value: 'v' }),
      'GATEWAY_RESOURCE_NOT_FOUND',
      "No such customer: 'tcus_404'",
    );
    const other = new TestGateway();
    const { charge } = await paidCharge(other);
    await expectGatewayError(
      gw.refund({ chargeId: charge.chargeId, idempotencyKey: 'x' }),
      'GATEWAY_RESOURCE_NOT_FOUND',
      `No such charge: '${charge.chargeId}'`,
    );
  });
});
