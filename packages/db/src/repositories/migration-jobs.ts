import { and, asc, eq, getTableColumns, gt, inArray, sql } from 'drizzle-orm';
import type { Db } from '../client.js';
import { migrationJobChunks, migrationJobItems, migrationJobs, paymentMethods } from '../schema.js';
import { anyOf } from './any-of.js';
import { findCustomersForMatch, insertMigrationItems, noteMigrationItems } from './bulk-writes.js';
import { type KeysetPage, keysetPage } from './keyset.js';

export type MigrationJobRow = typeof migrationJobs.$inferSelect;
/** A chunk as its worker reads it: its staged records stay in the database (`records`). */
export type MigrationChunkRow = Omit<typeof migrationJobChunks.$inferSelect, 'records'>;
export type MigrationItemRow = typeof migrationJobItems.$inferSelect;
export type NewMigrationItem = Omit<
  typeof migrationJobItems.$inferInsert,
  'tenantId' | 'jobId' | 'seq' | 'createdAt'
>;

const jobOf = (tenantId: number, id: number) =>
  and(eq(migrationJobs.tenantId, tenantId), eq(migrationJobs.id, id));
const chunkOf = (tenantId: number, jobId: number, chunkNo: number) =>
  and(
    eq(migrationJobChunks.tenantId, tenantId),
    eq(migrationJobChunks.jobId, jobId),
    eq(migrationJobChunks.chunkNo, chunkNo),
  );
const pendingChunksOf = (tenantId: number, jobId: number) =>
  and(
    eq(migrationJobChunks.tenantId, tenantId),
    eq(migrationJobChunks.jobId, jobId),
    eq(migrationJobChunks.status, 'pending'),
  );

export async function insertMigrationJob(
  db: Db,
  tenantId: number,
  values: Omit<typeof migrationJobs.$inferInsert, 'id' | 'tenantId' | 'createdAt' | 'modifiedAt'>,
): Promise<MigrationJobRow> {
  const [row] = await db
    .insert(migrationJobs)
    .values({ ...values, tenantId })
    .returning();
  return row!;
}

export async function getMigrationJob(
  db: Db,
  tenantId: number,
  id: number,
): Promise<MigrationJobRow | undefined> {
  const [row] = await db.select().from(migrationJobs).where(jobOf(tenantId, id));
  return row;
}

/** Locks the job row for a status change (workers and controls serialize on it). */
export async function lockMigrationJob(
  db: Db,
  tenantId: number,
  id: number,
): Promise<MigrationJobRow | undefined> {
  const [row] = await db.select().from(migrationJobs).where(jobOf(tenantId, id)).for('update');
  return row;
}

export async function listMigrationJobs(db: Db, tenantId: number, page: KeysetPage) {
  return keysetPage(migrationJobs.id, page, eq(migrationJobs.tenantId, tenantId), (where, orderBy, limit) =>
    db.select().from(migrationJobs).where(where).orderBy(orderBy).limit(limit),
  );
}

export async function updateMigrationJob(
  db: Db,
  tenantId: number,
  id: number,
  patch: Partial<Omit<typeof migrationJobs.$inferInsert, 'id' | 'tenantId'>>,
): Promise<MigrationJobRow | undefined> {
  const [row] = await db
    .update(migrationJobs)
    .set({ ...patch, modifiedAt: new Date() })
    .where(jobOf(tenantId, id))
    .returning();
  return row;
}

/**
 * A queued job's first task starts it: queued becomes running. A job paused or cancelled since a
 * worker read it stays so (undefined): the status moves only from the one the worker saw.
 */
export async function startMigrationJob(
  db: Db,
  tenantId: number,
  id: number,
): Promise<MigrationJobRow | undefined> {
  const [row] = await db
    .update(migrationJobs)
    .set({ status: 'running', startedAt: new Date(), modifiedAt: new Date() })
    .where(and(jobOf(tenantId, id), eq(migrationJobs.status, 'queued')))
    .returning();
  return row;
}

/** A job that cannot go on fails with `error`; one cancelled or finished meanwhile stays so. */
export async function failMigrationJob(db: Db, tenantId: number, id: number, error: string): Promise<void> {
  await db
    .update(migrationJobs)
    .set({ status: 'failed', error, finishedAt: new Date(), modifiedAt: new Date() })
    .where(and(jobOf(tenantId, id), inArray(migrationJobs.status, ['queued', 'running', 'paused'])));
}

