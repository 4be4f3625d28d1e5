import { and, asc, desc, gt, lt, type SQL } from 'drizzle-orm';
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
