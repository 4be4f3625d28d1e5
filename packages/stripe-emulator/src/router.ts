import type { FormObject } from './form.js';
import type { Json } from './objects.js';
import type { AccountSpace, Store } from './store.js';

/** What a handler sees: params from the query (GET/DELETE) or form body (POST), one account. */
export interface RequestContext {
  method: string;
  path: string;
  params: FormObject;
  pathParams: Readonly<Record<string, string>>;
  store: Store;
  space: AccountSpace;
  /** The secret key the request authenticated with (for Stripe's messages that mask it). */
  apiKey: string;
}

export type Handler = (ctx: RequestContext) => Json;

interface Route {
  method: string;
  pattern: string;
  segments: string[];
  handler: Handler;
}

/** `/v1/customers/:customer/sources/:id`-style patterns; the first registered match wins. */
export class Router {
  readonly #routes: Route[] = [];

  on(method: string, pattern: string, handler: Handler): this {
    this.#routes.push({ method, pattern, segments: pattern.split('/').filter(Boolean), handler });
    return this;
  }

  /** Every registered `METHOD /pattern`. */
  endpoints(): string[] {
    return this.#routes.map((r) => `${r.method} ${r.pattern}`);
  }

  match(
    method: string,
    path: string,
  ): { handler: Handler; pattern: string; pathParams: Record<string, string> } | undefined {
    const parts = path.split('/').filter(Boolean);
    for (const route of this.#routes) {
      if (route.method !== method || route.segments.length !== parts.length) continue;
      const pathParams: Record<string, string> = {};
      let ok = true;
      for (let i = 0; i < parts.length && ok; i++) {
        const want = route.segments[i] ?? '';
        const got = parts[i] ?? '';
        if (want.startsWith(':')) {
          try {
            pathParams[want.slice(1)] = decodeURIComponent(got);
          } catch {
            ok = false;
          }
        } else if (want !== got) {
          ok = false;
        }
      }
      if (ok) return { handler: route.handler, pattern: route.pattern, pathParams };
    }
    return undefined;
  }
}

/** A path param the route guarantees. */
export function pathParam(ctx: RequestContext, name: string): string {
  const value = ctx.pathParams[name];
  if (value === undefined) throw new Error(`route has no :${name}`);
  return value;
}
