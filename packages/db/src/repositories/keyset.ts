import { and, asc, desc, gt, lt, type SQL, sql } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';

export interface KeysetPage {
  limit: number;
  startingAfter?: number;
  endingBefore?: number;
}

/**
 * Newest-first keyset pagination on an indexed integer id column (Stripe's semantics):
 * `startingAfter` pages towards older rows, `endingBefore` towards newer ones. One extra
 * row is fetched to learn `hasMore` without counting.
 */
export async function keysetPage<T>(
  idColumn: PgColumn,
  page: KeysetPage,
  where: SQL | undefined,
  run: (where: SQL | undefined, orderBy: SQL, limit: number) => Promise<T[]>,
): Promise<{ data: T[]; hasMore: boolean }> {
  const take = page.limit + 1;
  if (page.endingBefore !== undefined) {
    const rows = await run(and(where, gt(idColumn, page.endingBefore)), asc(idColumn), take);
    const hasMore = rows.length > page.limit;
    return { data: rows.slice(0, page.limit).reverse(), hasMore };
  }
  const cursor = page.startingAfter !== undefined ? lt(idColumn, page.startingAfter) : undefined;
  const rows = await run(and(where, cursor), desc(idColumn), take);
  return { data: rows.slice(0, page.limit), hasMore: rows.length > page.limit };
}

/** A row's place in a composite order: one value per sort column. */
export type SortKey = readonly (number | string)[];

export interface CompositeKeysetPage {
  limit: number;
  /** The sort key of the row to continue after (towards later rows). */
  startingAfter?: SortKey;
  /** The sort key of the row to continue before (towards earlier rows). */
  endingBefore?: SortKey;
}

const rowOf = (values: readonly (PgColumn | SQL | number | string)[]) =>
  sql`(${sql.join(
    values.map((v) => sql`${v}`),
    sql`, `,
  )})`;

/**
 * Keyset pagination in ascending order of several columns, the last one unique (the id), so
 * rows with equal leading values (cards expiring the same month) still page without gaps or
 * repeats. Cursors are compared as a row, `(a, b, id) > (…)`, which a btree index on those
 * columns serves as a range. Same shape and `hasMore` semantics as `keysetPage`.
 */
export async function compositeKeysetPage<T>(
  columns: readonly PgColumn[],
  page: CompositeKeysetPage,
  where: SQL | undefined,
  run: (where: SQL | undefined, orderBy: SQL[], limit: number) => Promise<T[]>,
): Promise<{ data: T[]; hasMore: boolean }> {
  const take = page.limit + 1;
  const key = rowOf(columns);
  if (page.endingBefore !== undefined) {
    const before = sql`${key} < ${rowOf(page.endingBefore)}`;
    const rows = await run(and(where, before), columns.map(desc), take);
    return { data: rows.slice(0, page.limit).reverse(), hasMore: rows.length > page.limit };
  }
  const after = page.startingAfter === undefined ? undefined : sql`${key} > ${rowOf(page.startingAfter)}`;
  const rows = await run(and(where, after), columns.map(asc), take);
  return { data: rows.slice(0, page.limit), hasMore: rows.length > page.limit };
}
