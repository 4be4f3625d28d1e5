import type { AppDeps } from '../../context.js';

/** An intent's gateway idempotency key: derived from our intent id, never from the inputs. */
export const intentIdempotencyKey = (intentId: string) => `cbi_${intentId}`;

/** Until when a request owns what it claims now (its intents, a card it replaces). */
export function leaseFrom(deps: AppDeps): Date {
  return new Date(deps.clock().getTime() + deps.intentLeaseMs);
}
