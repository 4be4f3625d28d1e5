import { DomainError, isGatewayError, type PaymentMethodExportDto } from '@cardbridge/core';
import { findLiveExport, insertExport, type PaymentMethodExportRow, updateExport } from '@cardbridge/db';
import type { Actor } from '../actor.js';
import type { AppDeps } from '../context.js';
import { requireGatewayAccount } from './gateway-accounts.js';
import { gatewayCustomerFor, gatewayIdempotencyKey } from './gateway-cards.js';
import { requireEditablePaymentMethod } from './payment-methods.js';

export const toExportDto = (r: PaymentMethodExportRow): PaymentMethodExportDto => ({
  id: r.id,
  paymentMethodId: r.paymentMethodId,
  gatewayAccountId: r.gatewayAccountId,
  status: r.status,
  externalCustomerId: r.externalCustomerId,
  externalCardId: r.externalCardId,
  error: r.error,
  createdDate: r.createdAt.toISOString(),
  modifiedDate: r.modifiedAt.toISOString(),
});

/**
 * `seeds/chargebee-export-payment-source.txt`: copies a vaulted card to another gateway
 * account of the same tenant, server to server. The copy is recorded as an alias of the same
 * payment method (a `payment_method_exports` row), not a second card: the customer still has
 * one card, one list entry and one default, now known to one more gateway.
 *
 * Exactly once: the export row is committed (`pending`) before the destination is called,
 * with a deterministic key used both as the gateway idempotency key and as card metadata. A
 * timeout leaves it `unknown`; calling export again reconciles it by looking the card up at
 * the destination — never by a second blind copy.
 */
export async function exportPaymentMethod(
  deps: AppDeps,
  actor: Actor,
  input: { id: number; gatewayAccountId: number },
): Promise<PaymentMethodExportDto> {
  const { tenantId } = actor;
  const card = await requireEditablePaymentMethod(deps.db, tenantId, input.id);
  if (!card.storedInVault || !card.panCiphertext || card.panKeyVersion === null) {
    const holder = card.gatewayAccountId !== null ? `gateway account ${card.gatewayAccountId}` : 'a gateway';
    throw new DomainError(
      'CARD_NOT_EXPORTABLE',
      `Payment method ${card.id} cannot be exported: its card number is held by ${holder}, not by cardbridge's vault.`,
    );
  }
  const destination = await requireGatewayAccount(deps.db, tenantId, input.gatewayAccountId);
  if (destination.id === card.gatewayAccountId) {
    throw DomainError.field(
      'gatewayAccountId',
      `payment method ${card.id} already lives on gateway account ${destination.id}`,
    );
  }
  const gateway = await deps.gateways.forAccount(destination);
  const exportKey = gatewayIdempotencyKey('export', tenantId, card.id, destination.id);

  let record =
    (await findLiveExport(deps.db, tenantId, card.id, destination.id)) ??
    (await insertExport(deps.db, tenantId, {
      paymentMethodId: card.id,
      gatewayAccountId: destination.id,
      exportKey,
    })) ??
    (await findLiveExport(deps.db, tenantId, card.id, destination.id))!;
  if (record.status === 'succeeded') return toExportDto(record);

  const externalCustomerId = await gatewayCustomerFor(deps, tenantId, card.customerId, destination, gateway);
  if (record.status === 'unknown' || record.status === 'pending') {
    // An earlier attempt may have reached the destination: look before copying.
    const found = await gateway.findCardByMetadata({
      externalCustomerId,
      key: 'cardbridge_export_key',
      value: record.exportKey,
    });
    if (found) {
      record = await updateExport(deps.db, tenantId, record.id, {
        status: 'succeeded',
        externalCustomerId,
        externalCardId: found.externalCardId,
        error: null,
      });
      return toExportDto(record);
    }
  }

  const pan = await deps.vault.openPan(tenantId, card.id, {
    ciphertext: card.panCiphertext,
    keyVersion: card.panKeyVersion,
  });
  try {
    const copy = await gateway.createCardFromNumber({
      externalCustomerId,
      pan,
      expMonth: card.expirationMonth,
      expYear: card.expirationYear,
      name: `${card.firstName} ${card.lastName}`.trim() || null,
      metadata: { cardbridge_export_key: record.exportKey, cardbridge_payment_method_id: String(card.id) },
      idempotencyKey: record.exportKey,
    });
    record = await updateExport(deps.db, tenantId, record.id, {
      status: 'succeeded',
      externalCustomerId,
      externalCardId: copy.externalCardId,
      error: null,
    });
    return toExportDto(record);
  } catch (err) {
    const indeterminate = isGatewayError(err, 'indeterminate');
    await updateExport(deps.db, tenantId, record.id, {
      status: indeterminate ? 'unknown' : 'failed',
      error: err instanceof Error ? err.message : String(err),
    });
    if (indeterminate) {
      throw new DomainError(
        'GATEWAY_TIMEOUT',
        `Export ${record.id} of payment method ${card.id} is UNKNOWN: the destination did not answer in time. Call export again to reconcile it.`,
        { exportId: record.id, exportStatus: 'unknown' },
      );
    }
    throw err;
  }
}
