import {
  alpha2FromCountryId,
  type CardWriteResult,
  type CreateCardInput,
  type Cvv,
  countryFromAlpha2,
  DomainError,
  type DuplicatePolicy,
  deriveTenantFingerprintKey,
  type Expiry,
  fingerprintPan,
  isExpired,
  notFound,
  type Pan,
  type PaymentGateway,
  parseExpiry,
  type ReplaceCreditCardInput,
  toPaymentMethodDto,
} from '@cardbridge/core';
import {
  clearDefaultPaymentMethod,
  findActiveByFingerprint,
  type GatewayAccountRow,
  insertPaymentMethod,
  type PaymentMethodRow,
  reservePaymentMethodId,
  updatePaymentMethod,
} from '@cardbridge/db';
import type { Actor } from '../actor.js';
import type { AppDeps } from '../context.js';
import { requireCustomer } from './customers.js';
import { resolveGateway } from './gateway-accounts.js';
import { addressPatch, gatewayCustomerFor, gatewayIdempotencyKey } from './gateway-cards.js';
import { insertWithDefaultRule, requireEditablePaymentMethod, withCustomerLock } from './payment-methods.js';

/*
 * The PCI path: cards from a full number. The number is sealed in our vault (AES-256-GCM,
 * bound to its row), fingerprinted with the tenant's HMAC key, and shown only masked. The CVV
 * exists in memory for the one gateway call that needs it and is never stored.
 */

