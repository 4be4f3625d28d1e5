import type Stripe from 'stripe';
import type { TestTenant } from '../helpers.js';

/* What the migration job tests share: waiting for a job, its items, and what Stripe holds. */

export type Caller = TestTenant['caller'];
export type Job = Awaited<ReturnType<Caller['migrations']['get']>>;

export async function settled(caller: Caller, id: number): Promise<Job> {
  for (;;) {
    const job = await caller.migrations.get({ id });
    if (['completed', 'failed', 'cancelled'].includes(job.status)) return job;
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function allItems(caller: Caller, id: number) {
  const items = [];
  let after: number | undefined;
  for (;;) {
    const page = await caller.migrations.items({
      id,
      limit: 1000,
      ...(after !== undefined ? { after } : {}),
    });
    items.push(...page.data);
    if (!page.hasMore) return items;
    after = page.data.at(-1)!.seq;
  }
}

/** Every card Stripe holds for every customer: sources and PaymentMethods, by id. */
export async function stripeCards(stripe: Stripe, stripeAccount?: string) {
  const opts = stripeAccount ? { stripeAccount } : {};
  const cards = new Map<
    string,
    { customer: string; isDefault: boolean; expMonth: number; expYear: number }
  >();
  for await (const customer of stripe.customers.list({ limit: 100 }, opts)) {
    const pmDefault = customer.invoice_settings?.default_payment_method;
    const defaultId = (typeof pmDefault === 'string' ? pmDefault : pmDefault?.id) ?? customer.default_source;
    for await (const source of stripe.customers.listSources(
      customer.id,
      { object: 'card', limit: 100 },
      opts,
    )) {
      const card = source as Stripe.Card;
      cards.set(card.id, {
        customer: customer.id,
        isDefault: card.id === defaultId,
        expMonth: card.exp_month,
        expYear: card.exp_year,
      });
    }
    for await (const pm of stripe.customers.listPaymentMethods(
      customer.id,
      { type: 'card', limit: 100 },
      opts,
    )) {
      cards.set(pm.id, {
        customer: customer.id,
        isDefault: pm.id === defaultId,
        expMonth: pm.card!.exp_month,
        expYear: pm.card!.exp_year,
      });
    }
  }
  return cards;
}

/** Every payment method the tenant holds, active ones only, by their gateway card id. */
export async function heldCards(caller: Caller, customerIds: Iterable<number>) {
  const held = new Map<
    string,
    { id: number; customerId: number; isDefault: boolean; expirationYear: string }
  >();
  for (const customerId of customerIds) {
    let startingAfter: number | undefined;
    for (;;) {
      const page = await caller.paymentMethods.list({
        customerId,
        limit: 100,
        ...(startingAfter !== undefined ? { startingAfter } : {}),
      });
      for (const pm of page.data) {
        held.set(pm.externalCardId ?? `#${pm.id}`, {
          id: pm.id,
          customerId,
          isDefault: pm.isDefault,
          expirationYear: String(pm.expirationYear),
        });
      }
      if (!page.hasMore) break;
      startingAfter = page.data.at(-1)!.id;
    }
  }
  return held;
}
