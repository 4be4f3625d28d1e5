import type { GatewayAddress, GatewayCard } from '@cardbridge/core';
import { normalizeCountryToAlpha2 } from '@cardbridge/core';
import { cardTypeFromStripeBrand } from './brand.js';

/**
 * Stripe `card` object (a customer source, `card_…`) → GatewayCard. Pure; the one mapper
 * for this source (house rule 3, docs/architecture.md). `exp_year` stays 4-digit (the DTO mapper makes
 * YY); the brand goes through `cardTypeFromStripeBrand` ('Visa', 'American Express', …;
 * 'Unknown' → null); `address_country` (free text on Stripe cards) is normalised to ISO
 * alpha-2 (alpha-2/alpha-3/English name accepted, anything else → null); Stripe's own
 * fingerprint is kept; empty strings become null.
 */

/** The fields of Stripe's Card object the mapper reads (so fixtures and SDK objects both fit). */
export interface StripeCardLike {
  id: string;
  object?: string;
  brand: string;
  last4: string;
  exp_month: number;
  exp_year: number;
  name?: string | null;
  address_line1?: string | null;
  address_line2?: string | null;
  address_city?: string | null;
  address_state?: string | null;
  address_zip?: string | null;
  address_country?: string | null;
  fingerprint?: string | null;
  customer?: string | { id: string } | null;
  metadata?: Record<string, string> | null;
}

export const blankToNull = (value: string | null | undefined): string | null => {
  if (typeof value !== 'string') return null;
  const trimmed = value.trim();
  return trimmed === '' ? null : trimmed;
};

export const idOf = (value: string | { id: string } | null | undefined): string | null =>
  typeof value === 'string' ? value : value && typeof value.id === 'string' ? value.id : null;

export const metadataOf = (metadata: Record<string, string> | null | undefined): Record<string, string> => {
  const out: Record<string, string> = {};
  if (!metadata || typeof metadata !== 'object') return out;
  for (const [key, value] of Object.entries(metadata)) {
    if (typeof value === 'string') out[key] = value;
  }
  return out;
};

export function mapStripeCardAddress(card: StripeCardLike): GatewayAddress {
  return {
    line1: blankToNull(card.address_line1),
    line2: blankToNull(card.address_line2),
    city: blankToNull(card.address_city),
    state: blankToNull(card.address_state),
    postalCode: blankToNull(card.address_zip),
    country: normalizeCountryToAlpha2(card.address_country),
  };
}

/**
 * @param fallbackCustomerId the customer the card was fetched through, used when the
 *   object does not say (Stripe omits `customer` on some responses, e.g. Connect updates).
 */
export function mapStripeCard(card: StripeCardLike, fallbackCustomerId: string | null = null): GatewayCard {
  return {
    externalCardId: card.id,
    externalCustomerId: idOf(card.customer) ?? fallbackCustomerId,
    cardType: cardTypeFromStripeBrand(card.brand),
    last4: card.last4,
    expMonth: card.exp_month,
    expYear: card.exp_year,
    name: blankToNull(card.name),
    address: mapStripeCardAddress(card),
    fingerprint: blankToNull(card.fingerprint),
    metadata: metadataOf(card.metadata),
  };
}
