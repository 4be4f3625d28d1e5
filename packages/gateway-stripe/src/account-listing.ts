import {
  type AccountListing,
  type ConnectedAccount,
  type GatewayCard,
  LIST_MAX_LIMIT,
  type ListCardsInput,
  type ListedCustomer,
  type ListGatewayCustomersInput,
} from '@cardbridge/core';
import type Stripe from 'stripe';
import type { z } from 'zod';
import { mapStripeCard, type StripeCardLike } from './map-card.js';
import { mapStripePaymentMethod, type StripePaymentMethodLike } from './map-payment-method.js';
import type { stripeListedCustomerShape } from './response-shapes.js';

/**
 * Reads a whole Stripe account with as few requests as Stripe allows: customers in pages of
 * 100 with their sources expanded (one request per 100 customers when each has at most 10
 * sources); a customer's further sources, or its PaymentMethods, only when asked.
 */

type Call = <T>(
  spec: { operation: ListingOperation; method: 'GET'; params?: object },
  send: (options: Stripe.RequestOptions) => Promise<T>,
) => Promise<T>;

export type ListingOperation =
  | 'accounts.retrieve'
  | 'customers.list'
  | 'customers.listSources'
  | 'customers.listPaymentMethods'
  | 'accounts.list';

type ListedStripeCustomer = z.infer<typeof stripeListedCustomerShape>;

const idOf = (value: string | { id: string } | null | undefined): string | null =>
  typeof value === 'string' ? value : (value?.id ?? null);

const pageSize = (limit: number | undefined) =>
  Math.min(Math.max(limit ?? LIST_MAX_LIMIT, 1), LIST_MAX_LIMIT);

function mapListedCustomer(c: ListedStripeCustomer): ListedCustomer {
  const sources = c.sources?.data ?? [];
  const cards: GatewayCard[] = [];
  for (const source of sources) {
    if (source.object === 'card' && !('deleted' in source && source.deleted)) {
      cards.push(mapStripeCard(source as unknown as StripeCardLike, c.id));
    }
  }
  return {
    externalCustomerId: c.id,
    email: c.email ?? null,
    name: c.name ?? null,
    description: c.description ?? null,
    livemode: c.livemode,
    created: c.created,
    defaultSourceId: idOf(c.default_source as string | { id: string } | null | undefined),
    defaultPaymentMethodId: idOf(
      c.invoice_settings?.default_payment_method as string | { id: string } | null | undefined,
    ),
    cards,
    moreCards: c.sources?.has_more ?? false,
  };
}

export class StripeAccountListing implements AccountListing {
  constructor(
    private readonly stripe: Stripe,
    private readonly call: Call,
  ) {}

  async listCustomers(
    input: ListGatewayCustomersInput,
  ): Promise<{ data: ListedCustomer[]; hasMore: boolean }> {
    const created: Stripe.RangeQueryParam = {};
    if (input.createdGte !== undefined) created.gte = input.createdGte;
    if (input.createdLt !== undefined) created.lt = input.createdLt;
    const params: Stripe.CustomerListParams = {
      limit: pageSize(input.limit),
      expand: ['data.sources'],
      ...(input.startingAfter !== undefined ? { starting_after: input.startingAfter } : {}),
      ...(Object.keys(created).length > 0 ? { created } : {}),
    };
    const page = await this.call({ operation: 'customers.list', method: 'GET', params }, (o) =>
      this.stripe.customers.list(params, o),
    );
    return {
      data: page.data.map((c) => mapListedCustomer(c as unknown as ListedStripeCustomer)),
      hasMore: page.has_more,
    };
  }

  async listSourceCards(input: ListCardsInput): Promise<{ data: GatewayCard[]; hasMore: boolean }> {
    const customer = input.externalCustomerId;
    const params: Stripe.CustomerListSourcesParams = {
      object: 'card',
      limit: pageSize(input.limit),
      ...(input.startingAfter !== undefined ? { starting_after: input.startingAfter } : {}),
    };
    const page = await this.call({ operation: 'customers.listSources', method: 'GET', params }, (o) =>
      this.stripe.customers.listSources(customer, params, o),
    );
    const data = page.data
      .filter((s) => s.object === 'card')
      .map((s) => mapStripeCard(s as unknown as StripeCardLike, customer));
    return { data, hasMore: page.has_more };
  }

  async listPaymentMethodCards(input: ListCardsInput): Promise<{ data: GatewayCard[]; hasMore: boolean }> {
    const customer = input.externalCustomerId;
    const params: Stripe.CustomerListPaymentMethodsParams = {
      type: 'card',
      limit: pageSize(input.limit),
      ...(input.startingAfter !== undefined ? { starting_after: input.startingAfter } : {}),
    };
    const page = await this.call({ operation: 'customers.listPaymentMethods', method: 'GET', params }, (o) =>
      this.stripe.customers.listPaymentMethods(customer, params, o),
    );
    const data = page.data
      .filter((pm) => pm.type === 'card' && pm.card)
      .map((pm) => mapStripePaymentMethod(pm as unknown as StripePaymentMethodLike));
    return { data, hasMore: page.has_more };
  }

  async accountCreated(): Promise<number> {
    const account = await this.call({ operation: 'accounts.retrieve', method: 'GET' }, (o) =>
      this.stripe.accounts.retrieveCurrent({}, o),
    );
    return (account as { created?: number }).created ?? 0;
  }

  async listConnectedAccounts(input: {
    limit?: number;
    startingAfter?: string;
  }): Promise<{ data: ConnectedAccount[]; hasMore: boolean }> {
    const params: Stripe.AccountListParams = {
      limit: pageSize(input.limit),
      ...(input.startingAfter !== undefined ? { starting_after: input.startingAfter } : {}),
    };
    const page = await this.call({ operation: 'accounts.list', method: 'GET', params }, (o) =>
      this.stripe.accounts.list(params, o),
    );
    return {
      data: page.data.map((a) => ({
        id: a.id,
        livemode: (a as { livemode?: boolean | null }).livemode ?? null,
      })),
      hasMore: page.has_more,
    };
  }
}
