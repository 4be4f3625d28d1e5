import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StripeEmulator } from '../src/index.js';
import { customerWithCard, failure, start } from './helpers.js';

let emulator: StripeEmulator;
let stripe: Stripe;

beforeAll(async () => {
  ({ emulator, stripe } = await start());
});
afterAll(() => emulator.close());

describe('charges', () => {
  it('charges a saved card (explicit and default source) and lists by customer', async () => {
    const { customer, card } = await customerWithCard(stripe);
    const second = (await stripe.customers.createSource(customer.id, {
      source: 'tok_mastercard',
    })) as Stripe.Card;

    const charge = await stripe.charges.create({
      amount: 1234,
      currency: 'USD',
      customer: customer.id,
      source: second.id,
      metadata: { order: 'A-1' },
    });
    expect(charge.id).toMatch(/^ch_[A-Za-z0-9]{24}$/);
    expect(charge).toMatchObject({
      object: 'charge',
      amount: 1234,
      amount_captured: 1234,
      currency: 'usd',
      status: 'succeeded',
      paid: true,
      captured: true,
      customer: customer.id,
      payment_method: second.id,
      source: { id: second.id, object: 'card', last4: '4444' },
      outcome: { type: 'authorized', network_status: 'approved_by_network' },
      payment_method_details: { type: 'card', card: { brand: 'mastercard', last4: '4444' } },
      metadata: { order: 'A-1' },
    });

    const byDefault = await stripe.charges.create({ amount: 500, currency: 'usd', customer: customer.id });
    expect(byDefault.source).toMatchObject({ id: card.id });

    expect(await stripe.charges.retrieve(charge.id)).toEqual(charge);
    const listed = await stripe.charges.list({ customer: customer.id });
    expect(listed.data.map((c) => c.id)).toEqual([byDefault.id, charge.id]);
  });

  it('declines on charge with the charge id in the error, and stores the failed charge', async () => {
    const { customer, card } = await customerWithCard(stripe, 'tok_chargeCustomerFail');
    const e = await failure(
      stripe.charges.create({
        amount: 700,
        currency: 'usd',
        customer: customer.id,
        source: card.id,
        metadata: { o: '9' },
      }),
    );
    expect(e).toBeInstanceOf(Error);
    expect(e.type).toBe('StripeCardError');
    expect(e).toMatchObject({
      statusCode: 402,
      code: 'card_declined',
      decline_code: 'generic_decline',
      message: 'Your card was declined.',
    });
    expect(e.charge).toMatch(/^ch_/);
    const failed = await stripe.charges.retrieve(e.charge as string);
    expect(failed).toMatchObject({
      status: 'failed',
      paid: false,
      failure_code: 'card_declined',
      outcome: { reason: 'generic_decline', type: 'issuer_declined' },
    });
    // A token of a declining card declines too (it never got saved).
    const t = await failure(
      stripe.charges.create({ amount: 700, currency: 'usd', source: 'tok_chargeDeclinedInsufficientFunds' }),
    );
    expect(t).toMatchObject({ statusCode: 402, decline_code: 'insufficient_funds' });
  });

  it("validates amount, currency and the customer's cards like Stripe", async () => {
    const { customer, card } = await customerWithCard(stripe);
    const other = await stripe.customers.create({});
    const small = await failure(
      stripe.charges.create({ amount: 49, currency: 'usd', customer: customer.id }),
    );
    expect(small).toMatchObject({
      statusCode: 400,
      code: 'amount_too_small',
      param: 'amount',
      message: 'Amount must be at least $0.50 usd',
    });
    const currency = await failure(
      stripe.charges.create({ amount: 500, currency: 'not-a-currency', customer: customer.id }),
    );
    expect(currency).toMatchObject({ statusCode: 400, param: 'currency' });
    const foreign = await failure(
      stripe.charges.create({ amount: 500, currency: 'usd', customer: other.id, source: card.id }),
    );
    expect(foreign).toMatchObject({
      statusCode: 400,
      message: `Customer ${other.id} does not have a linked source with ID ${card.id}.`,
    });
    const noCard = await failure(stripe.charges.create({ amount: 500, currency: 'usd', customer: other.id }));
    expect(noCard).toMatchObject({
      statusCode: 400,
      message: 'Cannot charge a customer that has no active card',
    });
    expect((await stripe.charges.list({ customer: other.id })).data).toEqual([]);
  });
});