interface CardHolder {
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

export function tenantFingerprint(deps: AppDeps, tenantId: number, pan: Pan): string {
  return fingerprintPan(pan, deriveTenantFingerprintKey(deps.masterKey.derive('fingerprint'), tenantId));
}

function validExpiry(deps: AppDeps, holder: CardHolder) {
  const expiry = parseExpiry(holder.expirationMonth, holder.expirationYear);
  if (isExpired(expiry, deps.clock())) throw DomainError.field('expirationYear', 'the card has expired');
  return expiry;
}

function holderColumns(holder: CardHolder) {
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

/** Applies the caller's duplicate policy; returns the duplicate found, if any. */
async function checkDuplicate(
  deps: AppDeps,
  tenantId: number,
  customerId: number,
  fingerprint: string,
  policy: DuplicatePolicy,
  exceptId?: number,
): Promise<PaymentMethodRow | undefined> {
  const duplicate = await findActiveByFingerprint(deps.db, tenantId, customerId, fingerprint, exceptId);
  if (duplicate && policy === 'reject') {
    throw new DomainError(
      'CONFLICT',
      `This card duplicates payment method ${duplicate.id} of customer ${customerId}.`,
      {
        duplicateOf: duplicate.id,
      },
    );
  }
  return duplicate;
}

interface GatewayCopy {
  account: GatewayAccountRow;
  gateway: PaymentGateway;
  externalCustomerId: string;
  externalCardId: string;
}

/** Creates the card at a gateway account (which verifies it, as Stripe does on attach). */
async function createAtGateway(
  deps: AppDeps,
  tenantId: number,
  customerId: number,
  gatewayAccountId: number | undefined,
  card: IntakeCard,
  purpose: string,
): Promise<GatewayCopy> {
  const { account, gateway } = await resolveGateway(deps, tenantId, gatewayAccountId);
  const externalCustomerId = await gatewayCustomerFor(deps, tenantId, customerId, account, gateway);
  const name = `${card.holder.firstName} ${card.holder.lastName}`.trim() || null;
  const created = await gateway.createCardFromNumber({
    externalCustomerId,
    pan: card.pan,
    ...(card.cvv ? { cvv: card.cvv } : {}),
    expMonth: card.expiry.month,
    expYear: card.expiry.year4,
    name,
    address: addressPatch({
      address1: card.holder.address1 ?? undefined,
      address2: card.holder.address2 ?? undefined,
      city: card.holder.city ?? undefined,
      postalZip: card.holder.postalZip ?? undefined,
      countryId: card.holder.countryId ?? undefined,
    }),
    metadata: { cardbridge_customer_id: String(customerId) },
    idempotencyKey: gatewayIdempotencyKey(
      purpose,
      tenantId,
      customerId,
      account.id,
      card.fingerprint,
      card.expiry.month,
      card.expiry.year4,
    ),
  });
  return { account, gateway, externalCustomerId, externalCardId: created.externalCardId };
}

/** A card number as parsed from the PCI input, with what every write of it needs. */
interface IntakeCard {
  pan: Pan;
  cvv?: Cvv;
  expiry: Expiry;
  holder: CardHolder;
  fingerprint: string;
}

function intakeCard(
  deps: AppDeps,
  tenantId: number,
  input: CardHolder & { cardNumber: Pan; cvv?: Cvv | undefined },
): IntakeCard {
  const expiry = validExpiry(deps, input);
  const fingerprint = tenantFingerprint(deps, tenantId, input.cardNumber);
  return { pan: input.cardNumber, cvv: input.cvv, expiry, holder: input, fingerprint };
}

/**
 * The columns of a new vaulted row. The number is sealed for a reserved row id before any
 * transaction opens (PGlite runs one at a time), so the row is never written half-vaulted.
 */
async function vaultedColumns(
  deps: AppDeps,
  tenantId: number,
  card: IntakeCard,
  copy: GatewayCopy | undefined,
) {
  const id = await reservePaymentMethodId(deps.db);
  const sealed = await deps.vault.sealPan(tenantId, id, card.pan);
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
    gatewayAccountId: copy?.account.id ?? null,
    externalCustomerId: copy?.externalCustomerId ?? null,
    externalCardId: copy?.externalCardId ?? null,
  };
}

/** `paymentMethods.createCard`: a card from its full number, into our vault. */
export async function createCard(
  deps: AppDeps,
  actor: Actor,
  input: CreateCardInput,
): Promise<CardWriteResult> {
  const { tenantId } = actor;
  await requireCustomer(deps.db, tenantId, input.customerId);
  const card = intakeCard(deps, tenantId, input);
  const duplicate = await checkDuplicate(
    deps,
    tenantId,
    input.customerId,
    card.fingerprint,
    input.duplicatePolicy,
  );
  if (duplicate && input.duplicatePolicy === 'return_existing') {
    return { ...toPaymentMethodDto(duplicate), duplicateOf: duplicate.id, collected: null };
  }
  const atGateway = input.verify
    ? await createAtGateway(deps, tenantId, input.customerId, input.gatewayAccountId, card, 'create-card')
    : undefined;
  const columns = await vaultedColumns(deps, tenantId, card, atGateway);
  const row = await withCustomerLock(deps.db, tenantId, input.customerId, (tx) =>
    insertWithDefaultRule(tx, tenantId, {
      ...columns,
      customerId: input.customerId,
      isDefault: input.isDefault ?? false,
    }),
  );
  return { ...toPaymentMethodDto(row), duplicateOf: duplicate?.id ?? null, collected: null };
}

/** Charges an amount on a card just created at a gateway; a decline removes that card again. */
async function collect(
  copy: GatewayCopy,
  tenantId: number,
  replacedId: number,
  options: { collectionAmount: number; currency: string },
) {
  const amountMinor = Math.round(options.collectionAmount * 100);
  const ref = { externalCustomerId: copy.externalCustomerId, externalCardId: copy.externalCardId };
  try {
    const charge = await copy.gateway.charge({
      ...ref,
      amountMinor,
      currency: options.currency,
      description: `cardbridge replace of payment method ${replacedId}`,
      metadata: { cardbridge_replaced_payment_method_id: String(replacedId) },
      idempotencyKey: gatewayIdempotencyKey(
        'replace-collect',
        tenantId,
        replacedId,
        copy.externalCardId,
        amountMinor,
      ),
    });
    return {
      amount: charge.amountMinor / 100,
      currency: charge.currency,
      chargeId: charge.chargeId,
      status: charge.status,
    };
  } catch (err) {
    // The replacement does not stand: take the unused card off the gateway again (best effort).
    await copy.gateway.deleteCard(ref).catch(() => {});
    throw err;
  }
}

/**
 * `seeds/fusebill-replace-credit-card.txt`: a NEW payment method from the full number, linked
 * to the old one by `originalPaymentMethodId`. The new row, the old one becoming `replaced`
 * and the default flag moving happen in one transaction. With `paymentCollectOptions`, the
 * amount is collected before that transaction: a decline leaves everything as it was — the
 * replacement does not stand (documented in the README).
 */
export async function replaceCreditCard(
  deps: AppDeps,
  actor: Actor,
  input: ReplaceCreditCardInput,
): Promise<CardWriteResult> {
  const { tenantId } = actor;
  const old = await requireEditablePaymentMethod(deps.db, tenantId, input.id);
  if (old.customerId !== input.customerId) throw notFound.paymentMethod(input.id);
  const card = intakeCard(deps, tenantId, input);
  const duplicate = await checkDuplicate(
    deps,
    tenantId,
    old.customerId,
    card.fingerprint,
    input.duplicatePolicy,
    old.id,
  );
  if (duplicate && input.duplicatePolicy === 'return_existing') {
    return { ...toPaymentMethodDto(duplicate), duplicateOf: duplicate.id, collected: null };
  }
  // A card that lived at a gateway is replaced there too; collecting needs one as well.
  const needsGateway = old.gatewayAccountId !== null || input.paymentCollectOptions !== undefined;
  const copy = needsGateway
    ? await createAtGateway(
        deps,
        tenantId,
        old.customerId,
        old.gatewayAccountId ?? undefined,
        card,
        `replace-${old.id}`,
      )
    : undefined;
  const collected =
    copy && input.paymentCollectOptions
      ? await collect(copy, tenantId, old.id, input.paymentCollectOptions)
      : null;
  const columns = await vaultedColumns(deps, tenantId, card, copy);
  const row = await withCustomerLock(deps.db, tenantId, old.customerId, async (tx) => {
    // Re-read under the lock: a concurrent replace or delete of the same card wins only once.
    const current = await requireEditablePaymentMethod(tx, tenantId, old.id);
    const replacement = await insertPaymentMethod(tx, tenantId, {
      ...columns,
      customerId: old.customerId,
      originalPaymentMethodId: old.id,
      state: old.state,
      email: old.email,
      isDefault: false,
    });
    await updatePaymentMethod(tx, tenantId, current.id, { status: 'replaced', isDefault: false });
    if (current.isDefault || input.isDefault) {
      await clearDefaultPaymentMethod(tx, tenantId, old.customerId);
      return (await updatePaymentMethod(tx, tenantId, replacement.id, { isDefault: true }))!;
    }
    return replacement;
  });
  return { ...toPaymentMethodDto(row), duplicateOf: duplicate?.id ?? null, collected };
}
