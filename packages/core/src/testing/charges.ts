import type { PaymentGateway } from '../gateway/port.js';

let seq = 0;

/** A fresh idempotency key per call, so tests of one gateway never replay each other. */
export const testIdempotencyKey = (label: string) => `test-${Date.now()}-${label}-${++seq}`;

/** A customer with a card (`tok_visa`) and a succeeded charge on it, at any gateway. */
export async function paidCharge(gw: PaymentGateway, metadata?: Record<string, string>, amountMinor = 1000) {
  const { externalCustomerId } = await gw.createCustomer({ idempotencyKey: testIdempotencyKey('cus') });
  const card = await gw.createCardFromToken({
    externalCustomerId,
    token: 'tok_visa',
    idempotencyKey: testIdempotencyKey('card'),
  });
  const charge = await gw.charge({
    externalCustomerId,
    externalCardId: card.externalCardId,
    amountMinor,
    currency: 'usd',
    idempotencyKey: testIdempotencyKey('charge'),
    ...(metadata ? { metadata } : {}),
  });
  return { customer: externalCustomerId, card, charge };
}
