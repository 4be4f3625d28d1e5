/**
 * Fusebill's page-number paging (`pageSize`, `pageNumber` 0-based, and the `X-…` pagination
 * headers of developer.staxbill.com/reference/pagination) over our keyset lists.
 *
 * How a page is found — walking the keyset list through the procedure, not an OFFSET query:
 * the facade only ever calls tRPC procedures (auth, scopes, tenant isolation, customer check,
 * output validation are theirs), and the list procedure pages by cursor. A page by number is
 * built by walking that list newest-first, 100 rows a call (the procedure's maximum), keeping
 * the rows of the requested page and counting the rest for `X-MaxCount`. A customer holds a
 * handful of cards, so this is one call (one keyset query) for up to 100 cards; the cost grows
 * as ⌈cards / 100⌉ calls, each an index range scan on (tenant, customer, id desc), and each
 * charged to the key's rate limit like any call. Nothing is added to the repositories or to the
 * procedure (tRPC keeps its strict, cursor-only input), and a walk never sees a row twice:
 * the cursor is an id, so a card added mid-walk (a higher id) is simply not in this answer.
 * Pages of one client's successive requests are not a snapshot (nor are Fusebill's): a card
 * added or deleted between two requests shifts the later pages by one.
 * If customers ever hold thousands of cards, a `countPaymentMethods` + OFFSET repository
 * function behind a procedure is the drop-in replacement for `walkToPage`.
 */
import { DomainError, type FieldIssue, type Page } from '@cardbridge/core';
import { z } from 'zod';
import { toInt } from './coerce.js';
import type { ParamDoc } from './routes.js';

/** The list procedure's maximum `limit`: rows per call of the walk. */
export const walkLimit = 100;
/** Fusebill's maximum page size. */
const maxPageSize = 100;
/** Without `pageSize`, a page holds Fusebill's maximum: a client that does not page gets 100 cards. */
const defaultPageSize = 100;

const pageSizeSchema = z.number().int().min(1).max(maxPageSize).default(defaultPageSize);
const pageNumberSchema = z.number().int().min(0).max(2_147_483_647).default(0);

export const pageNumberQuery = {
  pageSize: {
    schema: pageSizeSchema,
    description: `Fusebill paging: cards per page, 1 to ${maxPageSize} (default ${defaultPageSize}).`,
  },
  pageNumber: {
    schema: pageNumberSchema,
    description:
      'Fusebill paging: the page, 0-based (default 0). A page past the end is empty, with the headers telling where the list ends.',
  },
} satisfies Record<string, ParamDoc>;

export interface PageNumberRequest {
  pageSize: number;
  pageNumber: number;
}

/** `pageSize` / `pageNumber` from the query (strings), or a 400 naming each bad one. */
export function parsePageNumberQuery(query: Record<string, string>): PageNumberRequest {
  const issues: FieldIssue[] = [];
  const field = <T>(name: string, schema: z.ZodType<T>): T | undefined => {
    const parsed = schema.safeParse(toInt(query[name]));
    if (parsed.success) return parsed.data;
    for (const i of parsed.error.issues) issues.push({ path: name, message: i.message });
    return undefined;
  };
  const pageSize = field('pageSize', pageSizeSchema);
  const pageNumber = field('pageNumber', pageNumberSchema);
  if (pageSize === undefined || pageNumber === undefined) throw DomainError.validation(issues);
  return { pageSize, pageNumber };
}

/**
 * The rows of page `pageNumber` (0-based) and the list's total, walking the keyset list from
 * `first` (the list's first `walkLimit` rows) with `next(startingAfter)`.
 */
export async function walkToPage<T extends { id: number }>(
  first: Page<T>,
  next: (startingAfter: number) => Promise<Page<T>>,
  { pageSize, pageNumber }: PageNumberRequest,
): Promise<{ data: T[]; total: number }> {
  const from = pageNumber * pageSize;
  const to = from + pageSize;
  const data: T[] = [];
  let total = 0;
  let page = first;
  for (;;) {
    for (const row of page.data) {
      if (total >= from && total < to) data.push(row);
      total += 1;
    }
    const last = page.data.at(-1);
    if (!page.hasMore || !last) return { data, total };
    page = await next(last.id);
  }
}

/** What Fusebill's pagination headers say about one page. */
export interface PageNumberInfo {
  pageNumber: number;
  pageSize: number;
  /** Rows on this page. */
  count: number;
  /** Rows in the whole list. */
  total: number;
}

/** The last page's index: 0 for an empty list (page 0 exists, empty). */
const maxPageIndexOf = ({ total, pageSize }: Pick<PageNumberInfo, 'total' | 'pageSize'>) =>
  Math.max(0, Math.ceil(total / pageSize) - 1);

const sortOrder = 'Descending';
const sortExpression = 'id';

/**
 * Fusebill's pagination headers. `X-NextPage` and `X-PreviousPage` are -1 when there is no such
 * page; past the end, `X-PreviousPage` is the last page that has rows (not the empty page
 * just before), so a client walking back lands on data.
 */
export function pageNumberHeaders(info: PageNumberInfo): Record<string, string> {
  const maxPageIndex = maxPageIndexOf(info);
  const nextPage = info.pageNumber < maxPageIndex ? info.pageNumber + 1 : -1;
  const previousPage = info.pageNumber > 0 ? Math.min(info.pageNumber - 1, maxPageIndex) : -1;
  return {
    'X-CurrentPage': String(info.pageNumber),
    'X-PageSize': String(info.pageSize),
    'X-NextPage': String(nextPage),
    'X-PreviousPage': String(previousPage),
    'X-MaxPageIndex': String(maxPageIndex),
    'X-Count': String(info.count),
    'X-MaxCount': String(info.total),
    'X-SortOrder': sortOrder,
    'X-SortExpression': sortExpression,
  };
}

/** The headers above, for /openapi.json. */
export const pageNumberHeaderDocs: Record<string, string> = {
  'X-CurrentPage': 'Page-number paging: this page (0-based).',
  'X-PageSize': 'Page-number paging: the page size used.',
  'X-NextPage': 'Page-number paging: the next page, or -1 on the last page.',
  'X-PreviousPage':
    'Page-number paging: the previous page, or -1 on the first (past the end: the last page with rows).',
  'X-MaxPageIndex': 'Page-number paging: the last page (0-based; 0 for an empty list).',
  'X-Count': 'Page-number paging: the cards on this page.',
  'X-MaxCount': 'Page-number paging: the cards in the whole list.',
  'X-SortOrder': `Page-number paging: always \`${sortOrder}\` (newest first).`,
  'X-SortExpression': `Page-number paging: always \`${sortExpression}\`.`,
};