/** Counts requests made on the job's behalf (the rate figures of progress). */
export async function addMigrationJobRequests(
  db: Db,
  tenantId: number,
  id: number,
  n: number,
): Promise<void> {
  await db
    .update(migrationJobs)
    .set({ requests: sql`${migrationJobs.requests} + ${n}` })
    .where(jobOf(tenantId, id));
}

/**
 * Writes a chunk of the source and moves the job's checkpoint past it, in the caller's
 * transaction: a crash either keeps both or neither. A chunk written before is left alone.
 */
export async function insertMigrationChunk(
  db: Db,
  tenantId: number,
  jobId: number,
  chunk: { chunkNo: number; payload: unknown; rows: number; records?: unknown[] },
  checkpoint: Record<string, unknown>,
): Promise<boolean> {
  const inserted = await db
    .insert(migrationJobChunks)
    .values({ tenantId, jobId, ...chunk })
    .onConflictDoNothing()
    .returning({ chunkNo: migrationJobChunks.chunkNo });
  await db
    .update(migrationJobs)
    .set({
      checkpoint,
      ...(inserted.length > 0 ? { total: sql`${migrationJobs.total} + ${chunk.rows}` } : {}),
      modifiedAt: new Date(),
    })
    .where(jobOf(tenantId, jobId));
  return inserted.length > 0;
}

/**
 * The next chunk number of a job whose readers append at once (listing windows): taken from the
 * job's counter in a statement of its own, so the job's row is locked only for that moment and
 * not while a reader writes its chunk. A number whose chunk then fails to commit is skipped;
 * nothing needs them dense.
 */
export async function reserveMigrationChunkNo(db: Db, tenantId: number, jobId: number): Promise<number> {
  const [row] = await db
    .update(migrationJobs)
    .set({
      checkpoint: sql`jsonb_set(${migrationJobs.checkpoint}, '{nextChunk}', to_jsonb(coalesce((${migrationJobs.checkpoint}->>'nextChunk')::int, 0) + 1))`,
    })
    .where(jobOf(tenantId, jobId))
    .returning({ next: sql<number>`(${migrationJobs.checkpoint}->>'nextChunk')::int` });
  return Number(row!.next) - 1;
}

/**
 * Appends a chunk (numbered by `reserveMigrationChunkNo`) for one of several readers: `patch`
 * is merged into the checkpoint key by key, so concurrent readers never overwrite each other's
 * place; the job's row is locked only by that last statement.
 */
export async function appendMigrationChunk(
  db: Db,
  tenantId: number,
  jobId: number,
  chunk: { chunkNo: number; payload: unknown; rows: number },
  patch: Record<string, unknown>,
): Promise<void> {
  await db.insert(migrationJobChunks).values({ tenantId, jobId, ...chunk });
  await db
    .update(migrationJobs)
    .set({
      checkpoint: sql`${migrationJobs.checkpoint} || ${JSON.stringify(patch)}::jsonb`,
      total: sql`${migrationJobs.total} + ${chunk.rows}`,
      modifiedAt: new Date(),
    })
    .where(jobOf(tenantId, jobId));
}

/** Merges `patch` into the job's checkpoint, key by key. */
export async function patchMigrationCheckpoint(
  db: Db,
  tenantId: number,
  jobId: number,
  patch: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  const [row] = await db
    .update(migrationJobs)
    .set({
      checkpoint: sql`${migrationJobs.checkpoint} || ${JSON.stringify(patch)}::jsonb`,
      modifiedAt: new Date(),
    })
    .where(jobOf(tenantId, jobId))
    .returning({ checkpoint: migrationJobs.checkpoint });
  return row?.checkpoint ?? {};
}

const { records: _staged, ...chunkColumnsRead } = getTableColumns(migrationJobChunks);

export async function getMigrationChunk(
  db: Db,
  tenantId: number,
  jobId: number,
  chunkNo: number,
): Promise<MigrationChunkRow | undefined> {
  const [row] = await db
    .select(chunkColumnsRead)
    .from(migrationJobChunks)
    .where(chunkOf(tenantId, jobId, chunkNo));
  return row;
}

