import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  type AnyTRPCProcedure,
  type AnyTRPCRouter,
  getTRPCErrorFromUnknown,
  getTRPCErrorShape,
  TRPCError,
  transformTRPCResponse,
} from '@trpc/server';
import { createHTTPHandler } from '@trpc/server/adapters/standalone';
import { getHTTPStatusCode } from '@trpc/server/http';

type StandaloneOptions<R extends AnyTRPCRouter> = Parameters<typeof createHTTPHandler<R>>[0];

export interface TrpcHandlerOptions<R extends AnyTRPCRouter> {
  router: R;
  createContext: (opts: { req: IncomingMessage; res: ServerResponse }) => unknown;
  /** `/trpc/`: the prefix before the procedure path. */
  basePath: string;
  maxBodySize: number;
  maxBatchSize: number;
  /** Extra response headers from the errors of the call (e.g. Retry-After). */
  responseHeaders?: (errors: TRPCError[]) => Record<string, string>;
  onError?: (opts: { error: TRPCError; path: string | undefined }) => void;
  /** false: every request through tRPC's standalone handler (the reference the tests compare with). */
  directCalls?: boolean;
}

/** The one content type tRPC's JSON handler accepts (`hasContentType` in @trpc/server). */
const isJson = (contentType: string | undefined) =>
  contentType?.split(';', 1)[0]?.trim().toLowerCase() === 'application/json';

/**
 * tRPC over node:http, with a direct path for the common request: one query by GET or one
 * mutation by POST with a JSON body (what @trpc/client's httpLink, and each call of the
 * cardbridge client, sends).
 *
 * Why: tRPC v11's node adapters turn every request into a WHATWG `Request` (headers copied,
 * an AbortController, a body stream) and back out of a `Response` piped through a
 * `WritableStream`. Under load that was about a third of the server's busy time (issue 10,
 * README "HTTP benchmark"). The direct path runs the same procedure (same middlewares,
 * input and output validation, error formatter) with the same `getRawInput` semantics and
 * writes tRPC's single-call wire format — `{"result":{"data":…}}`, or `{"error":shape}` with
 * `getHTTPStatusCode` — as `resolveResponse` does (@trpc/server 11.25,
 * src/unstable-core-do-not-import/http/resolveResponse.ts, the non-batch branch).
 * Everything else — batches, HEAD, streaming (`trpc-accept: application/jsonl`),
 * subscriptions, unknown procedures, a method that does not fit the procedure, other
 * content types, a body without Content-Length or over the limit — goes to tRPC's standalone
 * handler unchanged. `test/trpc-handler.test.ts` checks both paths answer alike.
 */
export function createTrpcHandler<R extends AnyTRPCRouter>(opts: TrpcHandlerOptions<R>) {
  const standard = createHTTPHandler({
    router: opts.router,
    createContext: opts.createContext as StandaloneOptions<R>['createContext'],
    basePath: opts.basePath,
    maxBodySize: opts.maxBodySize,
    maxBatchSize: opts.maxBatchSize,
    responseMeta: ({ errors }) => ({ headers: opts.responseHeaders?.(errors) ?? {} }),
    onError: ({ error, path }) => opts.onError?.({ error, path }),
  } as StandaloneOptions<R>);
  const procedures = opts.router._def.procedures as Record<string, AnyTRPCProcedure | undefined>;
  const config = opts.router._def._config;

  function direct(req: IncomingMessage, url: URL): { path: string; procedure: AnyTRPCProcedure } | undefined {
    const path = url.pathname.slice(opts.basePath.length);
    const procedure = Object.hasOwn(procedures, path) ? procedures[path] : undefined;
    if (!procedure || url.searchParams.has('batch')) return undefined;
    const { headers } = req;
    if (headers['trpc-accept'] !== undefined || headers.accept?.includes('application/jsonl'))
      return undefined;
    const type = procedure._def.type;
    if (req.method === 'GET') {
      const contentType = headers['content-type'];
      return type === 'query' && (contentType === undefined || isJson(contentType))
        ? { path, procedure }
        : undefined;
    }
    if (req.method !== 'POST' || type !== 'mutation' || !isJson(headers['content-type'])) return undefined;
    const length = Number(headers['content-length']);
    return Number.isInteger(length) && length <= opts.maxBodySize ? { path, procedure } : undefined;
  }

  async function answer(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    path: string,
    procedure: AnyTRPCProcedure,
  ) {
    const type = procedure._def.type;
    const ctx = opts.createContext({ req, res });
    let input: unknown;
    let parsed: Promise<unknown> | undefined;
    // As tRPC's JSON handler: read once, lazily; `?input=` for a GET, the body for a POST; a
    // failure to read or parse is a BAD_REQUEST carrying the parser's message.
    const getRawInput = () => {
      parsed ??= (async () => {
        const text = req.method === 'GET' ? url.searchParams.get('input') : await readText(req);
        input = text ? config.transformer.input.deserialize(JSON.parse(text)) : undefined;
        return input;
      })().catch((cause: unknown) => {
        if (cause instanceof TRPCError) throw cause;
        throw new TRPCError({
          code: 'BAD_REQUEST',
          message: cause instanceof Error ? cause.message : 'Invalid input',
          cause,
        });
      });
      return parsed;
    };
    let body: unknown;
    const errors: TRPCError[] = [];
    try {
      const data = await procedure({ path, getRawInput, ctx, type, signal: undefined, batchIndex: 0 });
      body = { result: { data } };
    } catch (cause) {
      const error = getTRPCErrorFromUnknown(cause);
      errors.push(error);
      opts.onError?.({ error, path });
      body = { error: getTRPCErrorShape({ config, ctx, error, input, path, type }) };
    }
    const status = getHTTPStatusCode(body as never, errors);
    res.statusCode = status;
    res.setHeader('vary', 'trpc-accept, accept');
    res.setHeader('content-type', 'application/json');
    for (const [name, value] of Object.entries(opts.responseHeaders?.(errors) ?? {}))
      res.setHeader(name, value);
    res.end(JSON.stringify(transformTRPCResponse(config, body as never)));
  }

  return (req: IncomingMessage, res: ServerResponse, url: URL): void => {
    const call = opts.directCalls === false ? undefined : direct(req, url);
    if (!call) {
      void standard(req, res);
      return;
    }
    answer(req, res, url, call.path, call.procedure).catch((err: unknown) => {
      // Only a failure to write the answer lands here (the call's own errors are answered).
      opts.onError?.({ error: getTRPCErrorFromUnknown(err), path: call.path });
      if (!res.headersSent) {
        res.statusCode = 500;
        res.end();
      } else res.destroy();
    });
  };
}

async function readText(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
