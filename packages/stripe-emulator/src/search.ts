import { invalidRequest } from './errors.js';
import { int, str } from './form.js';
import type { Json } from './objects.js';
import type { RequestContext } from './router.js';

/**
 * A small part of Stripe's Search Query Language, enough to find a charge, intent or
 * customer by metadata after an uncertain outcome: `field:'value'`,
 * `metadata['key']:'value'`, a leading `-` to negate, clauses joined by AND or by OR.
 * Fields are compared as strings with the top-level field of the object's JSON.
 */

interface Clause {
  negate: boolean;
  field: string;
  metadataKey?: string;
  value: string;
}

const CLAUSE = /^(-)?(?:metadata\[(['"])(.+?)\2\]|([a-z_]+)):(['"])(.*)\5$/;

function parseQuery(query: string): { clauses: Clause[]; any: boolean } {
  const hasAnd = /\sAND\s/.test(query);
  const hasOr = /\sOR\s/.test(query);
  if (hasAnd && hasOr) throw invalidRequest('Search queries cannot mix AND and OR.', 'query');
  const parts = query.split(hasOr ? /\s+OR\s+/ : /\s+AND\s+/);
  const clauses = parts.map((part) => {
    const m = CLAUSE.exec(part.trim());
    if (!m) throw invalidRequest(`Invalid search query: could not parse '${part.trim()}'.`, 'query');
    return {
      negate: m[1] === '-',
      field: m[3] !== undefined ? 'metadata' : (m[4] ?? ''),
      ...(m[3] !== undefined ? { metadataKey: m[3] } : {}),
      value: m[6] ?? '',
    };
  });
  return { clauses, any: hasOr };
}

function matches(item: Json, clause: Clause): boolean {
  let actual: unknown;
  if (clause.metadataKey !== undefined) {
    actual = (item.metadata as Record<string, string> | undefined)?.[clause.metadataKey];
  } else {
    actual = item[clause.field];
  }
  const hit = actual !== undefined && actual !== null && String(actual) === clause.value;
  return clause.negate ? !hit : hit;
}

export function searchResult(ctx: RequestContext, url: string, newestFirst: Json[]): Json {
  const query = str(ctx.params, 'query');
  if (!query) throw invalidRequest('Missing required param: query.', 'query', 'parameter_missing');
  const limit = int(ctx.params, 'limit') ?? 10;
  if (limit < 1 || limit > 100) throw invalidRequest('This value must be between 1 and 100.', 'limit');
  const { clauses, any } = parseQuery(query);
  const found = newestFirst.filter((item) =>
    any ? clauses.some((c) => matches(item, c)) : clauses.every((c) => matches(item, c)),
  );
  // `page` is the opaque token from `next_page`: here, the id of the last item returned.
  const after = str(ctx.params, 'page');
  const start = after ? found.findIndex((item) => item.id === after) + 1 : 0;
  const data = found.slice(start, start + limit);
  const hasMore = start + limit < found.length;
  return {
    object: 'search_result',
    data,
    has_more: hasMore,
    next_page: hasMore ? (data.at(-1)?.id ?? null) : null,
    url,
  };
}
