import { and, eq, inArray } from 'drizzle-orm';
import type { Db } from '../client.js';
import { paymentMethodExports } from '../schema.js';

export type PaymentMethodExportRow = typeof paymentMethodExports.$inferSelect;

export async function findLiveExport(
  db: Db,
  tenantId: number,
  paymentMethodId: number,
  gatewayAccountId: number,
): Promise<PaymentMethodExportRow | undefined> {
  const rows = await db
    .select()
    .from(paymentMethodExports)
    .where(
      and(
        eq(paymentMethodExports.tenantId, tenantId),
        eq(paymentMethodExports.paymentMethodId, paymentMethodId),
        eq(paymentMethodExports.gatewayAccountId, gatewayAccountId),
      ),
    );
  return rows.find((r) => r.status !== 'failed');
}

export async function insertExport(
  db: Db,
  tenantId: number,
  values: { paymentMethodId: number; gatewayAccountId: number; exportKey: string },
): Promise<PaymentMethodExportRow | undefined> {
  const [row] = await db
    .insert(paymentMethodExports)
    .values({ tenantId, ...values })
    .onConflictDoNothing()
    .returning();
  return row;
}

export async function updateExport(
  db: Db,
  tenantId: number,
  id: number,
  values: Partial<Pick<PaymentMethodExportRow, 'status' | 'externalCustomerId' | 'externalCardId' | 'error'>>,
): Promise<PaymentMethodExportRow> {
  const [row] = await db
    .update(paymentMethodExports)
    .set({ ...values, modifiedAt: new Date() })
    .where(and(eq(paymentMethodExports.tenantId, tenantId), eq(paymentMethodExports.id, id)))
    .returning();
  return row!;
}

export async function listExports(db: Db, tenantId: number, paymentMethodId: number) {
  return db
    .select()
    .from(paymentMethodExports)
    .where(
      and(
        eq(paymentMethodExports.tenantId, tenantId),
        eq(paymentMethodExports.paymentMethodId, paymentMethodId),
      ),
    );
}

export async function findExportByKey(
  db: Db,
  tenantId: number,
  exportKey: string,
  opts: { forUpdate?: boolean } = {},
): Promise<PaymentMethodExportRow | undefined> {
  const query = db
    .select()
    .from(paymentMethodExports)
    .where(and(eq(paymentMethodExports.tenantId, tenantId), eq(paymentMethodExports.exportKey, exportKey)));
  const [row] = opts.forUpdate ? await query.for('update') : await query;
  return row;
}

/** The finished exports (aliases) of these payment methods on one gateway account, by payment method. */
export async function succeededExportsTo(
  db: Db,
  tenantId: number,
  gatewayAccountId: number,
  paymentMethodIds: readonly number[],
): Promise<Map<number, PaymentMethodExportRow>> {
  if (paymentMethodIds.length === 0) return new Map();
  const rows = await db
    .select()
    .from(paymentMethodExports)
    .where(
      and(
        eq(paymentMethodExports.tenantId, tenantId),
        eq(paymentMethodExports.gatewayAccountId, gatewayAccountId),
        inArray(paymentMethodExports.paymentMethodId, [...paymentMethodIds]),
        eq(paymentMethodExports.status, 'succeeded'),
      ),
    );
  return new Map(rows.map((r) => [r.paymentMethodId, r]));
}
