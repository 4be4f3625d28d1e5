import type { GatewayAddress, GatewayCard } from '@cardbridge/core';
import { gatewayError, normalizeCountryToAlpha2 } from '@cardbridge/core';
import { cardTypeFromStripeBrand } from './brand.js';
import { blankToNull, idOf, metadataOf } from './map-card.js';

/**
 * Stripe `payment_method` object (`pm_…`, type card) → GatewayCard. Pure. Brand from
 * `card.brand` ('visa', 'amex', …) via `cardTypeFromStripeBrand`; 4-digit `exp_year`
 * kept; cardholder name and address from `billing_details` (`address.country` is alpha-2
 * already, normalised anyway); Stripe's fingerprint kept. A PaymentMethod that is not a
 * card is a GATEWAY_INVALID_REQUEST.
 */

export interface StripeAddressLike {
  line1?: string | null;
  line2?: string | null;
  city?: string | null;
  state?: string | null;
  postal_code?: string | null;
  country?: string | null;
}

/** The fields of Stripe's PaymentMethod object the mapper reads. */
export interface StripePaymentMethodLike {
  id: string;
  object?: string;
  type: string;
  customer?: string | { id: string } | null;
  billing_details?: { name?: string | null; address?: StripeAddressLike | null } | null;
  card?: {
    brand: string;
    last4: string;
    exp_month: number;
    exp_year: number;
    fingerprint?: string | null;
  } | null;
  metadata?: Record<string, string> | null;
}

export function mapStripeAddress(address: StripeAddressLike | null | undefined): GatewayAddress {
  return {
    line1: blankToNull(address?.line1),
    line2: blankToNull(address?.line2),
    city: blankToNull(address?.city),
    state: blankToNull(address?.state),
    postalCode: blankToNull(address?.postal_code),
    country: normalizeCountryToAlpha2(address?.country),
  };
}

export function mapStripePaymentMethod(pm: StripePaymentMethodLike): GatewayCard {
  const card = pm.card;
  if (pm.type !== 'card' || !card) {
    throw gatewayError(
      'invalid_request',
      `PaymentMethod '${pm.id}' is not a card (type ${String(pm.type)}).`,
    );
  }
  return {
    externalCardId: pm.id,
    externalCustomerId: idOf(pm.customer),
    cardType: cardTypeFromStripeBrand(card.brand),
    last4: card.last4,
    expMonth: card.exp_month,
    expYear: card.exp_year,
    name: blankToNull(pm.billing_details?.name),
    address: mapStripeAddress(pm.billing_details?.address),
    fingerprint: blankToNull(card.fingerprint),
    metadata: metadataOf(pm.metadata),
  };
}
