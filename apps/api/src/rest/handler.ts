import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { type AppDeps, appRouter, maxMigrationFileBytes } from '@cardbridge/api';
import { z } from 'zod';
import { createContextFactory } from '../http/context.js';
import { readJsonBody } from './body.js';
import { createCaller, type RestCaller } from './caller.js';
import { type CallInfo, RestError, toErrorResponse } from './errors.js';
import { matchBodyKeys } from './keys.js';
import { buildOpenApiDocument } from './openapi.js';
import type { AnyRestRoute, HttpMethod, ParamDoc, RestRequest } from './routes.js';
import { restRoutes } from './routes.js';
import {
  closeRatherThanDrain,
  type StreamAnswer,
  type StreamLimits,
  type StreamRoute,
  streamRoutes,
} from './stream-routes.js';

const openApiPath = '/openapi.json';

/** Paths the REST handler answers; server.ts sends these here. */
export const isRestPath = (pathname: string) => /^\/v1\//i.test(pathname) || pathname === openApiPath;

/** A route of either table: a procedure's (routes.ts) or a stream's (stream-routes.ts). */
type Routed = { kind: 'procedure'; route: AnyRestRoute } | { kind: 'stream'; route: StreamRoute };

interface CompiledRoute {
  routed: Routed;
  pattern: RegExp;
  paramNames: string[];
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** `/v1/paymentMethods/{id}/creditCard` → a case-insensitive regex with one group per parameter. */
function compileRoute(routed: Routed): CompiledRoute {
  const paramNames: string[] = [];
  const source = routed.route.path
    .split('/')
    .map((segment) => {
      const m = /^\{([^}/]+)\}$/.exec(segment);
      if (!m) return escapeRegExp(segment);
      paramNames.push(m[1]!);
      return '([^/]+)';
    })
    .join('/');
  return { routed, pattern: new RegExp(`^${source}/?$`, 'i'), paramNames };
}

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

type Match =
  | { kind: 'route'; routed: Routed; params: Record<string, string> }
  | { kind: 'method'; allow: HttpMethod[] }
  | { kind: 'none' };

function matchRoute(compiled: readonly CompiledRoute[], method: string, pathname: string): Match {
  const allow: HttpMethod[] = [];
  for (const c of compiled) {
    const m = c.pattern.exec(pathname);
    if (!m) continue;
    if (c.routed.route.method !== method) {
      allow.push(c.routed.route.method);
      continue;
    }
    const params = Object.fromEntries(c.paramNames.map((name, i) => [name, decode(m[i + 1]!)]));
    return { kind: 'route', routed: c.routed, params };
  }
  return allow.length > 0 ? { kind: 'method', allow } : { kind: 'none' };
}

/** Query string → first value per key; keys the route declares match case-insensitively. */
function queryOf(url: URL, route: { query?: Record<string, ParamDoc> }): Record<string, string> {
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

export interface RestHandlerOptions {
  routes?: readonly AnyRestRoute[];
  streams?: readonly StreamRoute[];
  limits?: Partial<StreamLimits>;
}

/** The REST facade's request listener, and what the HTTP host needs to know of its routes. */
export interface RestHandler {
  (req: IncomingMessage, res: ServerResponse): void;
  /** True for a route whose request body is a file (its body may take longer than a JSON one). */
  readsFileBody(method: string | undefined, pathname: string): boolean;
}

/**
 * The REST facade's request listener: `/openapi.json`, the `/v1/…` routes of the procedure table
 * and the stream routes. Every JSON answer and every error is the Fusebill envelope's kind.
 */
export function createRestHandler(deps: AppDeps, options: RestHandlerOptions = {}): RestHandler {
  const routes = options.routes ?? restRoutes;
  const streams = options.streams ?? streamRoutes;
  const limits: StreamLimits = { maxUploadBytes: maxMigrationFileBytes, ...options.limits };
  for (const r of routes) {
    if (procedureType(r.procedure) === 'unknown')
      throw new Error(`REST route ${r.path}: no procedure ${r.procedure}`);
  }
  const compiled = [
    ...routes.map((route) => compileRoute({ kind: 'procedure', route })),
    ...streams.map((route) => compileRoute({ kind: 'stream', route })),
  ];
  const bodySchemas = new Map(routes.map((r) => [r, r.bodySchema ?? procedureInputSchema(r.procedure)]));
  const createContext = createContextFactory(deps);
  let openApi: string | undefined;

  async function handleProcedure(
    route: AnyRestRoute,
    params: Record<string, string>,
    url: URL,
    req: IncomingMessage,
    res: ServerResponse,
  ): Promise<void> {
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

  async function sendAnswer(res: ServerResponse, answer: StreamAnswer, headers: Record<string, string>) {
    if (answer.kind === 'json') return send(res, answer.status, answer.body, headers);
    res.writeHead(answer.status, { ...headers, ...answer.headers });
    // Back-pressure: the next page of rows is rendered once the client has taken the last.
    await pipeline(Readable.from(answer.chunks), res);
  }

  async function handleStream(
    route: StreamRoute,
    params: Record<string, string>,
    url: URL,
    req: IncomingMessage,
    res: ServerResponse,
  ): Promise<void> {
    const ctx = createContext({ req, res });
    const headers: Record<string, string> = { 'x-request-id': ctx.requestId };
    try {
      const answer = await route.handle({ ctx, req, params, query: queryOf(url, route), limits });
      await sendAnswer(res, answer, headers);
    } catch (err) {
      if (res.headersSent) {
        // Half a file is not a file: the client sees the transfer cut, never a short body as whole.
        if ((err as NodeJS.ErrnoException).code !== 'ERR_STREAM_PREMATURE_CLOSE') {
          deps.logger.error({ err, path: route.path }, 'stream route failed after its headers were sent');
        }
        res.destroy();
        return;
      }
      const e = toErrorResponse(err, deps);
      // An upload refused before its body was all read: the rest is read and thrown away, so the
      // client still sending reads the answer instead of a failed write; a rest too large for
      // that, or of unknown length, closes the connection after the answer.
      const unread = !req.complete;
      if (unread) req.resume();
      const close = unread && closeRatherThanDrain(req);
      send(res, e.status, e.body, { ...e.headers, ...headers, ...(close ? { connection: 'close' } : {}) });
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = (req.method ?? 'GET').toUpperCase();
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname === openApiPath) {
      if (method !== 'GET')
        throw new RestError(405, `Method ${method} not allowed on ${openApiPath}.`, { allow: 'GET' });
      openApi ??= JSON.stringify(buildOpenApiDocument(routes, { streams }));
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
    const { routed, params } = match;
    if (routed.kind === 'stream') return handleStream(routed.route, params, url, req, res);
    return handleProcedure(routed.route, params, url, req, res);
  }

  const listener = (req: IncomingMessage, res: ServerResponse): void => {
    handle(req, res).catch((err: unknown) => {
      const e = toErrorResponse(err, deps);
      if (res.headersSent) {
        res.destroy();
        return;
      }
      send(res, e.status, e.body, e.headers);
    });
  };
  const readsFileBody = (method: string | undefined, pathname: string) => {
    const match = matchRoute(compiled, (method ?? 'GET').toUpperCase(), pathname);
    return (
      match.kind === 'route' && match.routed.kind === 'stream' && match.routed.route.requestBody !== undefined
    );
  };
  return Object.assign(listener, { readsFileBody });
}
