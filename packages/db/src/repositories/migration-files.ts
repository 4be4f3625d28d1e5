import { and, asc, eq, lt, sql } from 'drizzle-orm';
import type { Db } from '../client.js';
import { migrationFileParts, migrationFiles } from '../schema.js';

export type MigrationFileRow = typeof migrationFiles.$inferSelect;
export type MigrationFilePartRow = typeof migrationFileParts.$inferSelect;

const fileOf = (tenantId: number, id: number) =>
  and(eq(migrationFiles.tenantId, tenantId), eq(migrationFiles.id, id));

export async function insertMigrationFile(
  db: Db,
  tenantId: number,
  values: { name: string; storage: MigrationFileRow['storage'] },
): Promise<MigrationFileRow> {
  const [row] = await db
    .insert(migrationFiles)
    .values({ ...values, tenantId })
    .returning();
  return row!;
}

export async function insertMigrationFilePart(
  db: Db,
  tenantId: number,
  part: { fileId: number; partNo: number; data: string; keyVersion: number | null; bytes: number },
): Promise<void> {
  const { bytes, ...values } = part;
  await db.insert(migrationFileParts).values({ ...values, tenantId });
  await db
    .update(migrationFiles)
    .set({ bytes: sql`${migrationFiles.bytes} + ${bytes}` })
    .where(fileOf(tenantId, part.fileId));
}

export async function completeMigrationFile(db: Db, tenantId: number, id: number): Promise<MigrationFileRow> {
  const [row] = await db
    .update(migrationFiles)
    .set({ complete: true })
    .where(fileOf(tenantId, id))
    .returning();
  return row!;
}

export async function getMigrationFile(
  db: Db,
  tenantId: number,
  id: number,
): Promise<MigrationFileRow | undefined> {
  const [row] = await db.select().from(migrationFiles).where(fileOf(tenantId, id));
  return row;
}

/** One part of a file, by number (parts are read one at a time: a file never sits in memory). */
export async function getMigrationFilePart(
  db: Db,
  tenantId: number,
  fileId: number,
  partNo: number,
): Promise<MigrationFilePartRow | undefined> {
  const [row] = await db
    .select()
    .from(migrationFileParts)
    .where(
      and(
        eq(migrationFileParts.tenantId, tenantId),
        eq(migrationFileParts.fileId, fileId),
        eq(migrationFileParts.partNo, partNo),
      ),
    )
    .orderBy(asc(migrationFileParts.partNo));
  return row;
}

/** A file and its parts (they go with it). */
export async function deleteMigrationFile(db: Db, tenantId: number, id: number): Promise<void> {
  await db.delete(migrationFiles).where(fileOf(tenantId, id));
}

/** Every tenant's uploads left incomplete since before `before`; returns how many went. */
export async function deleteIncompleteMigrationFiles(db: Db, before: Date): Promise<number> {
  const gone = await db
    .delete(migrationFiles)
    .where(and(eq(migrationFiles.complete, false), lt(migrationFiles.createdAt, before)))
    .returning({ id: migrationFiles.id });
  return gone.length;
}
