import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StripeEmulator } from '../src/index.js';
import { customerWithCard, failure, raw, start } from './helpers.js';

let emulator: StripeEmulator;
let stripe: Stripe;

beforeAll(async () => {
  ({ emulator, stripe } = await start());
});
afterAll(() => emulator.close());

async function paidCharge(amount = 1000, options?: Stripe.RequestOptions) {
  const { customer } = await customerWithCard(stripe, 'tok_visa', options);
  const charge = await stripe.charges.create(
    { amount, currency: 'usd', customer: customer.id, metadata: { order: 'R-1' } },
    options,
  );
  return { customer, charge };
}

describe('refunds', () => {
  it('refunds a charge in full by default; the charge shows refunded and amount_refunded', async () => {
    const { charge } = await paidCharge(1500);
    expect(charge).toMatchObject({ refunded: false, amount_refunded: 0 });
    const refund = await stripe.refunds.create({
      charge: charge.id,
      metadata: { cardbridge_intent: 'i-1' },
      reason: 'requested_by_customer',
    });
    expect(refund.id).toMatch(/^re_[A-Za-z0-9]{24}$/);
    expect(refund).toMatchObject({
      object: 'refund',
      amount: 1500,
      charge: charge.id,
      currency: 'usd',
      status: 'succeeded',
      reason: 'requested_by_customer',
      metadata: { cardbridge_intent: 'i-1' },
      payment_intent: null,
    });
    expect(refund.created).toBeTypeOf('number');
    expect(await stripe.refunds.retrieve(refund.id)).toEqual(refund);
    expect(await stripe.charges.retrieve(charge.id)).toMatchObject({
      refunded: true,
      amount_refunded: 1500,
      status: 'succeeded',
    });
  });

  it('partial refunds add up; refunded turns true only at the full amount', async () => {
    const { charge } = await paidCharge(1000);
    const first = await stripe.refunds.create({ charge: charge.id, amount: 300 });
    expect(first.amount).toBe(300);
    expect(await stripe.charges.retrieve(charge.id)).toMatchObject({ refunded: false, amount_refunded: 300 });
    const tooMuch = await failure(stripe.refunds.create({ charge: charge.id, amount: 701 }));
    expect(tooMuch).toMatchObject({
      statusCode: 400,
      param: 'amount',
      message: 'Refund amount ($7.01) is greater than unrefunded amount on charge ($7.00)',
    });
    const rest = await stripe.refunds.create({ charge: charge.id });
    expect(rest.amount).toBe(700);
    expect(await stripe.charges.retrieve(charge.id)).toMatchObject({ refunded: true, amount_refunded: 1000 });
    const listed = await stripe.refunds.list({ charge: charge.id });
    expect(listed.data.map((r) => r.id)).toEqual([rest.id, first.id]);
    expect(listed).toMatchObject({ object: 'list', has_more: false, url: '/v1/refunds' });
  });

  it("Stripe's errors: already refunded, unknown or missing charge, failed charge, bad reason", async () => {
    const { charge } = await paidCharge();
    await stripe.refunds.create({ charge: charge.id });
    const again = await failure(stripe.refunds.create({ charge: charge.id }));
    expect(again).toMatchObject({
      type: 'StripeInvalidRequestError',
      statusCode: 400,
      code: 'charge_already_refunded',
      message: `Charge ${charge.id} has already been refunded.`,
    });

    const unknown = await failure(stripe.refunds.create({ charge: 'ch_doesnotexist' }));
    expect(unknown).toMatchObject({
      statusCode: 400,
      code: 'resource_missing',
      param: 'charge',
      message: "No such charge: 'ch_doesnotexist'",
    });
    const missing = await raw(emulator, 'POST', '/v1/refunds', { form: {} });
    expect(missing.status).toBe(400);
    expect(missing.json.error).toMatchObject({ code: 'parameter_missing', param: 'charge' });
    const noRefund = await failure(stripe.refunds.retrieve('re_doesnotexist'));
    expect(noRefund).toMatchObject({ statusCode: 404, message: "No such refund: 're_doesnotexist'" });

    const { customer, card } = await customerWithCard(stripe, 'tok_chargeCustomerFail');
    const declined = await failure(
      stripe.charges.create({ amount: 500, currency: 'usd', customer: customer.id, source: card.id }),
    );
    const failed = await failure(stripe.refunds.create({ charge: declined.charge as string }));
    expect(failed).toMatchObject({ statusCode: 400 });

    const { charge: other } = await paidCharge();
    const reason = await failure(
      stripe.refunds.create({ charge: other.id, reason: 'because' as Stripe.RefundCreateParams.Reason }),
    );
    expect(reason).toMatchObject({ statusCode: 400, param: 'reason' });
    expect(await stripe.charges.retrieve(other.id)).toMatchObject({ refunded: false, amount_refunded: 0 });
  });

  it('the same Idempotency-Key replays the refund; a new key on a refunded charge is charge_already_refunded', async () => {
    const { charge } = await paidCharge();
    const before = emulator.stats();
    const key = `refund-${Date.now()}`;
    const a = await raw(emulator, 'POST', '/v1/refunds', {
      form: { charge: charge.id },
      headers: { 'idempotency-key': key },
    });
    const b = await raw(emulator, 'POST', '/v1/refunds', {
      form: { charge: charge.id },
      headers: { 'idempotency-key': key },
    });
    expect(a.status).toBe(200);
    expect(b.status).toBe(200);
    expect(b.json).toEqual(a.json);
    expect(b.headers.get('idempotent-replayed')).toBe('true');
    expect(emulator.stats().refunds).toBe(before.refunds + 1);

    const otherParams = await raw(emulator, 'POST', '/v1/refunds', {
      form: { charge: charge.id, amount: '100' },
      headers: { 'idempotency-key': key },
    });
    expect(otherParams.status).toBe(400);
    expect(otherParams.json.error).toMatchObject({ type: 'idempotency_error' });

    const newKey = await raw(emulator, 'POST', '/v1/refunds', {
      form: { charge: charge.id },
      headers: { 'idempotency-key': `${key}-2` },
    });
    expect(newKey.status).toBe(400);
    expect(newKey.json.error).toMatchObject({ code: 'charge_already_refunded' });
    expect(emulator.stats().refunds).toBe(before.refunds + 1);
  });

  it('refunds the charge of a PaymentIntent (payment_intent on the refund; list filter)', async () => {
    const customer = await stripe.customers.create({});
    const pm = await stripe.paymentMethods.attach('pm_card_visa', { customer: customer.id });
    const pi = await stripe.paymentIntents.create({
      amount: 2000,
      currency: 'eur',
      customer: customer.id,
      payment_method: pm.id,
      confirm: true,
      off_session: true,
    });
    const refund = await stripe.refunds.create({ charge: pi.latest_charge as string });
    expect(refund).toMatchObject({ amount: 2000, currency: 'eur', payment_intent: pi.id });
    expect((await stripe.refunds.list({ payment_intent: pi.id })).data.map((r) => r.id)).toEqual([refund.id]);
  });

  it('GET /v1/charges?customer= lists only that customer’s charges, with refund state', async () => {
    const { customer, charge } = await paidCharge(900);
    await paidCharge(800);
    await stripe.refunds.create({ charge: charge.id });
    const listed = await stripe.charges.list({ customer: customer.id, limit: 100 });
    expect(listed.data.map((c) => [c.id, c.customer, c.refunded])).toEqual([[charge.id, customer.id, true]]);
  });

  it('Connect: a refund through account A cannot touch account B’s charge; stats count per account', async () => {
    const a = { stripeAccount: 'acct_1RefundA' };
    const b = { stripeAccount: 'acct_1RefundB' };
    const { charge } = await paidCharge(1200, b);
    expect(emulator.stats('acct_1RefundB')).toMatchObject({ charges: 1, refunds: 0 });

    const viaA = await failure(stripe.refunds.create({ charge: charge.id }, a));
    expect(viaA).toMatchObject({
      statusCode: 400,
      code: 'resource_missing',
      message: `No such charge: '${charge.id}'`,
    });
    const viaPlatform = await failure(stripe.refunds.create({ charge: charge.id }));
    expect(viaPlatform).toMatchObject({ statusCode: 400, code: 'resource_missing' });
    expect((await stripe.charges.retrieve(charge.id, {}, b)).refunded).toBe(false);

    // The same idempotency key in two accounts is two separate requests.
    const key = `connect-refund-${Date.now()}`;
    const { charge: chargeA } = await paidCharge(1200, a);
    const refundA = await stripe.refunds.create({ charge: chargeA.id }, { ...a, idempotencyKey: key });
    const refundB = await stripe.refunds.create({ charge: charge.id }, { ...b, idempotencyKey: key });
    expect(refundB.id).not.toBe(refundA.id);
    expect(refundB.charge).toBe(charge.id);

    expect((await stripe.refunds.list({ charge: charge.id }, a)).data).toEqual([]);
    await expect(stripe.refunds.retrieve(refundB.id, {}, a)).rejects.toMatchObject({ statusCode: 404 });
    expect(emulator.stats('acct_1RefundA')).toMatchObject({ charges: 1, refunds: 1 });
    expect(emulator.stats('acct_1RefundB')).toMatchObject({ charges: 1, refunds: 1 });
  });
});
