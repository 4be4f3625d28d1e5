import {
  alpha2FromCountryId,
  type Cvv,
  countryFromAlpha2,
  DomainError,
  deriveTenantFingerprintKey,
  type Expiry,
  fingerprintPan,
  isExpired,
  type Pan,
  parseExpiry,
  type Vault,
} from '@cardbridge/core';
import { reservePaymentMethodId } from '@cardbridge/db';
import type { AppDeps } from '../../context.js';

/*
 * Intake of a full card number (the PCI path). The number is sealed in our vault (AES-256-GCM,
 * bound to its row), fingerprinted with the tenant's HMAC key and shown only masked. The CVV
 * lives in memory for the one gateway call that needs it and is never stored.
 */

export interface CardHolder {
  expirationMonth: number;
  expirationYear: number;
  firstName: string;
  lastName: string;
  address1?: string | null;
  address2?: string | null;
  countryId?: number | null;
  stateId?: number | null;
  city?: string | null;
  postalZip?: string | null;
}

/** A card number as parsed from the PCI input, with what every write of it needs. */
export interface IntakeCard {
  pan: Pan;
  cvv?: Cvv;
  expiry: Expiry;
  holder: CardHolder;
  fingerprint: string;
}

export function tenantFingerprint(deps: AppDeps, tenantId: number, pan: Pan): string {
  return fingerprintPan(pan, tenantFingerprintKey(deps, tenantId));
}

/** The tenant's fingerprint key, for a batch that fingerprints many numbers. */
export function tenantFingerprintKey(deps: AppDeps, tenantId: number) {
  return deriveTenantFingerprintKey(deps.masterKey.derive('fingerprint'), tenantId);
}

export function intakeCard(
  deps: AppDeps,
  tenantId: number,
  input: CardHolder & { cardNumber: Pan; cvv?: Cvv | undefined },
): IntakeCard {
  const expiry = parseExpiry(input.expirationMonth, input.expirationYear);
  if (isExpired(expiry, deps.clock())) throw DomainError.field('expirationYear', 'the card has expired');
  const fingerprint = tenantFingerprint(deps, tenantId, input.cardNumber);
  return { pan: input.cardNumber, cvv: input.cvv, expiry, holder: input, fingerprint };
}

export function holderColumns(holder: CardHolder) {
  const alpha2 = alpha2FromCountryId(holder.countryId);
  if (holder.countryId && !alpha2) throw DomainError.field('countryId', 'unknown ISO 3166-1 numeric code');
  const country = countryFromAlpha2(alpha2);
  return {
    firstName: holder.firstName,
    lastName: holder.lastName,
    address1: holder.address1 ?? '',
    address2: holder.address2 ?? '',
    city: holder.city ?? '',
    postalZip: holder.postalZip ?? '',
    stateId: holder.stateId ?? null,
    countryId: country?.countryId ?? null,
    country: country?.country ?? '',
  };
}

/** Where a vaulted card also lives at a gateway. */
export interface GatewayPlacement {
  gatewayAccountId: number;
  externalCustomerId: string;
  externalCardId: string;
}

/**
 * The columns of a new vaulted row. The number is sealed for a reserved row id before any
 * transaction opens (PGlite runs one at a time), so the row is never written half-vaulted.
 */
export async function vaultedColumns(
  deps: AppDeps,
  tenantId: number,
  card: IntakeCard,
  placement: GatewayPlacement | undefined,
) {
  const id = await reservePaymentMethodId(deps.db);
  return vaultedColumnsFor(deps.vault, tenantId, id, card, placement);
}

export type VaultedColumns = Awaited<ReturnType<typeof vaultedColumnsFor>>;

/** The same for a row id reserved beforehand (a batch reserves all of its ids in one query). */
export async function vaultedColumnsFor(
  vault: Vault,
  tenantId: number,
  id: number,
  card: IntakeCard,
  placement: GatewayPlacement | undefined,
) {
  const sealed = await vault.sealPan(tenantId, id, card.pan);
  return {
    id,
    panCiphertext: sealed.ciphertext,
    panKeyVersion: sealed.keyVersion,
    storedInVault: true,
    cardType: card.pan.brand,
    maskedCardNumber: card.pan.masked,
    expirationMonth: card.expiry.month,
    expirationYear: card.expiry.year4,
    ...holderColumns(card.holder),
    fingerprint: card.fingerprint,
    gatewayAccountId: placement?.gatewayAccountId ?? null,
    externalCustomerId: placement?.externalCustomerId ?? null,
    externalCardId: placement?.externalCardId ?? null,
  };
}
