import { and, asc, eq, sql } from 'drizzle-orm';
import type { Db } from '../client.js';
import {
  auditEvents,
  customers,
  gatewayAccounts,
  gatewayCustomers,
  migrationJobItems,
  paymentMethods,
} from '../schema.js';
import { anyOf } from './any-of.js';
import type { NewAuditEvent } from './audit-events.js';
import type { CustomerFields } from './customers.js';
import type { NewMigrationItem } from './migration-jobs.js';
import type { NewPaymentMethod, PaymentMethodRow } from './payment-methods.js';
import { insertRecordset, reserveIds } from './recordset.js';

/*
 * The set-based forms of the single-row writes, for bulk jobs: one statement for a chunk's rows
 * instead of one per row, under the same locks and in the same transaction as the single-row
 * path takes them (customers by id order, gateway customers by key order, so two chunks never
 * deadlock). The rules stay the callers' (packages/api): these only read and write.
 */

export async function lockCustomersById(db: Db, tenantId: number, ids: readonly number[]): Promise<number[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .select({ id: customers.id })
    .from(customers)
    .where(and(eq(customers.tenantId, tenantId), anyOf(customers.id, ids)))
    .orderBy(asc(customers.id))
    .for('update');
  return rows.map((r) => r.id);
}

/** Customers that already have a default card, among `ids`. */
export async function customersWithDefault(
  db: Db,
  tenantId: number,
  ids: readonly number[],
): Promise<Set<number>> {
  if (ids.length === 0) return new Set();
  const rows = await db
    .select({ customerId: paymentMethods.customerId })
    .from(paymentMethods)
    .where(
      and(
        eq(paymentMethods.tenantId, tenantId),
        anyOf(paymentMethods.customerId, ids),
        eq(paymentMethods.isDefault, true),
      ),
    );
  return new Set(rows.map((r) => r.customerId));
}

export async function clearDefaultsOf(db: Db, tenantId: number, ids: readonly number[]): Promise<void> {
  if (ids.length === 0) return;
  await db
    .update(paymentMethods)
    .set({ isDefault: false })
    .where(
      and(
        eq(paymentMethods.tenantId, tenantId),
        anyOf(paymentMethods.customerId, ids),
        eq(paymentMethods.isDefault, true),
      ),
    );
}

/** The active (not deleted) payment methods holding these gateway cards on the account. */
export async function findPaymentMethodsByExternalCards(
  db: Db,
  tenantId: number,
  gatewayAccountId: number,
  externalCardIds: readonly string[],
): Promise<Map<string, PaymentMethodRow>> {
  if (externalCardIds.length === 0) return new Map();
  const rows = await db
    .select()
    .from(paymentMethods)
    .where(
      and(
        eq(paymentMethods.tenantId, tenantId),
        eq(paymentMethods.gatewayAccountId, gatewayAccountId),
        anyOf(paymentMethods.externalCardId, externalCardIds),
        // The partial index's own predicate: the planner cannot infer it from `= any(…)`.
        sql`${paymentMethods.externalCardId} is not null`,
        sql`${paymentMethods.status} <> 'deleted'`,
      ),
    );
  return new Map(rows.map((r) => [r.externalCardId!, r]));
}

export async function insertPaymentMethods(
  db: Db,
  tenantId: number,
  values: readonly NewPaymentMethod[],
): Promise<PaymentMethodRow[]> {
  if (values.length === 0) return [];
  return db
    .insert(paymentMethods)
    .values(values.map((v) => ({ ...v, tenantId })))
    .returning();
}

export async function insertAuditEvents(db: Db, events: readonly NewAuditEvent[]): Promise<void> {
  if (events.length === 0) return;
  await insertRecordset(db, auditEvents, events);
}

/** Items of changes, in their transaction: a key settled before fails the whole statement. */
export async function insertMigrationItems(
  db: Db,
  tenantId: number,
  jobId: number,
  items: readonly NewMigrationItem[],
): Promise<void> {
  if (items.length === 0) return;
  await insertRecordset(
    db,
    migrationJobItems,
    items.map((i) => ({ ...i, tenantId, jobId })),
  );
}

/** Results that changed nothing: a key settled before keeps its first result. */
export async function noteMigrationItems(
  db: Db,
  tenantId: number,
  jobId: number,
  items: readonly NewMigrationItem[],
): Promise<void> {
  if (items.length === 0) return;
  await insertRecordset(
    db,
    migrationJobItems,
    items.map((i) => ({ ...i, tenantId, jobId })),
    { onConflictDoNothing: true },
  );
}

