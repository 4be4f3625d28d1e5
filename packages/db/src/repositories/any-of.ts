import { type SQL, sql } from 'drizzle-orm';
import type { AnyPgColumn } from 'drizzle-orm/pg-core';

/**
 * `column IN (values)` with the values as one JSON parameter. Drizzle's `inArray` makes a
 * parameter of each value, and building a statement of a chunk's thousands of ids costs more
 * than running it; this is one `JSON.stringify`, unpacked by the database into the column's type.
 * The planner cannot prove a partial index's `column is not null` from it: a query meant for
 * such an index says so itself.
 */
export function anyOf(column: AnyPgColumn, values: readonly (string | number)[]): SQL {
  // `= any(array(…))`: the list is built once (an init plan) and the column's index probed with
  // it; `in (select …)` would let the planner guess 100 rows and scan the table instead.
  const type = sql.raw(column.getSQLType());
  return sql`${column} = any(array(select t.v::${type} from json_array_elements_text(${JSON.stringify(values)}::json) as t(v)))`;
}
