import { type SQL, sql } from 'drizzle-orm';
import type { AnyPgColumn } from 'drizzle-orm/pg-core';

/**
 * `column IN (values)` with the values as one JSON parameter. Drizzle's `inArray` makes a
 * parameter of each value, and building a statement of a chunk's thousands of ids costs more
 * than running it; this is one `JSON.stringify`, unpacked by the database into the column's type.
 */
export function anyOf(column: AnyPgColumn, values: readonly (string | number)[]): SQL {
  return sql`${column} in (select t.v::${sql.raw(column.getSQLType())} from json_array_elements_text(${JSON.stringify(values)}::json) as t(v))`;
}
