import type { Db } from '@cardbridge/db';
import { insertAuditEvent } from '@cardbridge/db';
import type { Actor } from '../actor.js';

/** Actors whose change was recorded in its own transaction (see `audited` in trpc.ts). */
const recorded = new WeakSet<Actor>();

export function changeWasRecorded(actor: Actor): boolean {
  return recorded.has(actor);
}

export interface ChangeEvent {
  /** The procedure-style name of the change, e.g. `paymentMethods.replaceCreditCard`. */
  action: string;
  targetType: string;
  targetId: string | number | null;
  details?: Record<string, unknown>;
}

/**
 * Records a change in the transaction that makes it: the audit row (never card data), then the
 * actor's commit hook (the Idempotency-Key response). Call it last, inside that transaction,
 * with what the caller will receive.
 */
export async function recordChange<T>(tx: Db, actor: Actor, event: ChangeEvent, output: T): Promise<T> {
  await insertAuditEvent(tx, {
    tenantId: actor.tenantId,
    actorKeyId: actor.keyId,
    action: event.action,
    targetType: event.targetType,
    targetId: event.targetId === null ? null : String(event.targetId),
    outcome: 'success',
    origin: actor.origin,
    details: { requestId: actor.requestId, ...event.details },
  });
  if (actor.onCommit) await actor.onCommit(tx, output);
  recorded.add(actor);
  return output;
}
