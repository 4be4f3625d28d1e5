import {
  DomainError,
  isGatewayError,
  type PaymentGateway,
  type PaymentMethodExportDto,
  toExportDto,
} from '@cardbridge/core';
import {
  findExportByKey,
  findLiveExport,
  getGatewayIntent,
  insertExport,
  noteGatewayIntentOutcome,
  type PaymentMethodExportRow,
  type PaymentMethodRow,
  settleGatewayIntents,
  takeStaleGatewayIntents,
  updateExport,
} from '@cardbridge/db';
import type { Actor } from '../../actor.js';
import type { AppDeps } from '../../context.js';
import { recordChange } from '../audit.js';
import { requireGatewayAccount } from '../gateway-accounts.js';
import { gatewayCustomerFor } from './gateway-customer.js';
import { GatewaySteps } from './gateway-steps.js';
import { leaseFrom } from './leases.js';
import { requireEditablePaymentMethod } from './rows.js';

/** An export's intent: its key is the intent's idempotency key (`cbi_<intent id>`). */
const intentIdOf = (exportKey: string) => (exportKey.startsWith('cbi_') ? exportKey.slice(4) : null);

export interface ExportRef {
  tenantId: number;
  exportKey: string;
  externalCustomerId: string | null;
}

/**
 * The copy arrived: the export succeeds, with its intent, in one audited transaction — once.
 * Two attempts may both find the copy (one that made it, one reconciling it meanwhile); the
 * record's lock lets the second see the first's success and return it without a second change.
 */
export async function completeExport(
  deps: AppDeps,
  actor: Actor,
  ref: ExportRef,
  externalCardId: string,
): Promise<PaymentMethodExportDto> {
  return deps.db.transaction(async (tx) => {
    const record = await findExportByKey(tx, ref.tenantId, ref.exportKey, { forUpdate: true });
    if (!record) throw new DomainError('INTERNAL', `No export with key ${ref.exportKey}.`);
    if (record.status === 'succeeded') return toExportDto(record);
    const done = await updateExport(tx, ref.tenantId, record.id, {
      status: 'succeeded',
      externalCustomerId: ref.externalCustomerId,
      externalCardId,
      error: null,
    });
    const intentId = intentIdOf(ref.exportKey);
    if (intentId) await settleGatewayIntents(tx, ref.tenantId, [intentId], 'committed');
    return recordChange(
      tx,
      actor,
      {
        action: 'paymentMethods.export',
        targetType: 'paymentMethods',
        targetId: record.paymentMethodId,
        details: { exportId: record.id, gatewayAccountId: record.gatewayAccountId },
      },
      toExportDto(done),
    );
  });
}

/** The copy did not arrive: the export fails (a later export may try again). */
export async function failExport(deps: AppDeps, ref: ExportRef, error: string): Promise<void> {
  const record = await findExportByKey(deps.db, ref.tenantId, ref.exportKey);
  if (record && record.status !== 'succeeded') {
    await updateExport(deps.db, ref.tenantId, record.id, { status: 'failed', error });
  }
}

/**
 * An earlier export to this destination that did not finish (UNKNOWN after a timeout, or
 * interrupted): take its intent over and look the copy up — never copy a second time blindly.
 * Returns the export when the copy is there, undefined when it is not (a new one may start).
 */
async function reconcile(
  deps: AppDeps,
  actor: Actor,
  record: PaymentMethodExportRow,
  gateway: PaymentGateway,
  externalCustomerId: string,
): Promise<PaymentMethodExportDto | undefined> {
  const intentId = intentIdOf(record.exportKey);
  if (intentId) {
    const taken = await takeStaleGatewayIntents(deps.db, {
      now: deps.clock(),
      leaseUntil: leaseFrom(deps),
      limit: 1,
      tenantId: actor.tenantId,
      ids: [intentId],
    });
    const intent = taken[0] ?? (await getGatewayIntent(deps.db, actor.tenantId, intentId));
    if (!taken[0] && intent?.state === 'pending') {
      throw new DomainError(
        'CONFLICT',
        `Export ${record.id} of payment method ${record.paymentMethodId} is in progress; retry once it has finished.`,
      );
    }
  }
  const ref = { tenantId: actor.tenantId, exportKey: record.exportKey, externalCustomerId };
  const found = await gateway.findCardByMetadata({
    externalCustomerId,
    key: 'cardbridge_export_key',
    value: record.exportKey,
  });
  if (found) return completeExport(deps, actor, ref, found.externalCardId);
  await failExport(deps, ref, 'the earlier attempt did not reach the destination');
  if (intentId) await settleGatewayIntents(deps.db, actor.tenantId, [intentId], 'compensated');
  return undefined;
}

/**
 * Why `card` cannot be exported to gateway account `destinationId`, in the words a request's refusal uses, or
 * null: a bulk export reports the same words per row (and its plan decides by them).
 */
