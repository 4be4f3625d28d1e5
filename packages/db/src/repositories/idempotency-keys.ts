import { and, eq, lt } from 'drizzle-orm';
import type { Db } from '../client.js';
import { idempotencyKeys } from '../schema.js';

/*
 * Idempotency-Key records (Stripe semantics). A request claims its key before it executes and
 * holds it under a lease; it completes the record with its response, or releases (deletes) it
 * when there is nothing to replay. `leaseUntil` doubles as the owner's fencing token: a
 * takeover always sets a later lease, so a request whose lease was taken over can no longer
 * complete or release the record (every write below is conditional on it).
 *
 * Every step is a single statement, race-safe on PostgreSQL under READ COMMITTED: the insert
 * waits for a concurrent insert of the same key, and a takeover is a compare-and-swap that
 * only one of several concurrent callers can win.
 */

export type IdempotencyKeyRow = typeof idempotencyKeys.$inferSelect;

/**
 * What is stored for a completed request: its output (sealed by the caller: it may carry a
 * secret shown once), or the domain error it ended with.
 */
export type StoredIdempotentResponse =
  | { outcome: 'ok'; sealed: string }
  | { outcome: 'error'; code: string; message: string; details: Record<string, unknown> };

export interface ClaimRequest {
  tenantId: number;
  /** The stored form of the client's key (see the API's idempotency module). */
  key: string;
  requestHash: string;
  procedure: string;
  now: Date;
  leaseMs: number;
  /** Records created before this are dead: they are taken over as if absent. */
  retainedSince: Date;
}

export type ClaimResult =
  /** This request owns the key and must execute; `lease` is its fencing token. */
  | { kind: 'owned'; lease: Date; takeover: boolean }
  | { kind: 'replay'; response: StoredIdempotentResponse }
  | { kind: 'mismatch' }
  | { kind: 'in_flight' };

/** Bounded: each retry means another request changed the row in between. */
const maxClaimAttempts = 5;

const byKey = (tenantId: number, key: string) =>
  and(eq(idempotencyKeys.tenantId, tenantId), eq(idempotencyKeys.key, key));

export async function claimIdempotencyKey(db: Db, req: ClaimRequest): Promise<ClaimResult> {
  const lease = new Date(req.now.getTime() + req.leaseMs);
  const fresh = {
    requestHash: req.requestHash,
    procedure: req.procedure,
    state: 'in_flight' as const,
    response: null,
    leaseUntil: lease,
    createdAt: req.now,
  };
  for (let attempt = 0; attempt < maxClaimAttempts; attempt++) {
    const inserted = await db
      .insert(idempotencyKeys)
      .values({ tenantId: req.tenantId, key: req.key, ...fresh })
      .onConflictDoNothing()
      .returning({ tenantId: idempotencyKeys.tenantId });
    if (inserted.length > 0) return { kind: 'owned', lease, takeover: false };

    const [row] = await db.select().from(idempotencyKeys).where(byKey(req.tenantId, req.key));
    if (!row) continue; // released in between: insert again

    const expired = row.createdAt < req.retainedSince;
    const deadLease = row.state === 'in_flight' && row.leaseUntil <= req.now;
    if (!expired) {
      if (row.requestHash !== req.requestHash) return { kind: 'mismatch' };
      if (row.state === 'completed') {
        return { kind: 'replay', response: row.response as unknown as StoredIdempotentResponse };
      }
      if (!deadLease) return { kind: 'in_flight' };
    }
    // An expired record, or an in-flight one whose request died: take it over, unless someone
    // else changed the row since we read it (then look again).
    const taken = await db
      .update(idempotencyKeys)
      .set(expired ? fresh : { leaseUntil: lease })
      .where(
        and(
          byKey(req.tenantId, req.key),
          eq(idempotencyKeys.state, row.state),
          eq(idempotencyKeys.leaseUntil, row.leaseUntil),
        ),
      )
      .returning({ tenantId: idempotencyKeys.tenantId });
    if (taken.length > 0) return { kind: 'owned', lease, takeover: true };
  }
  // The row kept changing under us: some other request is working on this key right now.
  return { kind: 'in_flight' };
}

/** Only the lease holder's record, still in flight, is written. */
const owned = (tenantId: number, key: string, lease: Date) =>
  and(byKey(tenantId, key), eq(idempotencyKeys.state, 'in_flight'), eq(idempotencyKeys.leaseUntil, lease));

/**
 * Stores the response; returns false when the record is no longer this request's (completed
 * already, or taken over after the lease passed). Pass the change's transaction to make the
 * response commit with the change.
 */
export async function completeIdempotencyKey(
  db: Db,
  tenantId: number,
  key: string,
  lease: Date,
  response: StoredIdempotentResponse,
): Promise<boolean> {
  const rows = await db
    .update(idempotencyKeys)
    .set({ state: 'completed', response: response as unknown as Record<string, unknown> })
    .where(owned(tenantId, key, lease))
    .returning({ tenantId: idempotencyKeys.tenantId });
  return rows.length > 0;
}

/** Frees the key (nothing to replay: the request may be retried and will execute again). */
export async function releaseIdempotencyKey(
  db: Db,
  tenantId: number,
  key: string,
  lease: Date,
): Promise<boolean> {
  const rows = await db
    .delete(idempotencyKeys)
    .where(owned(tenantId, key, lease))
    .returning({ tenantId: idempotencyKeys.tenantId });
  return rows.length > 0;
}

/** Deletes every record created before `before`; returns how many. */
export async function purgeIdempotencyKeys(db: Db, before: Date): Promise<number> {
  const rows = await db
    .delete(idempotencyKeys)
    .where(lt(idempotencyKeys.createdAt, before))
    .returning({ tenantId: idempotencyKeys.tenantId });
  return rows.length;
}
