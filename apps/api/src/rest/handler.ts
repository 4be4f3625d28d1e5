import type { IncomingMessage, ServerResponse } from 'node:http';
import { type AppDeps, appRouter } from '@cardbridge/api';
import { z } from 'zod';
import { createContextFactory } from '../http/context.js';
import { readJsonBody } from './body.js';
import { createCaller, type RestCaller } from './caller.js';
import { type CallInfo, RestError, toErrorResponse } from './errors.js';
import { matchBodyKeys } from './keys.js';
import { buildOpenApiDocument } from './openapi.js';
import type { AnyRestRoute, HttpMethod, RestRequest } from './routes.js';
import { restRoutes } from './routes.js';

const openApiPath = '/openapi.json';

/** Paths the REST handler answers; server.ts sends these here. */
export const isRestPath = (pathname: string) => /^\/v1\//i.test(pathname) || pathname === openApiPath;

interface CompiledRoute {
  route: AnyRestRoute;
  pattern: RegExp;
  paramNames: string[];
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** `/v1/paymentMethods/{id}/creditCard` → a case-insensitive regex with one group per parameter. */
function compileRoute(route: AnyRestRoute): CompiledRoute {
  const paramNames: string[] = [];
  const source = route.path
    .split('/')
    .map((segment) => {
      const m = /^\{([^}/]+)\}$/.exec(segment);
      if (!m) return escapeRegExp(segment);
      paramNames.push(m[1]!);
      return '([^/]+)';
    })
    .join('/');
  return { route, pattern: new RegExp(`^${source}/?$`, 'i'), paramNames };
}

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

type Match =
  | { kind: 'route'; route: AnyRestRoute; params: Record<string, string> }
  | { kind: 'method'; allow: HttpMethod[] }
  | { kind: 'none' };

function matchRoute(compiled: readonly CompiledRoute[], method: string, pathname: string): Match {
  const allow: HttpMethod[] = [];
  for (const c of compiled) {
    const m = c.pattern.exec(pathname);
    if (!m) continue;
    if (c.route.method !== method) {
      allow.push(c.route.method);
      continue;
    }
    const params = Object.fromEntries(c.paramNames.map((name, i) => [name, decode(m[i + 1]!)]));
    return { kind: 'route', route: c.route, params };
  }
  return allow.length > 0 ? { kind: 'method', allow } : { kind: 'none' };
}

/** Query string → first value per key; keys the route declares match case-insensitively. */
function queryOf(url: URL, route: AnyRestRoute): Record<string, string> {
  const declared = new Map(Object.keys(route.query ?? {}).map((k) => [k.toLowerCase(), k]));
  const query: Record<string, string> = {};
  for (const [key, value] of url.searchParams) {
    const name = declared.get(key.toLowerCase()) ?? key;
    if (!Object.hasOwn(query, name)) query[name] = value;
  }
  return query;
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(payload),
  });
  res.end(payload);
}

function procedureOf(caller: RestCaller, path: string): (input: unknown) => Promise<unknown> {
  const [namespace, name] = path.split('.') as [string, string];
  const callers = caller as unknown as Record<string, Record<string, (input: unknown) => Promise<unknown>>>;
  return callers[namespace]![name]!;
}

/** The flat `namespace.name` → procedure map (typed as the nested record in tRPC v11). */
const procedureDefs = () =>
  appRouter._def.procedures as unknown as Record<
    string,
    { _def: { type: CallInfo['type']; inputs: unknown[] } } | undefined
  >;

function procedureType(path: string): CallInfo['type'] {
  return procedureDefs()[path]?._def.type ?? 'unknown';
}

/** The procedure's input schema (its one `.input(...)`), whose keys a REST body is matched onto. */
function procedureInputSchema(path: string): z.ZodType | undefined {
  const inputs = procedureDefs()[path]?._def.inputs ?? [];
  return inputs.length === 1 && inputs[0] instanceof z.ZodType ? inputs[0] : undefined;
}

/**
 * The REST facade's request listener: `/openapi.json` and the `/v1/…` routes of the table.
 * Every answer is JSON; every error is the Fusebill envelope.
 */
export function createRestHandler(deps: AppDeps, routes: readonly AnyRestRoute[] = restRoutes) {
  for (const r of routes) {
    if (procedureType(r.procedure) === 'unknown')
      throw new Error(`REST route ${r.path}: no procedure ${r.procedure}`);
  }
  const compiled = routes.map(compileRoute);
  const bodySchemas = new Map(routes.map((r) => [r, r.bodySchema ?? procedureInputSchema(r.procedure)]));
  const createContext = createContextFactory(deps);
  let openApi: string | undefined;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = (req.method ?? 'GET').toUpperCase();
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname === openApiPath) {
      if (method !== 'GET')
        throw new RestError(405, `Method ${method} not allowed on ${openApiPath}.`, { allow: 'GET' });
      openApi ??= JSON.stringify(buildOpenApiDocument(routes));
      res.writeHead(200, {
        'content-type': 'application/json; charset=utf-8',
        'content-length': Buffer.byteLength(openApi),
      });
      res.end(openApi);
      return;
    }
    const match = matchRoute(compiled, method, url.pathname);
    if (match.kind === 'none') throw new RestError(404, `No route for ${method} ${url.pathname}.`);
    if (match.kind === 'method') {
      const allow = [...new Set(match.allow)].join(', ');
      throw new RestError(405, `Method ${method} not allowed on ${url.pathname}; allowed: ${allow}.`, {
        allow,
      });
    }
    const { route, params } = match;
    const ctx = createContext({ req, res });
    const caller = createCaller(ctx);
    const call: CallInfo = {
      ctx,
      path: route.procedure,
      type: procedureType(route.procedure),
      input: undefined,
    };
    try {
      // Fusebill clients' keys (PascalCase, extra fields) onto the procedure's, before its strict parse.
      const body = matchBodyKeys(await readJsonBody(req), bodySchemas.get(route));
      const request: RestRequest = { params, query: queryOf(url, route), body };
      await route.before?.(caller, request);
      const procedure = procedureOf(caller, route.procedure);
      const callProcedure = (input: unknown) => {
        call.input = input;
        return procedure(input);
      };
      const input = route.toInput(request);
      const headers: Record<string, string> = { 'x-request-id': ctx.requestId };
      const output = route.invoke
        ? await route.invoke({
            call: callProcedure as never,
            req: request,
            input,
            setHeader: (name, value) => {
              headers[name] = value;
            },
          })
        : await callProcedure(input);
      for (const [name, h] of Object.entries(route.responseHeaders ?? {})) {
        const value = h.value?.(output as never);
        if (value !== undefined) headers[name] = value;
      }
      const responseBody = route.toResponse ? route.toResponse(output as never) : output;
      send(res, route.successStatus ?? 200, responseBody, headers);
    } catch (err) {
      const e = toErrorResponse(err, deps, call);
      send(res, e.status, e.body, { ...e.headers, 'x-request-id': ctx.requestId });
    }
  }

  return (req: IncomingMessage, res: ServerResponse): void => {
    handle(req, res).catch((err: unknown) => {
      const e = toErrorResponse(err, deps);
      if (res.headersSent) {
        res.destroy();
        return;
      }
      send(res, e.status, e.body, e.headers);
    });
  };
}
