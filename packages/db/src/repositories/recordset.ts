import { type Column, getTableColumns, getTableName, sql } from 'drizzle-orm';
import type { PgTable } from 'drizzle-orm/pg-core';
import type { Db } from '../client.js';

/**
 * Many rows in one statement with a single parameter: the rows as one JSON array, unpacked by
 * `jsonb_populate_recordset`. Drizzle's multi-row insert makes a parameter of every value (500
 * rows × 30 columns) and spends more CPU building it than the database spends inserting; this
 * spends one `JSON.stringify`. Values go through their column's driver mapping (timestamps),
 * jsonb values stay documents; columns no row sets keep their defaults.
 */
export async function insertRecordset<T extends PgTable>(
  db: Db,
  table: T,
  rows: readonly Partial<T['$inferInsert']>[],
  opts: { overridingSystemValue?: boolean; onConflictDoNothing?: boolean } = {},
): Promise<void> {
  if (rows.length === 0) return;
  const columns = getTableColumns(table) as Record<string, Column>;
  const keys = Object.keys(columns).filter((key) =>
    rows.some((row) => (row as Record<string, unknown>)[key] !== undefined),
  );
  const json = JSON.stringify(
    rows.map((row) => {
      const record: Record<string, unknown> = {};
      for (const key of keys) {
        const column = columns[key]!;
        const value = (row as Record<string, unknown>)[key];
        record[column.name] =
          value === undefined || value === null
            ? null
            : column.dataType === 'json'
              ? value
              : column.mapToDriverValue(value);
      }
      return record;
    }),
  );
  const names = sql.join(
    keys.map((key) => sql.identifier(columns[key]!.name)),
    sql`, `,
  );
  const name = sql.identifier(getTableName(table));
  await db.execute(
    sql`insert into ${name} (${names}) ${opts.overridingSystemValue ? sql`overriding system value ` : sql``}select ${names} from jsonb_populate_recordset(null::${name}, ${json}::jsonb)${opts.onConflictDoNothing ? sql` on conflict do nothing` : sql``}`,
  );
}