/** Advisory locks on these gateway customers, in key order, for the rest of the transaction. */
export async function lockGatewayCustomerKeys(
  db: Db,
  tenantId: number,
  gatewayAccountId: number,
  externalCustomerIds: readonly string[],
): Promise<void> {
  const keys = [...new Set(externalCustomerIds)].sort().map((id) => `${tenantId}:${gatewayAccountId}:${id}`);
  if (keys.length === 0) return;
  // One statement, keys in order (a JSON parameter: never spliced into the SQL).
  await db.execute(
    sql`select pg_advisory_xact_lock(hashtextextended(t.k, 0))
        from jsonb_array_elements_text(${JSON.stringify(keys)}::jsonb) with ordinality as t(k, n) order by t.n`,
  );
}

/** Our customer standing for each gateway customer (the oldest link wins). */
export async function findCustomersByGatewayCustomers(
  db: Db,
  tenantId: number,
  gatewayAccountId: number,
  externalCustomerIds: readonly string[],
): Promise<Map<string, number>> {
  if (externalCustomerIds.length === 0) return new Map();
  const rows = await db
    .select({ external: gatewayCustomers.externalCustomerId, customerId: gatewayCustomers.customerId })
    .from(gatewayCustomers)
    .where(
      and(
        eq(gatewayCustomers.tenantId, tenantId),
        eq(gatewayCustomers.gatewayAccountId, gatewayAccountId),
        anyOf(gatewayCustomers.externalCustomerId, externalCustomerIds),
      ),
    )
    .orderBy(asc(gatewayCustomers.customerId));
  const found = new Map<string, number>();
  for (const r of rows) if (!found.has(r.external)) found.set(r.external, r.customerId);
  return found;
}

/** Customers by reference or e-mail (the oldest per value). */
export async function findCustomersForMatch(
  db: Db,
  tenantId: number,
  by: 'reference' | 'email',
  values: readonly string[],
): Promise<Map<string, number>> {
  if (values.length === 0) return new Map();
  const column = by === 'reference' ? customers.reference : customers.email;
  const rows = await db
    .select({ value: column, id: customers.id })
    .from(customers)
    // `is not null`: the reference index's own predicate, which `= any(…)` does not prove.
    .where(and(eq(customers.tenantId, tenantId), anyOf(column, values), sql`${column} is not null`))
    .orderBy(asc(customers.id));
  const found = new Map<string, number>();
  for (const r of rows) if (r.value !== null && !found.has(r.value)) found.set(r.value, r.id);
  return found;
}

/**
 * New customers in one statement, in the order given, each with its id: reserved first (as a
 * bulk file's cards are), so ids pair with their fields by position, not by the order a
 * RETURNING happens to give.
 */
export async function insertCustomers(
  db: Db,
  tenantId: number,
  fields: readonly CustomerFields[],
): Promise<(CustomerFields & { id: number })[]> {
  const ids = await reserveIds(db, 'customers', fields.length);
  const rows = fields.map((f, i) => ({ ...f, id: ids[i]! }));
  await insertRecordset(
    db,
    customers,
    rows.map((r) => ({ ...r, tenantId })),
    { overridingSystemValue: true },
  );
  return rows;
}

export async function rememberGatewayCustomers(
  db: Db,
  tenantId: number,
  gatewayAccountId: number,
  links: readonly { customerId: number; externalCustomerId: string }[],
): Promise<void> {
  if (links.length === 0) return;
  await insertRecordset(
    db,
    gatewayCustomers,
    links.map((l) => ({ ...l, tenantId, gatewayAccountId })),
    { onConflictDoNothing: true },
  );
}

/** For each customer, the modes (live true / test false) of the accounts its active cards are on. */
export async function gatewayModesOfCustomers(
  db: Db,
  tenantId: number,
  ids: readonly number[],
): Promise<Map<number, Set<boolean>>> {
  const modes = new Map<number, Set<boolean>>();
  if (ids.length === 0) return modes;
  const rows = await db
    .selectDistinct({
      customerId: paymentMethods.customerId,
      livemode: sql<boolean | null>`(${gatewayAccounts.config}->>'livemode')::boolean`,
    })
    .from(paymentMethods)
    .innerJoin(
      gatewayAccounts,
      and(
        eq(gatewayAccounts.tenantId, paymentMethods.tenantId),
        eq(gatewayAccounts.id, paymentMethods.gatewayAccountId),
      ),
    )
    .where(
      and(
        eq(paymentMethods.tenantId, tenantId),
        anyOf(paymentMethods.customerId, ids),
        eq(paymentMethods.status, 'active'),
      ),
    );
  for (const r of rows) {
    if (typeof r.livemode !== 'boolean') continue;
    const set = modes.get(r.customerId) ?? new Set<boolean>();
    set.add(r.livemode);
    modes.set(r.customerId, set);
  }
  return modes;
}