describe('payment intents', () => {
  it('confirm=true off_session with a PaymentMethod or a saved card succeeds and creates a charge', async () => {
    const { customer, card } = await customerWithCard(stripe);
    const pm = await stripe.paymentMethods.attach('pm_card_visa', { customer: customer.id });
    const pi = await stripe.paymentIntents.create({
      amount: 2000,
      currency: 'eur',
      customer: customer.id,
      payment_method: pm.id,
      confirm: true,
      off_session: true,
      automatic_payment_methods: { enabled: true, allow_redirects: 'never' },
      metadata: { invoice: 'INV-7' },
    });
    expect(pi.id).toMatch(/^pi_[A-Za-z0-9]{24}$/);
    expect(pi).toMatchObject({
      object: 'payment_intent',
      status: 'succeeded',
      amount: 2000,
      amount_received: 2000,
      currency: 'eur',
      customer: customer.id,
      payment_method: pm.id,
      metadata: { invoice: 'INV-7' },
    });
    expect(pi.latest_charge).toMatch(/^ch_/);
    const charge = await stripe.charges.retrieve(pi.latest_charge as string);
    expect(charge).toMatchObject({
      payment_intent: pi.id,
      status: 'succeeded',
      payment_method: pm.id,
      amount: 2000,
    });
    expect(await stripe.paymentIntents.retrieve(pi.id)).toEqual(pi);

    const withCard = await stripe.paymentIntents.create({
      amount: 600,
      currency: 'usd',
      customer: customer.id,
      payment_method: card.id,
      confirm: true,
      off_session: true,
    });
    expect(withCard).toMatchObject({ status: 'succeeded', payment_method: card.id });
    const listed = await stripe.paymentIntents.list({ customer: customer.id });
    expect(listed.data.map((p) => p.id)).toEqual([withCard.id, pi.id]);
  });

  it('a decline is a card error carrying the payment_intent; the intent is left requiring a payment method', async () => {
    const customer = await stripe.customers.create({});
    const pm = await stripe.paymentMethods.attach('pm_card_chargeCustomerFail', { customer: customer.id });
    const e = await failure(
      stripe.paymentIntents.create({
        amount: 900,
        currency: 'usd',
        customer: customer.id,
        payment_method: pm.id,
        confirm: true,
        off_session: true,
      }),
    );
    expect(e).toMatchObject({
      type: 'StripeCardError',
      statusCode: 402,
      code: 'card_declined',
      decline_code: 'generic_decline',
    });
    const intent = e.payment_intent as Stripe.PaymentIntent;
    expect(intent).toMatchObject({ object: 'payment_intent', status: 'requires_payment_method' });
    expect(intent.last_payment_error).toMatchObject({
      code: 'card_declined',
      decline_code: 'generic_decline',
    });
    expect(e.payment_method).toMatchObject({ id: pm.id });
    expect(await stripe.paymentIntents.retrieve(intent.id)).toMatchObject({
      status: 'requires_payment_method',
    });

    const unknown = await failure(stripe.paymentIntents.retrieve('pi_doesnotexist'));
    expect(unknown).toMatchObject({ statusCode: 404, message: "No such payment_intent: 'pi_doesnotexist'" });
  });

  it('without confirm the intent waits; confirm later succeeds', async () => {
    const customer = await stripe.customers.create({});
    const pm = await stripe.paymentMethods.attach('pm_card_amex', { customer: customer.id });
    const pi = await stripe.paymentIntents.create({
      amount: 1000,
      currency: 'usd',
      customer: customer.id,
      payment_method: pm.id,
    });
    expect(pi.status).toBe('requires_confirmation');
    const confirmed = await stripe.paymentIntents.confirm(pi.id);
    expect(confirmed).toMatchObject({ status: 'succeeded', amount_received: 1000 });
    const twice = await failure(stripe.paymentIntents.confirm(pi.id));
    expect(twice).toMatchObject({ statusCode: 400, code: 'payment_intent_unexpected_state' });
  });

  it('reconciliation: search charges and intents by metadata', async () => {
    const { customer } = await customerWithCard(stripe);
    const key = `order-${Date.now()}`;
    await stripe.charges.create({
      amount: 800,
      currency: 'usd',
      customer: customer.id,
      metadata: { order: key },
    });
    await stripe.charges.create({
      amount: 800,
      currency: 'usd',
      customer: customer.id,
      metadata: { order: 'other' },
    });
    const found = await stripe.charges.search({
      query: `metadata['order']:'${key}' AND customer:'${customer.id}'`,
    });
    expect(found.data).toHaveLength(1);
    expect(found.data[0]?.metadata).toEqual({ order: key });
    const none = await stripe.charges.search({ query: `metadata['order']:'missing'` });
    expect(none.data).toEqual([]);

    const pm = await stripe.paymentMethods.attach('pm_card_visa', { customer: customer.id });
    await stripe.paymentIntents.create({
      amount: 900,
      currency: 'usd',
      customer: customer.id,
      payment_method: pm.id,
      confirm: true,
      metadata: { order: key },
    });
    const intents = await stripe.paymentIntents.search({ query: `metadata['order']:'${key}'` });
    expect(intents.data.map((p) => p.status)).toEqual(['succeeded']);
  });
});
