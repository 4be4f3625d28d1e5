import type { Db } from '@cardbridge/db';
import { insertAuditEvent, insertAuditEvents, type NewAuditEvent } from '@cardbridge/db';
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

const auditRow = (actor: Actor, event: ChangeEvent): NewAuditEvent => ({
  tenantId: actor.tenantId,
  actorKeyId: actor.keyId,
  action: event.action,
  targetType: event.targetType,
  targetId: event.targetId === null ? null : String(event.targetId),
  outcome: 'success',
  origin: actor.origin,
  details: { requestId: actor.requestId, ...event.details },
});

/**
 * Records a change in the transaction that makes it: the audit row (never card data), then the
 * actor's commit hook (the Idempotency-Key response). Call it last, inside that transaction,
 * with what the caller will receive.
 */
export async function recordChange<T>(tx: Db, actor: Actor, event: ChangeEvent, output: T): Promise<T> {
  await insertAuditEvent(tx, auditRow(actor, event));
  if (actor.onCommit) await actor.onCommit(tx, output);
  recorded.add(actor);
  return output;
}

/**
 * `recordChange` for a batch of changes made in one transaction (a job's chunk of rows): one
 * audit row per change, written in one statement, then the actor's commit hook once with the
 * batch's output.
 */
export async function recordChanges<T>(
  tx: Db,
  actor: Actor,
  events: readonly ChangeEvent[],
  output: T,
): Promise<T> {
  await insertAuditEvents(
    tx,
    events.map((event) => auditRow(actor, event)),
  );
  if (actor.onCommit) await actor.onCommit(tx, output);
  recorded.add(actor);
  return output;
}
