import type { GatewayCard } from '@cardbridge/core';
import type { PaymentMethodRow } from '@cardbridge/db';
import { driftOf } from '../payment-methods/index.js';

/*
 * What becomes of one card an account listing found: the rules of an account import, taken in
 * one place for the chunk written at once (stripe-account-batch.ts) and the row-by-row path of
 * sync and of a chunk whose batch write failed (stripe-account.ts).
 */

export type ListedCardDecision =
  /** Held by another customer of ours, or of a brand we do not take: reported, not written. */
  | { outcome: 'skipped'; reason: string; ours?: PaymentMethodRow }
  /** Ours already, as Stripe has it. */
  | { outcome: 'unchanged'; ours: PaymentMethodRow }
  /** Sync: ours, but Stripe's differs (expiry, default). */
  | { outcome: 'drift'; ours: PaymentMethodRow; drift: ReturnType<typeof driftOf> }
  /** Sync without `apply`: a card at Stripe we do not hold, reported as drift. */
  | { outcome: 'new' }
  /** To be imported; `write` false for a plan, or for a customer a plan would create. */
  | { outcome: 'created'; write: boolean };

export function decideListedCard(input: {
  card: GatewayCard;
  /** Our customer for the card's Stripe customer (null: a plan would create one). */
  customerId: number | null;
  /** Our active payment method holding the card on the account, if any. */
  ours: PaymentMethodRow | undefined;
  /** Stripe bills with this card by default. */
  isDefault: boolean;
  sync: boolean;
  apply: boolean;
  dryRun: boolean;
}): ListedCardDecision {
  const { card, customerId, ours } = input;
  if (ours && customerId !== null && ours.customerId !== customerId) {
    return {
      outcome: 'skipped',
      ours,
      reason: `card ${card.externalCardId} already belongs to customer ${ours.customerId} as payment method ${ours.id}`,
    };
  }
  if (ours) {
    const drift = input.sync ? driftOf(ours, card, input.isDefault) : {};
    return Object.keys(drift).length === 0
      ? { outcome: 'unchanged', ours }
      : { outcome: 'drift', ours, drift };
  }
  if (input.sync && !input.apply) return { outcome: 'new' };
  if (card.cardType === null)
    return { outcome: 'skipped', reason: 'a card brand cardbridge does not support' };
  return { outcome: 'created', write: !input.dryRun && customerId !== null };
}
