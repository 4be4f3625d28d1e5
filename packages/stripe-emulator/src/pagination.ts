import { invalidRequest, resourceMissing } from './errors.js';
import { type FormObject, int, str } from './form.js';

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

/** Records in a Map are in insertion order; lists are newest first. */
export function newestFirst<T extends { seq: number }>(items: Iterable<T>): T[] {
  return [...items].sort((a, b) => b.seq - a.seq);
}

export function listObject(url: string, data: unknown[], hasMore: boolean): Record<string, unknown> {
  return { object: 'list', data, has_more: hasMore, url };
}