/**
 * A chunk turned out to hold more rows than its page showed (cards listed only when its rows
 * were done): the chunk and the job's total grow by the difference, once however often it runs.
 */
export async function growMigrationChunkRows(
  db: Db,
  tenantId: number,
  jobId: number,
  chunkNo: number,
  rows: number,
): Promise<void> {
  await db.transaction(async (tx) => {
    const where = chunkOf(tenantId, jobId, chunkNo);
    const [chunk] = await tx
      .select({ rows: migrationJobChunks.rows })
      .from(migrationJobChunks)
      .where(where)
      .for('update');
    if (!chunk || chunk.rows >= rows) return;
    await tx.update(migrationJobChunks).set({ rows }).where(where);
    await tx
      .update(migrationJobs)
      .set({ total: sql`${migrationJobs.total} + ${rows - chunk.rows}` })
      .where(jobOf(tenantId, jobId));
  });
}

export async function noteMigrationChunkAttempt(db: Db, tenantId: number, jobId: number, chunkNo: number) {
  await db
    .update(migrationJobChunks)
    .set({ attempts: sql`${migrationJobChunks.attempts} + 1` })
    .where(chunkOf(tenantId, jobId, chunkNo));
}

export async function finishMigrationChunk(
  db: Db,
  tenantId: number,
  jobId: number,
  chunkNo: number,
  status: 'done' | 'cancelled' = 'done',
): Promise<void> {
  // A finished chunk's work is in its items: its payload (a page of the source) and staged
  // records are let go.
  await db
    .update(migrationJobChunks)
    .set({ status, doneAt: new Date(), payload: sql`'null'::json`, records: null })
    .where(and(chunkOf(tenantId, jobId, chunkNo), eq(migrationJobChunks.status, 'pending')));
}

/**
 * Forgets every chunk of a job whose source turned out unreadable (a file that failed its
 * integrity check at the end): the staged rows go, and the job's total and checkpoint with them.
 */
export async function discardMigrationChunks(db: Db, tenantId: number, jobId: number): Promise<void> {
  await db
    .delete(migrationJobChunks)
    .where(and(eq(migrationJobChunks.tenantId, tenantId), eq(migrationJobChunks.jobId, jobId)));
  await db
    .update(migrationJobs)
    .set({ total: 0, checkpoint: {}, modifiedAt: new Date() })
    .where(jobOf(tenantId, jobId));
}

export async function pendingMigrationChunks(db: Db, tenantId: number, jobId: number): Promise<number[]> {
  const rows = await db
    .select({ chunkNo: migrationJobChunks.chunkNo })
    .from(migrationJobChunks)
    .where(pendingChunksOf(tenantId, jobId))
    .orderBy(asc(migrationJobChunks.chunkNo));
  return rows.map((r) => r.chunkNo);
}

export async function cancelPendingMigrationChunks(db: Db, tenantId: number, jobId: number): Promise<void> {
  await db
    .update(migrationJobChunks)
    .set({ status: 'cancelled', doneAt: new Date() })
    .where(pendingChunksOf(tenantId, jobId));
}

/**
 * One source row's result, in the transaction of the change it reports: a second attempt at
 * the same row (a retried chunk, a second worker) fails on the key and rolls its change back.
 */
export async function insertMigrationItem(
  db: Db,
  tenantId: number,
  jobId: number,
  item: NewMigrationItem,
): Promise<void> {
  await insertMigrationItems(db, tenantId, jobId, [item]);
}

/**
 * A row's result, in the transaction of a change that cannot be rolled back by its report: an
 * export whose copy already stands at the gateway. The change's result replaces whatever an
 * earlier attempt noted for the row (a job still has one item per row), where
 * `insertMigrationItem` would fail and take the change down with it.
 */
export async function putMigrationItem(
  db: Db,
  tenantId: number,
  jobId: number,
  item: NewMigrationItem,
): Promise<void> {
  const { itemKey: _key, ...rest } = item;
  await db
    .insert(migrationJobItems)
    .values({ ...item, tenantId, jobId })
    .onConflictDoUpdate({
      target: [migrationJobItems.jobId, migrationJobItems.itemKey],
      set: {
        chunkNo: null,
        position: null,
        sourceCustomerId: null,
        sourceCardId: null,
        reason: null,
        customerId: null,
        paymentMethodId: null,
        customerCreated: false,
        details: null,
        ...rest,
      },
    });
}

