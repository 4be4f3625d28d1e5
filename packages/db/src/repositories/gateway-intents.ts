import { and, eq, inArray, isNull, lt, or, sql } from 'drizzle-orm';
import type { Db } from '../client.js';
import { type gatewayIntentStates, gatewayIntents, paymentMethods } from '../schema.js';

export type GatewayIntentRow = typeof gatewayIntents.$inferSelect;
export type GatewayIntentState = (typeof gatewayIntentStates)[number];
export type NewGatewayIntent = Omit<
  typeof gatewayIntents.$inferInsert,
  'id' | 'tenantId' | 'state' | 'attempts' | 'createdAt' | 'modifiedAt'
>;

const ofTenant = (tenantId: number, id: string) =>
  and(eq(gatewayIntents.tenantId, tenantId), eq(gatewayIntents.id, id));

/** Records a side effect before it happens (committed on its own, before the gateway call). */
export async function insertGatewayIntent(
  db: Db,
  tenantId: number,
  values: NewGatewayIntent,
): Promise<GatewayIntentRow> {
  const [row] = await db
    .insert(gatewayIntents)
    .values({ ...values, tenantId })
    .returning();
  return row!;
}

/** What the gateway answered, while the intent is still pending (for a faster compensation). */
export async function noteGatewayIntentOutcome(
  db: Db,
  tenantId: number,
  id: string,
  values: { externalObjectId?: string | null; lastError?: string | null; leaseUntil?: Date },
): Promise<void> {
  await db
    .update(gatewayIntents)
    .set({ ...values, attempts: sql`${gatewayIntents.attempts} + 1`, modifiedAt: new Date() })
    .where(ofTenant(tenantId, id));
}

/**
 * Moves pending intents to a final state. Only pending ones move: the number returned tells
 * the caller whether the recovery sweep got to any of them first.
 */
export async function settleGatewayIntents(
  db: Db,
  tenantId: number,
  ids: readonly string[],
  state: Exclude<GatewayIntentState, 'pending'>,
  lastError?: string,
): Promise<number> {
  if (ids.length === 0) return 0;
  const rows = await db
    .update(gatewayIntents)
    .set({ state, modifiedAt: new Date(), ...(lastError !== undefined ? { lastError } : {}) })
    .where(
      and(
        eq(gatewayIntents.tenantId, tenantId),
        inArray(gatewayIntents.id, [...ids]),
        eq(gatewayIntents.state, 'pending'),
      ),
    )
    .returning({ id: gatewayIntents.id });
  return rows.length;
}

/**
 * Takes pending intents whose lease has passed (their request died or gave up), renewing the
 * lease for the taker. SKIP LOCKED: several sweepers never take the same intent.
 */
export async function takeStaleGatewayIntents(
  db: Db,
  params: { now: Date; leaseUntil: Date; limit: number; tenantId?: number; ids?: readonly string[] },
): Promise<GatewayIntentRow[]> {
  const stale = db
    .select({ id: gatewayIntents.id })
    .from(gatewayIntents)
    .where(
      and(
        eq(gatewayIntents.state, 'pending'),
        lt(gatewayIntents.leaseUntil, params.now),
        params.tenantId === undefined ? undefined : eq(gatewayIntents.tenantId, params.tenantId),
        params.ids === undefined ? undefined : inArray(gatewayIntents.id, [...params.ids]),
      ),
    )
    .orderBy(gatewayIntents.leaseUntil)
    .limit(params.limit)
    .for('update', { skipLocked: true });
  return db
    .update(gatewayIntents)
    .set({ leaseUntil: params.leaseUntil, modifiedAt: new Date() })
    .where(inArray(gatewayIntents.id, stale))
    .returning();
}

export async function getGatewayIntent(
  db: Db,
  tenantId: number,
  id: string,
): Promise<GatewayIntentRow | undefined> {
  const [row] = await db.select().from(gatewayIntents).where(ofTenant(tenantId, id));
  return row;
}

/**
 * Claims an active payment method for one operation (a replace) until `until`. A claim whose
 * time has passed belongs to a request that died and may be taken over.
 */
export async function claimPaymentMethod(
  db: Db,
  tenantId: number,
  id: number,
  claim: { operationId: string; now: Date; until: Date },
): Promise<boolean> {
  const rows = await db
    .update(paymentMethods)
    .set({ claimOperationId: claim.operationId, claimedUntil: claim.until })
    .where(
      and(
        eq(paymentMethods.tenantId, tenantId),
        eq(paymentMethods.id, id),
        eq(paymentMethods.status, 'active'),
        or(isNull(paymentMethods.claimOperationId), lt(paymentMethods.claimedUntil, claim.now)),
      ),
    )
    .returning({ id: paymentMethods.id });
  return rows.length === 1;
}

export async function releasePaymentMethodClaim(
  db: Db,
  tenantId: number,
  id: number,
  operationId: string,
): Promise<void> {
  await db
    .update(paymentMethods)
    .set({ claimOperationId: null, claimedUntil: null })
    .where(
      and(
        eq(paymentMethods.tenantId, tenantId),
        eq(paymentMethods.id, id),
        eq(paymentMethods.claimOperationId, operationId),
      ),
    );
}
