import type { StripeEmulator } from '@cardbridge/stripe-emulator';
import type Stripe from 'stripe';
import { expect } from 'vitest';
import { freshCardNumber } from '../card-data.js';
import type { TestTenant } from '../helpers.js';

/*
 * What the bulk-export tests share: vaulted cards made through `createCard` (the PCI path),
 * polling a job until it settles, its items, and what Stripe holds, read through Stripe's SDK.
 */

export type Caller = TestTenant['caller'];

export const TOKENS = 'POST /v1/tokens';
export const SOURCES = 'POST /v1/customers/:customer/sources';

/** A bulk export's source; the emulator takes any request rate. */
export const bulkSource = (targetGatewayAccountId: number, filter: Record<string, unknown> = {}) => ({
  kind: 'bulk_export' as const,
  targetGatewayAccountId,
  requestsPerSecond: 1000,
  ...filter,
});
export type Job = Awaited<ReturnType<Caller['migrations']['get']>>;
export type Item = Awaited<ReturnType<Caller['migrations']['items']>>['data'][number];

export async function runJob(caller: Caller, source: ReturnType<typeof bulkSource>, dryRun = false) {
  return settled(caller, (await caller.migrations.create({ source, dryRun })).id);
}

export async function settled(caller: Caller, id: number): Promise<Job> {
  for (;;) {
    const job = await caller.migrations.get({ id });
    if (['completed', 'failed', 'cancelled'].includes(job.status)) return job;
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function allItems(caller: Caller, id: number): Promise<Item[]> {
  const items: Item[] = [];
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

export const exportedIds = (items: Item[]) => new Set(items.map((i) => i.paymentMethodId));

export const outcomes = (items: Item[]) => new Map(items.map((i) => [i.key, i.outcome]));

export interface VaultedCard {
  id: number;
  customerId: number;
  cardType: string;
  last4: string;
  expMonth: number;
  /** Four digits, as Stripe has it. */
  expYear: number;
}

const brands = [
  { prefix: '4', length: 16, cardType: 'Visa' },
  { prefix: '51', length: 16, cardType: 'MasterCard' },
  { prefix: '34', length: 15, cardType: 'AmericanExpress' },
] as const;

/** `perCustomer` vaulted cards for each of `customers` new customers, brands in turn. */
export async function vaultedCards(
  t: TestTenant,
  customers: number,
  perCustomer: number,
): Promise<{ customerIds: number[]; cards: VaultedCard[] }> {
  const customerIds: number[] = [];
  const cards: VaultedCard[] = [];
  for (let c = 0; c < customers; c++) {
    const customerId = (await t.caller.customers.create({ firstName: `Bulk${c}`, lastName: 'Export' })).id;
    customerIds.push(customerId);
    for (let k = 0; k < perCustomer; k++) {
      const n = cards.length;
      const brand = brands[n % brands.length]!;
      const number = freshCardNumber(brand.prefix, brand.length);
      const expMonth = 1 + (n % 12);
      const expYearYY = 30 + (n % 7);
      const card = await t.caller.paymentMethods.createCard({
        customerId,
        cardNumber: number,
        expirationMonth: expMonth,
        expirationYear: expYearYY,
        firstName: `Bulk${c}`,
        lastName: 'Export',
      });
      expect(card).toMatchObject({ storedInVault: true, cardType: brand.cardType });
      cards.push({
        id: card.id,
        customerId,
        cardType: brand.cardType,
        last4: number.slice(-4),
        expMonth,
        expYear: 2000 + expYearYY,
      });
    }
  }
  return { customerIds, cards };
}

/** Every card source of a Stripe customer. */
export async function stripeSources(stripe: Stripe, customer: string): Promise<Stripe.Card[]> {
  const cards: Stripe.Card[] = [];
  for await (const source of stripe.customers.listSources(customer, { object: 'card', limit: 100 })) {
    cards.push(source as Stripe.Card);
  }
  return cards;
}

/**
 * What Stripe holds for the exported cards, checked from outside: every created/unchanged item
 * names a card at a Stripe customer of its own customer, with the card's last4 and expiry,
 * and each of our cards is there exactly once (by the metadata the export writes).
 */
export async function expectAtStripe(stripe: Stripe, items: Item[], cards: VaultedCard[]) {
  const exported = items.filter((i) => i.outcome === 'created' || i.outcome === 'unchanged');
  const byCustomer = new Map<string, Stripe.Card[]>();
  for (const item of exported) {
    const customer = item.sourceCustomerId!;
    if (!byCustomer.has(customer)) byCustomer.set(customer, await stripeSources(stripe, customer));
  }
  const copies = new Map<number, Stripe.Card[]>();
  for (const [customer, sources] of byCustomer) {
    const stripeCustomer = await stripe.customers.retrieve(customer);
    const ourCustomer = Number((stripeCustomer as Stripe.Customer).metadata.cardbridge_customer_id);
    for (const source of sources) {
      if (!source.metadata?.cardbridge_export_key) continue;
      const pm = Number(source.metadata?.cardbridge_payment_method_id);
      expect(cards.find((c) => c.id === pm)?.customerId).toBe(ourCustomer);
      copies.set(pm, [...(copies.get(pm) ?? []), source]);
    }
  }
  for (const item of exported) {
    const card = cards.find((c) => c.id === item.paymentMethodId)!;
    const atStripe = copies.get(card.id) ?? [];
    expect(atStripe).toHaveLength(1);
    expect(atStripe[0]).toMatchObject({
      id: item.sourceCardId,
      customer: item.sourceCustomerId,
      last4: card.last4,
      exp_month: card.expMonth,
      exp_year: card.expYear,
    });
  }
  return copies;
}

/** Successful (not faulted) requests of one route since the emulator's stats were last reset. */
export function servedRequests(emulator: StripeEmulator, route: string): number {
  const row = emulator.requestStats().byRoute[route];
  return row ? row.requests - row.rateLimited - row.serverErrors : 0;
}
