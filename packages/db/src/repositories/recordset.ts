import { type Column, getTableColumns, getTableName, is, SQL, sql } from 'drizzle-orm';
import type { PgTable } from 'drizzle-orm/pg-core';
import type { Db } from '../client.js';

/**
 * Many rows in one statement with a single parameter: the rows as one JSON array, unpacked by
 * `json_populate_recordset` (json, not jsonb: parsed once, never converted). Drizzle's multi-row insert makes a parameter of every value (500
 * rows × 30 columns) and spends more CPU building it than the database spends inserting; this
 * spends one `JSON.stringify`. Values go through their column's driver mapping (timestamps),
 * jsonb values stay documents; a column a row leaves unset gets its default.
 */
export async function insertRecordset<T extends PgTable>(
  db: Db,
  table: T,
  rows: readonly Partial<T['$inferInsert']>[],
  opts: { overridingSystemValue?: boolean; onConflictDoNothing?: boolean } = {},
): Promise<void> {
  const columns = getTableColumns(table) as Record<string, Column>;
  const unset = (row: Partial<T['$inferInsert']>, key: string) =>
    (row as Record<string, unknown>)[key] === undefined;
  const keys = Object.keys(columns).filter((key) => rows.some((row) => !unset(row, key)));
  // A column some rows leave unset gets, in those, what the database would give it: null, or
  // its default value. A default the database computes (now(), a sequence) cannot be written
  // out: such rows go in statements of their own (runs in their order).
  const fillable = (column: Column) =>
    !column.hasDefault || (column.default !== undefined && !is(column.default, SQL));
  const splitBy = keys.filter((key) => !fillable(columns[key]!) && rows.some((row) => unset(row, key)));
  const filled = (row: Partial<T['$inferInsert']>) => {
    const out = { ...row } as Record<string, unknown>;
    for (const key of keys) {
      if (out[key] === undefined && fillable(columns[key]!)) out[key] = columns[key]!.default ?? null;
    }
    return out as Partial<T['$inferInsert']>;
  };
  let run: Partial<T['$inferInsert']>[] = [];
  let runKeys: string[] = [];
  for (const row of rows.map(filled)) {
    const rowKeys = keys.filter((key) => !splitBy.includes(key) || !unset(row, key));
    if (run.length > 0 && rowKeys.join() !== runKeys.join()) {
      await insertGroup(db, table, columns, runKeys, run, opts);
      run = [];
    }
    run.push(row);
    runKeys = rowKeys;
  }
  if (run.length > 0) await insertGroup(db, table, columns, runKeys, run, opts);
}

async function insertGroup<T extends PgTable>(
  db: Db,
  table: T,
  columns: Record<string, Column>,
  keys: string[],
  rows: readonly Partial<T['$inferInsert']>[],
  opts: { overridingSystemValue?: boolean; onConflictDoNothing?: boolean },
): Promise<void> {
  const json = JSON.stringify(
    rows.map((row) => {
      const record: Record<string, unknown> = {};
      for (const key of keys) {
        const column = columns[key]!;
        const value = (row as Record<string, unknown>)[key];
        record[column.name] =
          value === null ? null : column.dataType === 'json' ? value : column.mapToDriverValue(value);
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
    sql`insert into ${name} (${names}) ${opts.overridingSystemValue ? sql`overriding system value ` : sql``}select ${names} from json_populate_recordset(null::${name}, ${json}::json)${opts.onConflictDoNothing ? sql` on conflict do nothing` : sql``}`,
  );
}

/**
 * `n` ids of a table's identity column at once, taken from its sequence: rows built before
 * their insert (a number sealed for its row, a customer paired with its fields by position).
 */
export async function reserveIds(
  db: Db,
  table: 'payment_methods' | 'customers',
  n: number,
): Promise<number[]> {
  if (n === 0) return [];
  const result = await db.execute<{ id: number }>(
    sql`select nextval(pg_get_serial_sequence(${table}, 'id'))::int as id from generate_series(1, ${n})`,
  );
  const rows = (Array.isArray(result) ? result : (result as { rows: { id: number }[] }).rows) as {
    id: number;
  }[];
  return rows.map((r) => r.id);
}
