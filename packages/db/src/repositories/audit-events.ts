import { and, desc, eq } from 'drizzle-orm';
import type { Db } from '../client.js';
import { auditEvents } from '../schema.js';

export type AuditEventRow = typeof auditEvents.$inferSelect;
export type NewAuditEvent = Omit<typeof auditEvents.$inferInsert, 'id' | 'createdAt'>;

export async function insertAuditEvent(db: Db, event: NewAuditEvent): Promise<void> {
  await db.insert(auditEvents).values(event);
}

export async function listAuditEvents(
  db: Db,
  tenantId: number,
  params: { action?: string; limit?: number } = {},
): Promise<AuditEventRow[]> {
  return db
    .select()
    .from(auditEvents)
    .where(
      and(eq(auditEvents.tenantId, tenantId), params.action ? eq(auditEvents.action, params.action) : undefined),
    )
    .orderBy(desc(auditEvents.id))
    .limit(params.limit ?? 100);
}
