import {
  cardAsPaymentMethod,
  cardJson,
  chargeJson,
  customerJson,
  type Json,
  paymentIntentJson,
  paymentMethodJson,
  sourcesJson,
} from './objects.js';
import type { AccountSpace } from './store.js';

/**
 * Stripe's `expand[]`: dotted paths (`default_source`, `data.customer`,
 * `invoice_settings.default_payment_method`) whose last segment holds an id are replaced
 * by the object, looked up in the caller's account only. Unknown paths are ignored.
 */

const MAX_DEPTH = 4;

function resolve(space: AccountSpace, parent: Json, key: string): Json | undefined {
  if (key === 'sources' && parent.object === 'customer' && typeof parent.id === 'string') {
    const customer = space.liveCustomer(parent.id);
    return customer ? sourcesJson(customer, space) : undefined;
  }
  const id = parent[key];
  if (typeof id !== 'string') return undefined;
  if (id.startsWith('cus_')) {
    const customer = space.customers.get(id);
    return customer ? customerJson(customer, space) : undefined;
  }
  if (id.startsWith('card_')) {
    const card = space.cards.get(id);
    if (!card) return undefined;
    return key === 'payment_method' || key === 'default_payment_method'
      ? paymentMethodJson(cardAsPaymentMethod(card), space.livemode)
      : cardJson(card);
  }
  if (id.startsWith('pm_')) {
    const pm = space.paymentMethods.get(id);
    return pm ? paymentMethodJson(pm, space.livemode) : undefined;
  }
  if (id.startsWith('ch_')) {
    const charge = space.charges.get(id);
    return charge ? chargeJson(charge, space.livemode) : undefined;
  }
  if (id.startsWith('pi_')) {
    const pi = space.paymentIntents.get(id);
    return pi ? paymentIntentJson(pi, space.livemode) : undefined;
  }
  return undefined;
}

function walk(space: AccountSpace, node: unknown, segments: string[]): void {
  if (Array.isArray(node)) {
    for (const item of node) walk(space, item, segments);
    return;
  }
  if (typeof node !== 'object' || node === null) return;
  const [head, ...rest] = segments;
  if (head === undefined) return;
  const parent = node as Json;
  if (rest.length === 0) {
    const replacement = resolve(space, parent, head);
    if (replacement !== undefined) parent[head] = replacement;
    return;
  }
  walk(space, parent[head], rest);
}

export function applyExpand(space: AccountSpace, json: Json, paths: readonly string[]): Json {
  // Shorter paths first, so `default_source.customer` walks into an already expanded card.
  const ordered = [...paths].sort((a, b) => a.split('.').length - b.split('.').length);
  for (const path of ordered) {
    const segments = path.split('.');
    if (segments.length > MAX_DEPTH) continue;
    walk(space, json, segments);
  }
  return json;
}
