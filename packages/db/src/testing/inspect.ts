import { sql } from 'drizzle-orm';
import type { Db } from '../client.js';

async function rowsOf<T>(db: Db, query: ReturnType<typeof sql>): Promise<T[]> {
  const result = await db.execute(query);
  return (Array.isArray(result) ? result : (result as unknown as { rows: T[] }).rows) as T[];
}

/** Every column name of every table in the public schema (for the "no CVV column" check). */
export async function listColumnNames(db: Db): Promise<string[]> {
  const rows = await rowsOf<{ name: string }>(
    db,
    sql`select table_name || '.' || column_name as name from information_schema.columns where table_schema = 'public'`,
  );
  return rows.map((r) => r.name);
}

/** A text dump of every row of every table, to scan for card data that should not be there. */
export async function dumpAllTables(db: Db): Promise<string> {
  const tables = await rowsOf<{ name: string }>(
    db,
    sql`select table_name as name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE'`,
  );
  const parts: string[] = [];
  for (const { name } of tables) {
    const rows = await rowsOf<Record<string, unknown>>(db, sql.raw(`select * from "${name}"`));
    parts.push(`-- ${name}\n${JSON.stringify(rows)}`);
  }
  return parts.join('\n');
}

/**
 * Makes every UPDATE of `payment_methods` that sets status 'replaced' fail inside the
 * database: a real mid-transaction failure for atomicity tests, with no hook in product code.
 */
export async function failReplacedUpdates(db: Db, on: boolean): Promise<void> {
  if (on) {
    await db.execute(
      sql.raw(`create or replace function cardbridge_test_fail() returns trigger language plpgsql as $$
        begin raise exception 'injected failure'; end $$`),
    );
    await db.execute(
      sql.raw(`create trigger cardbridge_test_fail before update on payment_methods for each row
        when (new.status = 'replaced') execute function cardbridge_test_fail()`),
    );
  } else {
    await db.execute(sql.raw('drop trigger if exists cardbridge_test_fail on payment_methods'));
  }
}

/**
 * Renames a column under a running server, so its next queries of that table fail inside
 * drizzle ("Failed query: <sql> params: <values>"): a real internal error, for tests of what
 * an error answer may show, with no hook in product code.
 */
export async function renameColumn(db: Db, table: string, from: string, to: string): Promise<void> {
  const ident = (name: string) => `"${name.replaceAll('"', '""')}"`;
  await db.execute(sql.raw(`alter table ${ident(table)} rename column ${ident(from)} to ${ident(to)}`));
}
