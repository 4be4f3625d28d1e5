import { Column, getTableColumns, getTableName, is, SQL, sql } from 'drizzle-orm';
import type { PgTable } from 'drizzle-orm/pg-core';
import type { Db } from '../client.js';
import { rowsOf } from './result-rows.js';

/** How one column of a batch is written: its database name, its driver mapping, what fills it. */
interface ColumnPlan {
  key: string;
  name: string;
  /** Its SQL type. */
  type: string;
  /** json or jsonb: its values are documents in the rows, compared and sent as JSON text. */
  json: boolean;
  /** The driver mapping (timestamps to text); null where it changes nothing (text, numbers, json). */
  map: ((value: unknown) => unknown) | null;
  /** What a row that leaves it unset gets: the database's value, or `computed` (now(), a sequence). */
  fill: { value: unknown } | 'computed';
}

function planColumns(table: PgTable, keys: readonly string[]): ColumnPlan[] {
  const columns = getTableColumns(table) as Record<string, Column>;
  return keys.map((key) => {
    const column = columns[key]!;
    const computed = column.hasDefault && (column.default === undefined || is(column.default, SQL));
    const mapsValues =
      column.dataType !== 'json' && column.mapToDriverValue !== Column.prototype.mapToDriverValue;
    return {
      key,
      name: column.name,
      type: column.getSQLType(),
      json: column.dataType === 'json',
      map: mapsValues ? (value: unknown) => column.mapToDriverValue(value) : null,
      fill: computed ? 'computed' : { value: column.default ?? null },
    };
  });
}

/**
 * A row as `json_populate_recordset` reads it, its columns by database name and driver value; a
 * column it leaves unset gets the database's value. `omitted` collects the columns whose value the
 * database computes (now(), a sequence) that the row leaves unset: they cannot be written out.
 */
function recordOf(plan: readonly ColumnPlan[], row: Record<string, unknown>, omitted?: string[]) {
  const record: Record<string, unknown> = {};
  for (const column of plan) {
    const value = row[column.key];
    if (value === undefined) {
      if (column.fill === 'computed') omitted?.push(column.key);
      else record[column.name] = column.fill.value;
    } else {
      record[column.name] = value === null || column.map === null ? value : column.map(value);
    }
  }
  return record;
}

/**
 * Many rows in one statement with a single parameter: the rows as one JSON array, unpacked by
 * `json_populate_recordset` (json, not jsonb: parsed once, never converted). Drizzle's multi-row
 * insert makes a parameter of every value (500 rows × 30 columns) and spends more CPU building it
 * than the database spends inserting; this spends one `JSON.stringify`. Values go through their
 * column's driver mapping (timestamps), jsonb values stay documents; a column a row leaves unset
 * gets its default.
 */
export async function insertRecordset<T extends PgTable>(
  db: Db,
  table: T,
  rows: readonly Partial<T['$inferInsert']>[],
  opts: { overridingSystemValue?: boolean; onConflictDoNothing?: boolean } = {},
): Promise<void> {
  if (rows.length === 0) return;
  const all = Object.keys(getTableColumns(table));
  const set = new Set<string>();
  for (const row of rows) {
    for (const key of all) if ((row as Record<string, unknown>)[key] !== undefined) set.add(key);
  }
  const plan = planColumns(
    table,
    all.filter((key) => set.has(key)),
  );
  // A row leaving unset a column the database computes goes in a statement without that column
  // (with the rows next to it that leave the same ones unset: runs keep their order).
  let run: Record<string, unknown>[] = [];
  let runOmits = '';
  for (const row of rows) {
    const omitted: string[] = [];
    const record = recordOf(plan, row as Record<string, unknown>, omitted);
    const omits = omitted.join();
    if (run.length > 0 && omits !== runOmits) {
      await insertGroup(db, table, plan, runOmits, run, opts);
      run = [];
    }
    run.push(record);
    runOmits = omits;
  }
  await insertGroup(db, table, plan, runOmits, run, opts);
}

/**
 * Rows kept as records for a later `insert … select` that reads them in the database: each
 * record has every one of `keys` (a value left unset is what the database would give it: null,
 * or the column's plain default).
 */
export function tableRecords<T extends PgTable>(
  table: T,
  keys: readonly string[],
  rows: readonly Partial<T['$inferInsert']>[],
): Record<string, unknown>[] {
  const plan = planColumns(table, keys);
  return rows.map((row) => recordOf(plan, row as Record<string, unknown>));
}

async function insertGroup<T extends PgTable>(
  db: Db,
  table: T,
  plan: readonly ColumnPlan[],
  omits: string,
  records: readonly Record<string, unknown>[],
  opts: { overridingSystemValue?: boolean; onConflictDoNothing?: boolean },
): Promise<void> {
  const omitted = new Set(omits === '' ? [] : omits.split(','));
  const columns = plan.filter((c) => !omitted.has(c.key));
  // A value every row has alike (the tenant, the job, an outcome, an audit row's details) is
  // sent once, not in each row.
  const shared = new Map<string, unknown>();
  for (const c of records.length > 1 ? columns : []) {
    // A document is sent as its JSON text; null stays SQL null (not the JSON value null).
    const text = (v: unknown) => (c.json && v !== null ? JSON.stringify(v) : v);
    const value = text(records[0]![c.name]);
    if (records.every((r) => text(r[c.name]) === value)) shared.set(c.name, value);
  }
  for (const r of shared.size > 0 ? records : []) for (const n of shared.keys()) delete r[n];
  const select = columns.map((c) =>
    shared.has(c.name)
      ? sql`cast(${shared.get(c.name)} as ${sql.raw(c.type)})`
      : sql`r.${sql.identifier(c.name)}`,
  );
  const names = sql.join(
    columns.map((c) => sql.identifier(c.name)),
    sql`, `,
  );
  const name = sql.identifier(getTableName(table));
  await db.execute(
    sql`insert into ${name} (${names}) ${opts.overridingSystemValue ? sql`overriding system value ` : sql``}select ${sql.join(select, sql`, `)} from json_populate_recordset(null::${name}, ${JSON.stringify(records)}::json) as r${opts.onConflictDoNothing ? sql` on conflict do nothing` : sql``}`,
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
  return rowsOf<{ id: number }>(result).map((r) => r.id);
}