/** A result that changed nothing (unchanged, skipped, failed): a repeat keeps the first. */
export async function noteMigrationItem(
  db: Db,
  tenantId: number,
  jobId: number,
  item: NewMigrationItem,
): Promise<void> {
  await noteMigrationItems(db, tenantId, jobId, [item]);
}

/** Which of these item keys the job has already settled. */
export async function settledMigrationItems(
  db: Db,
  tenantId: number,
  jobId: number,
  keys: readonly string[],
): Promise<Map<string, MigrationItemRow>> {
  if (keys.length === 0) return new Map();
  const rows = await db
    .select()
    .from(migrationJobItems)
    .where(
      and(
        eq(migrationJobItems.tenantId, tenantId),
        eq(migrationJobItems.jobId, jobId),
        anyOf(migrationJobItems.itemKey, keys),
      ),
    );
  return new Map(rows.map((r) => [r.itemKey, r]));
}

export async function countMigrationItems(
  db: Db,
  tenantId: number,
  jobId: number,
): Promise<Record<string, number>> {
  const rows = await db
    .select({ outcome: migrationJobItems.outcome, n: sql<number>`count(*)::int` })
    .from(migrationJobItems)
    .where(and(eq(migrationJobItems.tenantId, tenantId), eq(migrationJobItems.jobId, jobId)))
    .groupBy(migrationJobItems.outcome);
  return Object.fromEntries(rows.map((r) => [r.outcome, Number(r.n)]));
}

/** The per-row report in source order, a page at a time. */
export async function listMigrationItems(
  db: Db,
  tenantId: number,
  jobId: number,
  page: { afterSeq?: number; limit: number; outcome?: MigrationItemRow['outcome'] },
): Promise<MigrationItemRow[]> {
  return db
    .select()
    .from(migrationJobItems)
    .where(
      and(
        eq(migrationJobItems.tenantId, tenantId),
        eq(migrationJobItems.jobId, jobId),
        page.afterSeq !== undefined ? gt(migrationJobItems.seq, page.afterSeq) : undefined,
        page.outcome !== undefined ? eq(migrationJobItems.outcome, page.outcome) : undefined,
      ),
    )
    .orderBy(asc(migrationJobItems.seq))
    .limit(page.limit);
}

/** Active cards of an account the job did not see at the gateway (sync: deleted there). */
export async function paymentMethodsNotSeenByJob(
  db: Db,
  tenantId: number,
  gatewayAccountId: number,
  jobId: number,
  limit: number,
) {
  return db
    .select()
    .from(paymentMethods)
    .where(
      and(
        eq(paymentMethods.tenantId, tenantId),
        eq(paymentMethods.gatewayAccountId, gatewayAccountId),
        eq(paymentMethods.status, 'active'),
        sql`${paymentMethods.externalCardId} is not null`,
        sql`not exists (select 1 from ${migrationJobItems} i where i.job_id = ${jobId} and i.source_card_id = ${paymentMethods.externalCardId})`,
      ),
    )
    .orderBy(asc(paymentMethods.id))
    .limit(limit);
}

/** A customer of the tenant by its reference, or the oldest one with this e-mail. */
export async function findCustomerForMatch(
  db: Db,
  tenantId: number,
  by: 'reference' | 'email',
  value: string,
): Promise<number | undefined> {
  return (await findCustomersForMatch(db, tenantId, by, [value])).get(value);
}

/** Jobs a crash may have left without queued work: not finished, in any tenant. */
export async function unfinishedMigrationJobs(db: Db): Promise<MigrationJobRow[]> {
  return db
    .select()
    .from(migrationJobs)
    .where(inArray(migrationJobs.status, ['queued', 'running']))
    .orderBy(asc(migrationJobs.id));
}

/**
 * Fresh planner statistics for the tables a migration fills. A bulk import grows them faster
 * than autovacuum analyzes them (it waits a minute and for 10 % more rows), and a table last
 * analyzed empty makes every `tenant_id = …` look like a few rows: the planner then scans an
 * account's cards once per looked-up id instead of probing the index with each.
 */
export async function refreshMigrationStatistics(db: Db): Promise<void> {
  await db.execute(sql`analyze payment_methods, customers, gateway_customers`);
}
