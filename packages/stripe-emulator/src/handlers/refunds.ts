import { invalidRequest, missingParam, resourceMissing } from '../errors.js';
import { applyMetadata, int, str } from '../form.js';
import { nowSeconds } from '../ids.js';
import { formatAmount } from '../money.js';
import { type Json, refundJson } from '../objects.js';
import { listObject, newestFirst, pageParams, paginate } from '../pagination.js';
import { pathParam, type RequestContext } from '../router.js';
import type { RefundReason, RefundRecord } from '../store.js';

/**
 * /v1/refunds: refund a charge of the caller's account, in full (default: what is left)
 * or in part. Card refunds succeed at once. A charge refunded in full answers Stripe's
 * `charge_already_refunded`; a charge of another account (or none) is
 * `No such charge: 'ch_…'`. Idempotency and Connect isolation come from the server
 * front, as for every POST.
 */

const REASONS: readonly RefundReason[] = ['duplicate', 'fraudulent', 'requested_by_customer'];

function reasonParam(ctx: RequestContext): RefundReason | null {
  const reason = str(ctx.params, 'reason');
  if (reason === undefined || reason === '') return null;
  if (!(REASONS as readonly string[]).includes(reason)) {
    throw invalidRequest(
      `Invalid reason: must be one of ${REASONS.slice(0, -1).join(', ')}, or ${REASONS.at(-1)}`,
      'reason',
    );
  }
  return reason as RefundReason;
}

export function createRefund(ctx: RequestContext): Json {
  const { params, space } = ctx;
  const chargeId = str(params, 'charge');
  if (!chargeId) throw missingParam('charge');
  const charge = space.charges.get(chargeId);
  if (!charge) throw resourceMissing('charge', chargeId, 'charge', 400);
  if (charge.failure) {
    throw invalidRequest(`Charge ${charge.id} has failed and cannot be refunded.`, 'charge');
  }
  const remaining = charge.amount - charge.amount_refunded;
  if (remaining <= 0) {
    throw invalidRequest(
      `Charge ${charge.id} has already been refunded.`,
      'charge',
      'charge_already_refunded',
    );
  }
  const requested = int(params, 'amount');
  if (requested !== undefined && requested < 1) {
    throw invalidRequest('This value must be greater than or equal to 1.', 'amount');
  }
  if (requested !== undefined && requested > remaining) {
    throw invalidRequest(
      `Refund amount (${formatAmount(requested, charge.currency)}) is greater than unrefunded amount on charge (${formatAmount(remaining, charge.currency)})`,
      'amount',
    );
  }
  const reason = reasonParam(ctx);
  const metadata = applyMetadata({}, params);
  const refund: RefundRecord = {
    id: ctx.store.newId('re'),
    seq: ctx.store.nextSeq(),
    created: nowSeconds(),
    amount: requested ?? remaining,
    charge: charge.id,
    currency: charge.currency,
    metadata,
    payment_intent: charge.payment_intent,
    reason,
    status: 'succeeded',
  };
  space.refunds.set(refund.id, refund);
  charge.amount_refunded += refund.amount;
  return refundJson(refund);
}

export function retrieveRefund(ctx: RequestContext): Json {
  const id = pathParam(ctx, 'refund');
  const refund = ctx.space.refunds.get(id);
  if (!refund) throw resourceMissing('refund', id, 'id');
  return refundJson(refund);
}

/** Newest first; `charge=` and `payment_intent=` filter. */
export function listRefunds(ctx: RequestContext): Json {
  const page = pageParams(ctx.params);
  const charge = str(ctx.params, 'charge');
  const intent = str(ctx.params, 'payment_intent');
  const refunds = newestFirst(ctx.space.refunds.values()).filter(
    (r) => (!charge || r.charge === charge) && (!intent || r.payment_intent === intent),
  );
  const { data, has_more } = paginate(refunds, page, 'refund');
  return listObject('/v1/refunds', data.map(refundJson), has_more);
}
