import { and, desc, eq, isNull } from 'drizzle-orm';
import type { Db } from '../client.js';
import { auditEvents } from '../schema.js';

export type AuditEventRow = typeof auditEvents.$inferSelect;
export type NewAuditEvent = Omit<typeof auditEvents.$inferInsert, 'id' | 'createdAt'>;

export async function insertAuditEvent(db: Db, event: NewAuditEvent): Promise<void> {
  await db.insert(auditEvents).values(event);
}

/** A tenant's events, newest first; `tenantId: null` lists events with no tenant (failed auth). */
export async function listAuditEvents(
  db: Db,
  tenantId: number | null,
  params: { action?: string; limit?: number } = {},
): Promise<AuditEventRow[]> {
  return db
    .select()
    .from(auditEvents)
    .where(
      and(
        tenantId === null ? isNull(auditEvents.tenantId) : eq(auditEvents.tenantId, tenantId),
        params.action ? eq(auditEvents.action, params.action) : undefined,
      ),
    )
    .orderBy(desc(auditEvents.id))
    .limit(params.limit ?? 100);
}
