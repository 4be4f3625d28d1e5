import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AppDeps } from '@cardbridge/api';
import { appRouter, retryAfterOf } from '@cardbridge/api';
import { scrubCardNumbers } from '@cardbridge/core';
import { createRestHandler, isRestPath } from '../rest/handler.js';
import { createContextFactory } from './context.js';
import { boundFileBody, boundRequest } from './request-deadline.js';
import { createTrpcHandler } from './trpc-handler.js';

const maxBodyBytes = 1_000_000;

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) });
  res.end(payload);
}

export interface RequestListenerOptions {
  /** Most calls one tRPC batch may carry; a larger batch is refused (400) before any call runs. */
  maxBatchSize?: number;
  /** The largest migration source file one upload may hold (larger: 413). */
  maxUploadBytes?: number;
  /**
   * A request must arrive, body included, within this; a file upload instead must not pause
   * for this long (request-deadline.ts). The server's own `requestTimeout` is off.
   */
  requestTimeoutMs?: number;
  /** false: no direct path for single tRPC calls (trpc-handler.ts); tests compare the two. */
  directTrpcCalls?: boolean;
}

const defaultMaxBatchSize = 10;
const defaultRequestTimeoutMs = 30_000;

/** One request listener: health probes, tRPC under /trpc, a JSON 404 for the rest. */
export function createRequestListener(deps: AppDeps, options: RequestListenerOptions = {}) {
  const trpc = createTrpcHandler({
    router: appRouter,
    createContext: createContextFactory(deps),
    basePath: '/trpc/',
    maxBodySize: maxBodyBytes,
    // Each call of a batch is authenticated and audited on its own: unbounded, one request
    // could write any number of audit rows.
    maxBatchSize: options.maxBatchSize ?? defaultMaxBatchSize,
    ...(options.directTrpcCalls === undefined ? {} : { directCalls: options.directTrpcCalls }),
    responseHeaders: (errors) => {
      const waits = errors.map(retryAfterOf).filter((s): s is number => s !== undefined);
      return waits.length > 0
        ? { 'retry-after': String(Math.max(...waits)) }
        : ({} as Record<string, string>);
    },
    onError: ({ error, path }) => {
      if (error.code === 'INTERNAL_SERVER_ERROR') deps.logger.error({ err: error, path }, 'internal error');
    },
  });
  const rest = createRestHandler(deps, {
    ...(options.maxUploadBytes !== undefined ? { limits: { maxUploadBytes: options.maxUploadBytes } } : {}),
  });
  const requestTimeoutMs = options.requestTimeoutMs ?? defaultRequestTimeoutMs;

  return (req: IncomingMessage, res: ServerResponse) => {
    const started = performance.now();
    const url = new URL(req.url ?? '/', 'http://localhost');
    const fileBody = isRestPath(url.pathname) && rest.readsFileBody(req.method, url.pathname);
    if (fileBody) boundFileBody(req, res, requestTimeoutMs);
    else boundRequest(req, res, requestTimeoutMs);
    res.on('finish', () => {
      deps.logger.info(
        {
          method: req.method,
          path: url.pathname,
          status: res.statusCode,
          ms: Math.round(performance.now() - started),
        },
        'request',
      );
    });
    if (url.pathname === '/healthz') return sendJson(res, 200, { status: 'ok' });
    if (url.pathname === '/readyz') {
      void deps
        .ping()
        .then(() => sendJson(res, 200, { status: 'ready' }))
        .catch(() => sendJson(res, 503, { status: 'unavailable', reason: 'database unreachable' }));
      return;
    }
    if (url.pathname.startsWith('/trpc/')) return trpc(req, res, url);
    if (isRestPath(url.pathname)) return rest(req, res);
    // The path is the caller's text: a card number typed into a URL is not sent back.
    sendJson(res, 404, {
      error: { message: `No route for ${req.method} ${scrubCardNumbers(url.pathname).slice(0, 200)}` },
    });
  };
}
