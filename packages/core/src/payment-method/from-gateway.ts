import { maskFromLast4, typicalPanLength } from '../card/index.js';
import { countryFromAlpha2 } from '../countries.js';
import type { GatewayCard } from '../gateway/port.js';

/** "Jenny Rosen" → Jenny / Rosen; "Ana María de la Cruz" → Ana / María de la Cruz. */
export function splitName(name: string | null): { firstName: string; lastName: string } {
  const parts = (name ?? '').trim().split(/\s+/).filter(Boolean);
  return { firstName: parts[0] ?? '', lastName: parts.slice(1).join(' ') };
}

/**
 * The card fields of a payment method from what a gateway holds: references only, never a
 * number (docs/architecture.md, "What card data and its owners are owed": Card data). Expiry stays four-digit here; the DTO makes it YY.
 */
export function paymentMethodFieldsFromGatewayCard(card: GatewayCard) {
  const country = countryFromAlpha2(card.address.country);
  return {
    cardType: card.cardType ?? 'Unknown',
    maskedCardNumber: maskFromLast4(card.last4, typicalPanLength(card.cardType)),
    expirationMonth: card.expMonth,
    expirationYear: card.expYear,
    ...splitName(card.name),
    address1: card.address.line1 ?? '',
    address2: card.address.line2 ?? '',
    city: card.address.city ?? '',
    state: card.address.state ?? '',
    stateId: null,
    postalZip: card.address.postalCode ?? '',
    countryId: country?.countryId ?? null,
    country: country?.country ?? '',
    fingerprint: card.fingerprint,
    externalCardId: card.externalCardId,
    externalCustomerId: card.externalCustomerId,
    storedInVault: false,
  };
}
