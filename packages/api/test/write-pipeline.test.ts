import { sql } from '@cardbridge/db/testing';
import { type StripeEmulator, startStripeEmulator } from '@cardbridge/stripe-emulator';
import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recoverGatewayIntents } from '../src/services/payment-methods/index.js';
import { freshCardNumber, freshCvv } from './card-data.js';
import { createTestApp, errorOf, type TestApp, type TestTenant } from './helpers.js';
import { emulatorStripe } from './stripe-client.js';

/*
 * The write pipeline under races and failures: run on PGlite and on a real PostgreSQL server
 * (TEST_DATABASE_URL; PGlite serialises transactions, so only PostgreSQL proves the races).
 * Gateway effects are checked at the emulator through Stripe's own SDK, from outside.
 */

const secretKey = 'sk_test_cardbridgePipeline01';

async function rows<T>(app: TestApp, query: ReturnType<typeof sql>): Promise<T[]> {
  const result = await app.deps.db.execute(query);
  return (Array.isArray(result) ? result : (result as unknown as { rows: T[] }).rows) as T[];
}

describe('write pipeline: races, intents, compensation, audit', () => {
  let emulator: StripeEmulator;
  let stripe: Stripe;
  let app: TestApp;
  let t: TestTenant;
  let stripeAccountId: number;

  beforeAll(async () => {
    emulator = await startStripeEmulator();
    stripe = emulatorStripe(emulator.url, secretKey);
    // A short lease, so the recovery sweep may take what a test leaves pending.
    app = await createTestApp({ intentLeaseMs: 1_000 });
    t = await app.tenant();
    stripeAccountId = (
      await t.caller.gatewayAccounts.create({ type: 'stripe', secretKey, apiBase: emulator.url })
    ).id;
  });
  afterAll(async () => {
    await app.close();
    await emulator.close();
  });

  const cardInput = (customerId: number) => ({
    customerId,
    cardNumber: freshCardNumber(),
    cvv: freshCvv(),
    expirationMonth: 12,
    expirationYear: 2031,
    firstName: 'Ada',
    lastName: 'Lovelace',
  });

  /** A vaulted card that also lives at the emulator under a Stripe customer. */
  async function stripeVaultedCard() {
    const customer = await t.caller.customers.create({ firstName: 'Ada', lastName: 'Lovelace' });
    const card = await t.caller.paymentMethods.createCard({
      ...cardInput(customer.id),
      verify: true,
      gatewayAccountId: stripeAccountId,
    });
    return { customer, card };
  }

  async function stripeCards(stripeCustomerId: string) {
    const list = await stripe.customers.listSources(stripeCustomerId, { object: 'card', limit: 100 });
    return list.data.map((c) => c.id);
  }

  async function ourExternalCards(customerId: number) {
    const found = await rows<{ external_card_id: string }>(
      app,
      sql`select external_card_id from payment_methods where tenant_id = ${t.tenantId} and customer_id = ${customerId} and external_card_id is not null`,
    );
    return found.map((r) => r.external_card_id);
  }

  it('10 concurrent replaces with collection: one replacement, one charge, 9× 409, no orphan card at Stripe', async () => {
    const { customer, card } = await stripeVaultedCard();
    const replace = () =>
      t.caller.paymentMethods.replaceCreditCard({
        id: card.id,
        ...cardInput(customer.id),
        paymentCollectOptions: { collectionAmount: 12.5, currency: 'USD' },
      });
    const results = await Promise.allSettled(Array.from({ length: 10 }, replace));
    const ok = results.filter((r) => r.status === 'fulfilled');
    const refused = results.filter((r) => r.status === 'rejected') as PromiseRejectedResult[];
    expect(ok).toHaveLength(1);
    expect(refused).toHaveLength(9);
    for (const r of refused) expect((r.reason as { code: string }).code).toBe('CONFLICT');

    const stripeCustomerId = card.externalCustomerId!;
    const charges = await stripe.charges.list({ customer: stripeCustomerId, limit: 100 });
    expect(charges.data).toHaveLength(1);
    expect(charges.data[0]!.amount).toBe(1250);
    // Every card at Stripe is one of ours (the old one, now replaced, and its one successor).
    expect((await stripeCards(stripeCustomerId)).sort()).toEqual(
      (await ourExternalCards(customer.id)).sort(),
    );
    const successors = await rows<{ n: number }>(
      app,
      sql`select count(*)::int as n from payment_methods where tenant_id = ${t.tenantId} and original_payment_method_id = ${card.id}`,
    );
    expect(successors[0]!.n).toBe(1);
  });

  it('a replace whose change cannot commit refunds its charge and removes its new card', async () => {
    const { customer, card } = await stripeVaultedCard();
    // Delete the card while the replace is between its gateway calls and its transaction:
    // the transaction then refuses (deleted), and the replace must undo what Stripe did.
    const gateway = await app.deps.gateways.forAccount(await accountRow(app, t.tenantId, stripeAccountId));
    const charge = gateway.charge.bind(gateway);
    gateway.charge = async (input) => {
      const result = await charge(input);
      await t.caller.paymentMethods.delete({ id: card.id });
      return result;
    };
    try {
      const err = await errorOf(() =>
        t.caller.paymentMethods.replaceCreditCard({
          id: card.id,
          ...cardInput(customer.id),
          paymentCollectOptions: { collectionAmount: 3, currency: 'usd' },
        }),
      );
      expect(err.domainCode).toBe('PAYMENT_METHOD_DELETED');
    } finally {
      gateway.charge = charge;
    }
    const charges = await stripe.charges.list({ customer: card.externalCustomerId!, limit: 100 });
    expect(charges.data).toHaveLength(1);
    expect(charges.data[0]!.refunded).toBe(true);
    expect(await stripeCards(card.externalCustomerId!)).toEqual([card.externalCardId]);
    const intents = await rows<{ action: string; state: string }>(
      app,
      sql`select action, state from gateway_intents where tenant_id = ${t.tenantId} and action in ('create_card', 'charge') and created_at > now() - interval '1 minute' order by created_at desc limit 2`,
    );
    expect(intents.map((i) => i.state)).toEqual(['compensated', 'compensated']);
  });

  it('recovery resolves intents a crash left pending: removes the card, refunds the charge', async () => {
    const { customer, card } = await stripeVaultedCard();
    // What a crash between the gateway calls and the commit leaves: made at Stripe, pending here.
    const gateway = await app.deps.gateways.forAccount(await accountRow(app, t.tenantId, stripeAccountId));
    const operationId = crypto.randomUUID();
    const [cardIntent] = await rows<{ id: string }>(
      app,
      sql`insert into gateway_intents (tenant_id, operation_id, action, gateway_account_id, customer_id, external_customer_id, lease_until)
          values (${t.tenantId}, ${operationId}, 'create_card', ${stripeAccountId}, ${customer.id}, ${card.externalCustomerId}, now() - interval '1 second') returning id`,
    );
    const orphan = await gateway.createCardFromNumber({
      externalCustomerId: card.externalCustomerId!,
      pan: (await import('@cardbridge/core')).Pan.parse(freshCardNumber()),
      expMonth: 12,
      expYear: 2031,
      metadata: { cardbridge_intent: cardIntent!.id },
      idempotencyKey: `cbi_${cardIntent!.id}`,
    });
    const [chargeIntent] = await rows<{ id: string }>(
      app,
      sql`insert into gateway_intents (tenant_id, operation_id, action, gateway_account_id, customer_id, external_customer_id, lease_until)
          values (${t.tenantId}, ${operationId}, 'charge', ${stripeAccountId}, ${customer.id}, ${card.externalCustomerId}, now() - interval '1 second') returning id`,
    );
    await gateway.charge({
      externalCustomerId: card.externalCustomerId!,
      externalCardId: orphan.externalCardId,
      amountMinor: 700,
      currency: 'usd',
      metadata: { cardbridge_intent: chargeIntent!.id },
      idempotencyKey: `cbi_${chargeIntent!.id}`,
    });

    const { resolved } = await recoverGatewayIntents(app.deps, { tenantId: t.tenantId });
    expect(resolved).toBeGreaterThanOrEqual(2);
    expect(await stripeCards(card.externalCustomerId!)).toEqual([card.externalCardId]);
    const charges = await stripe.charges.list({ customer: card.externalCustomerId!, limit: 100 });
    expect(charges.data.map((c) => c.refunded)).toEqual([true]);
    const states = await rows<{ state: string }>(
      app,
      sql`select state from gateway_intents where operation_id = ${operationId}`,
    );
    expect(states.map((s) => s.state)).toEqual(['compensated', 'compensated']);
    // A second pass finds nothing more to do and repeats nothing.
    expect((await recoverGatewayIntents(app.deps, { tenantId: t.tenantId })).resolved).toBe(0);
    expect((await stripe.refunds.list({ charge: charges.data[0]!.id })).data).toHaveLength(1);
  });

  it('20 concurrent identical createCard under reject: exactly one row', async () => {
    const customer = await t.caller.customers.create({ firstName: 'Dup', lastName: 'Licate' });
    const input = { ...cardInput(customer.id), duplicatePolicy: 'reject' as const };
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, () => t.caller.paymentMethods.createCard(input)),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results.filter((r) => r.status === 'rejected') as PromiseRejectedResult[]) {
      expect((r.reason as { code: string }).code).toBe('CONFLICT');
    }
    const count = await rows<{ n: number }>(
      app,
      sql`select count(*)::int as n from payment_methods where tenant_id = ${t.tenantId} and customer_id = ${customer.id}`,
    );
    expect(count[0]!.n).toBe(1);
  });

  it('one Stripe card imported into 20 customers at once: one import, 19× 409 naming the holder', async () => {
    const stripeCustomer = await stripe.customers.create({ email: 'race@example.com' });
    const source = (await stripe.customers.createSource(stripeCustomer.id, {
      source: 'tok_visa',
    })) as Stripe.Card;
    const ours = await Promise.all(
      Array.from({ length: 20 }, (_, i) => t.caller.customers.create({ firstName: `Racer ${i}` })),
    );
    const results = await Promise.allSettled(
      ours.map((c) =>
        t.caller.paymentMethods.importStripeCard({
          customerId: c.id,
          stripeCustomerId: stripeCustomer.id,
          stripeCardId: source.id,
          gatewayAccountId: stripeAccountId,
        }),
      ),
    );
    const ok = results.filter((r) => r.status === 'fulfilled') as PromiseFulfilledResult<{ id: number }>[];
    expect(ok).toHaveLength(1);
    const holder = ok[0]!.value.id;
    for (const r of results.filter((r) => r.status === 'rejected') as PromiseRejectedResult[]) {
      const reason = r.reason as { code: string; message: string };
      expect(reason.code).toBe('CONFLICT');
      expect(reason.message).toContain(`payment method ${holder}`);
    }
  });

  it('a race the services do not name is a 409, never a 500: 10 concurrent default gateway accounts', async () => {
    const other = await app.tenant();
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) =>
        other.caller.gatewayAccounts.create({ type: 'test', name: `Processor ${i}`, isDefault: true }),
      ),
    );
    for (const r of results.filter((r) => r.status === 'rejected') as PromiseRejectedResult[]) {
      expect((r.reason as { code: string }).code).toBe('CONFLICT');
    }
    const defaults = (await other.caller.gatewayAccounts.list()).filter((a) => a.isDefault);
    expect(defaults).toHaveLength(1);
  });

  it('a token sent again after its card was deleted does not bring the deleted card back', async () => {
    const customer = await t.caller.customers.create({ firstName: 'Token', lastName: 'Again' });
    const token = await stripe.tokens.create({
      card: { number: '4242424242424242', exp_month: '12', exp_year: '2031', cvc: '123' },
    } as Stripe.TokenCreateParams);
    const input = { customerId: customer.id, token: token.id, gatewayAccountId: stripeAccountId };
    const first = await t.caller.paymentMethods.createFromToken(input);
    await t.caller.paymentMethods.delete({ id: first.id, atGateway: true });
    // A token is single-use at Stripe: the second use is refused, never the old card replayed.
    const err = await errorOf(() => t.caller.paymentMethods.createFromToken(input));
    expect(err.code).not.toBe('INTERNAL_SERVER_ERROR');
    const active = await t.caller.paymentMethods.list({ customerId: customer.id });
    expect(active.data).toHaveLength(0);
  });

  it('writes the audit row in the change transaction: a failing audit write fails the change', async () => {
    const customer = await t.caller.customers.create({ firstName: 'Audit', lastName: 'Me' });
    const card = await t.caller.paymentMethods.createCard(cardInput(customer.id));
    const other = await t.caller.paymentMethods.createCard(cardInput(customer.id));
    await app.deps.db.execute(
      sql.raw(`
      create or replace function refuse_set_default_audit() returns trigger language plpgsql as $$
      begin
        if new.action = 'paymentMethods.setDefault' then raise exception 'audit store refused'; end if;
        return new;
      end $$`),
    );
    await app.deps.db.execute(
      sql.raw(`create trigger refuse_set_default_audit before insert on audit_events
        for each row execute function refuse_set_default_audit()`),
    );
    try {
      const err = await errorOf(() => t.caller.paymentMethods.setDefault({ id: other.id }));
      expect(err.code).toBe('INTERNAL_SERVER_ERROR');
    } finally {
      await app.deps.db.execute(sql.raw('drop trigger refuse_set_default_audit on audit_events'));
    }
    const stillDefault = await t.caller.paymentMethods.get({ id: card.id });
    expect(stillDefault.isDefault).toBe(true);
    // And every changed payment method of the tenant has its audit row.
    const missing = await rows<{ id: number }>(
      app,
      sql`select pm.id from payment_methods pm where pm.tenant_id = ${t.tenantId}
          and not exists (select 1 from audit_events a where a.tenant_id = pm.tenant_id
            and a.outcome = 'success'
            and (a.target_id = pm.id::text or a.details->>'replacedPaymentMethodId' = pm.id::text))`,
    );
    expect(missing).toEqual([]);
  });
});

async function accountRow(app: TestApp, tenantId: number, id: number) {
  const { getGatewayAccount } = await import('@cardbridge/db');
  return (await getGatewayAccount(app.deps.db, tenantId, id))!;
}
