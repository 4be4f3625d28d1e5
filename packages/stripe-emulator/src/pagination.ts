import type { CreatedIndex, Ordered } from './created-index.js';
import { invalidRequest, resourceMissing } from './errors.js';
import { type FormObject, int, isFormObject, str } from './form.js';

export interface PageParams {
  limit: number;
  startingAfter?: string;
  endingBefore?: string;
}

export function pageParams(params: FormObject): PageParams {
  const limit = int(params, 'limit') ?? 10;
  if (limit < 1) throw invalidRequest('This value must be greater than or equal to 1.', 'limit');
  if (limit > 100) throw invalidRequest('This value must be less than or equal to 100.', 'limit');
  const startingAfter = str(params, 'starting_after') || undefined;
  const endingBefore = str(params, 'ending_before') || undefined;
  if (startingAfter && endingBefore) {
    throw invalidRequest('You may only specify one of these parameters: ending_before, starting_after.');
  }
  return {
    limit,
    ...(startingAfter ? { startingAfter } : {}),
    ...(endingBefore ? { endingBefore } : {}),
  };
}

/**
 * Cursor pagination over a newest-first list. `ending_before` returns the `limit` items
 * just newer than the cursor, still newest first, as Stripe does.
 */
export function paginate<T extends { id: string }>(
  newestFirst: readonly T[],
  page: PageParams,
  kind: string,
): { data: T[]; has_more: boolean } {
  const { limit } = page;
  const cursor = page.startingAfter ?? page.endingBefore;
  if (cursor === undefined) {
    return { data: newestFirst.slice(0, limit), has_more: newestFirst.length > limit };
  }
  const index = newestFirst.findIndex((item) => item.id === cursor);
  if (index < 0) {
    throw resourceMissing(kind, cursor, page.startingAfter ? 'starting_after' : 'ending_before', 400);
  }
  if (page.startingAfter) {
    const rest = newestFirst.slice(index + 1);
    return { data: rest.slice(0, limit), has_more: rest.length > limit };
  }
  const start = Math.max(0, index - limit);
  return { data: newestFirst.slice(start, index), has_more: start > 0 };
}

/** Inclusive bounds in seconds from `created=<ts>` or `created[gt|gte|lt|lte]=<ts>`. */
export interface CreatedRange {
  min: number;
  max: number;
}

/** Stripe's `created` list filter; absent → undefined. */
export function createdRange(params: FormObject): CreatedRange | undefined {
  const value = params.created;
  if (value === undefined || value === '') return undefined;
  if (!isFormObject(value)) {
    const exact = int(params, 'created') as number;
    return { min: exact, max: exact };
  }
  const bound = (key: string) => int(value, key, `created[${key}]`);
  const gt = bound('gt');
  const gte = bound('gte');
  const lt = bound('lt');
  const lte = bound('lte');
  let min = Number.NEGATIVE_INFINITY;
  let max = Number.POSITIVE_INFINITY;
  if (gt !== undefined) min = Math.max(min, gt + 1);
  if (gte !== undefined) min = Math.max(min, gte);
  if (lt !== undefined) max = Math.min(max, lt - 1);
  if (lte !== undefined) max = Math.min(max, lte);
  return { min, max };
}

export interface IndexPageOptions<T> {
  /** The record a cursor names (in this account), to find its place. */
  lookup(id: string): T | undefined;
  /** For "No such customer: 'cus_…'" when a cursor is unknown. */
  kind: string;
  created?: CreatedRange | undefined;
  /** Further filters (not deleted, email); the cursor itself need not match them. */
  where?: (item: T) => boolean;
}

/**
 * One page, newest first, straight off a `CreatedIndex`: the `created` range narrows the
 * positions by binary search, then the walk stops after `limit + 1` matches.
 */
export function pageOfIndex<T extends Ordered & { id: string }>(
  index: CreatedIndex<T>,
  page: PageParams,
  options: IndexPageOptions<T>,
): { data: T[]; has_more: boolean } {
  const { limit } = page;
  const where = options.where ?? (() => true);
  let lo = 0;
  let hi = index.length; // exclusive
  if (options.created) {
    const { min, max } = options.created;
    if (min > max) return { data: [], has_more: false };
    if (Number.isFinite(min)) lo = index.firstCreatedAtOrAfter(min);
    if (Number.isFinite(max)) hi = index.firstCreatedAtOrAfter(max + 1);
  }
  const cursorId = page.startingAfter ?? page.endingBefore;
  let cursorAt: number | undefined;
  if (cursorId !== undefined) {
    const record = options.lookup(cursorId);
    cursorAt = record ? index.indexOf(record) : -1;
    if (cursorAt < 0) {
      throw resourceMissing(
        options.kind,
        cursorId,
        page.startingAfter ? 'starting_after' : 'ending_before',
        400,
      );
    }
  }

  const found: T[] = [];
  if (page.endingBefore !== undefined && cursorAt !== undefined) {
    // Newer than the cursor: walk upwards, then hand the page back newest first.
    for (let i = Math.max(cursorAt + 1, lo); i < hi && found.length <= limit; i++) {
      const item = index.at(i) as T;
      if (where(item)) found.push(item);
    }
    const hasMore = found.length > limit;
    return { data: found.slice(0, limit).reverse(), has_more: hasMore };
  }
  const start = cursorAt !== undefined ? Math.min(cursorAt, hi) - 1 : hi - 1;
  for (let i = start; i >= lo && found.length <= limit; i--) {
    const item = index.at(i) as T;
    if (where(item)) found.push(item);
  }
  const hasMore = found.length > limit;
  return { data: hasMore ? found.slice(0, limit) : found, has_more: hasMore };
}

/** Records in a Map are in insertion order; lists are newest first. */
export function newestFirst<T extends { seq: number }>(items: Iterable<T>): T[] {
  return [...items].sort((a, b) => b.seq - a.seq);
}

export function listObject(url: string, data: unknown[], hasMore: boolean): Record<string, unknown> {
  return { object: 'list', data, has_more: hasMore, url };
}