export function exportRefusal(card: PaymentMethodRow, destinationId: number): DomainError | null {
  if (!card.storedInVault || !card.panCiphertext || card.panKeyVersion === null) {
    const holder = card.gatewayAccountId !== null ? `gateway account ${card.gatewayAccountId}` : 'a gateway';
    return new DomainError(
      'CARD_NOT_EXPORTABLE',
      `Payment method ${card.id} cannot be exported: its card number is held by ${holder}, not by cardbridge's vault.`,
    );
  }
  if (destinationId === card.gatewayAccountId) {
    return DomainError.field(
      'gatewayAccountId',
      `payment method ${card.id} already lives on gateway account ${destinationId}`,
    );
  }
  return null;
}

/**
 * Chargebee API "Export a payment source": copies a vaulted card to another gateway
 * account of the same tenant, server to server. The copy is recorded as an alias of the same
 * payment method (a `payment_method_exports` row), not a second card.
 *
 * Exactly once: the copy is a gateway intent whose id is the destination's idempotency key and
 * the card's `cardbridge_export_key` metadata. A timeout leaves the export UNKNOWN; calling
 * export again, or the recovery sweep, reconciles it by looking the card up at the destination.
 */
export async function exportPaymentMethod(
  deps: AppDeps,
  actor: Actor,
  input: { id: number; gatewayAccountId: number },
  opts: {
    /**
     * The destination's gateway, when the caller has its own for it: a bulk job passes its
     * throttled one (every request waits for the account's shared budget). Default: the
     * account's shared adapter.
     */
    gateway?: PaymentGateway;
  } = {},
): Promise<PaymentMethodExportDto> {
  const { tenantId } = actor;
  const card = await requireEditablePaymentMethod(deps.db, tenantId, input.id);
  // Before the destination is looked up: the card's own account is the tenant's, so the
  // order of the refusals is the one requests always saw.
  const refused = exportRefusal(card, input.gatewayAccountId);
  if (refused) throw refused;
  // exportRefusal checked these: a vaulted card has its ciphertext and key version.
  const sealed = { ciphertext: card.panCiphertext!, keyVersion: card.panKeyVersion! };
  const destination = await requireGatewayAccount(deps.db, tenantId, input.gatewayAccountId);
  const refusal = deps.gateways.capabilityRefusal(destination, 'exportTarget');
  if (refusal) throw DomainError.field('gatewayAccountId', refusal);
  const gateway = opts.gateway ?? (await deps.gateways.forAccount(destination));
  const externalCustomerId = await gatewayCustomerFor(deps, tenantId, card.customerId, destination, gateway);

  const earlier = await findLiveExport(deps.db, tenantId, card.id, destination.id);
  if (earlier?.status === 'succeeded') return toExportDto(earlier);
  if (earlier) {
    const reconciled = await reconcile(deps, actor, earlier, gateway, externalCustomerId);
    if (reconciled) return reconciled;
  }

  const steps = new GatewaySteps(deps, tenantId);
  let record: PaymentMethodExportRow | undefined;
  const target = {
    account: destination,
    gateway,
    paymentMethodId: card.id,
    customerId: card.customerId,
    externalCustomerId,
  };
  let copied = false;
  try {
    const copy = await steps.run(
      'export_card',
      target,
      async ({ idempotencyKey, metadata }) => {
        record = await insertExport(deps.db, tenantId, {
          paymentMethodId: card.id,
          gatewayAccountId: destination.id,
          exportKey: idempotencyKey,
        });
        if (!record) {
          throw new DomainError(
            'CONFLICT',
            `Payment method ${card.id} is being exported to gateway account ${destination.id} by another request.`,
          );
        }
        const pan = await deps.vault.openPan(tenantId, card.id, sealed);
        return gateway.createCardFromNumber({
          externalCustomerId,
          pan,
          expMonth: card.expirationMonth,
          expYear: card.expirationYear,
          name: `${card.firstName} ${card.lastName}`.trim() || null,
          metadata: {
            cardbridge_export_key: idempotencyKey,
            cardbridge_payment_method_id: String(card.id),
            ...metadata,
          },
          idempotencyKey,
        });
      },
      (c) => c.externalCardId,
    );
    copied = true;
    return await completeExport(
      deps,
      actor,
      { tenantId, exportKey: record!.exportKey, externalCustomerId },
      copy.externalCardId,
    );
  } catch (err) {
    if (!record) throw err;
    if (copied) {
      // The copy stands at the destination; only our record of it did not commit. Marked
      // failed, the next export would copy the card again: it stays UNKNOWN instead, its intent
      // free to be taken at once, so the next export (or the recovery sweep) finds this copy
      // by its key and completes it.
      await updateExport(deps.db, tenantId, record.id, {
        status: 'unknown',
        error: (err instanceof Error ? err.message : String(err)).slice(0, 500),
      });
      const intentId = intentIdOf(record.exportKey);
      if (intentId) await noteGatewayIntentOutcome(deps.db, tenantId, intentId, { leaseUntil: new Date(0) });
      throw err;
    }
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
