/*
 * @cardbridge/client: a typed client of the cardbridge API (tRPC over HTTP at /trpc).
 *
 *   const cardbridge = createCardbridgeClient({ url: 'http://localhost:3000', apiKey });
 *   const page = await cardbridge.customers.list.query({ limit: 10 });
 *   const customer = await cardbridge.customers.create.mutate({ firstName: 'Ada', reference: 'c-1' });
 *
 * - Queries are batched (at most 10 calls per HTTP request, the server's limit).
 * - Every mutation is sent alone, with an `Idempotency-Key` (a random UUID, or the one given as
 *   `{ context: { idempotencyKey } }`); its retries reuse the same key, so a retried mutation
 *   never runs twice.
 * - 429 and 503 are retried (up to `maxRetries`, 3 by default) after the server's `Retry-After`
 *   (seconds or an HTTP date); a wait longer than `maxRetryDelayMs` is not made: the error is
 *   returned at once. Nothing else is retried.
 */
import {
  createTRPCClient,
  type HTTPLinkOptions,
  httpBatchLink,
  httpLink,
  isTRPCClientError,
  splitLink,
  type TRPCClient,
  type TRPCClientError,
  type TRPCLink,
} from '@trpc/client';
import type { inferRouterInputs, inferRouterOutputs } from '@trpc/server';
import { observable } from '@trpc/server/observable';
import type { CardbridgeRouter } from './router.js';

export type { CardbridgeErrorShape, CardbridgeRouter, CardbridgeRouterRecord } from './router.js';

/** Every procedure's input, by path: `RouterInputs['customers']['create']`. */
export type RouterInputs = inferRouterInputs<CardbridgeRouter>;
/** Every procedure's output, by path: `RouterOutputs['paymentMethods']['list']`. */
export type RouterOutputs = inferRouterOutputs<CardbridgeRouter>;
/** The typed client: `client.customers.get.query({ id })`, `client.customers.create.mutate(…)`. */
export type CardbridgeClient = TRPCClient<CardbridgeRouter>;
/** What a failed call rejects with; `error.data` has `domainCode`, `httpStatus` and `issues`. */
export type CardbridgeClientError = TRPCClientError<CardbridgeRouter>;

/** A `fetch` the client may use instead of the global one (tests, proxies, instrumentation). */
export type CardbridgeFetch = NonNullable<
  HTTPLinkOptions<CardbridgeRouter['_def']['_config']['$types']>['fetch']
>;

export interface CardbridgeClientOptions {
  /** The server's base URL (`http://localhost:3000`); `/trpc` is appended unless already there. */
  url: string;
  /** An API key (`cbk_…`), sent as `Authorization: Bearer <key>`. */
  apiKey: string;
  /** Defaults to the global `fetch`. */
  fetch?: CardbridgeFetch;
  /** Retries of a 429 or 503 per call, after the first attempt; 0 turns retries off. Default 3. */
  maxRetries?: number;
  /** The longest wait before a retry; a longer `Retry-After` is not waited for. Default 30 000 ms. */
  maxRetryDelayMs?: number;
  /** Calls per batched HTTP request; the server refuses more than 10. Default 10. */
  maxBatchSize?: number;
  /** Extra headers on every request (e.g. a `User-Agent`). */
  headers?: Record<string, string>;
  /** How a retry waits; replaceable in tests. Rejects when `signal` aborts. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/** The server's batch limit (CARDBRIDGE_TRPC_MAX_BATCH, 10 by default). */
export const serverMaxBatchSize = 10;
export const idempotencyKeyHeader = 'Idempotency-Key';
export const retriedStatuses: readonly number[] = [429, 503];

const defaults = { maxRetries: 3, maxRetryDelayMs: 30_000 };

/** Whether `error` is an error of a cardbridge call (typed `data` and `shape`). */
export function isCardbridgeClientError(error: unknown): error is CardbridgeClientError {
  return isTRPCClientError<CardbridgeRouter>(error);
}

/**
 * A `Retry-After` header in milliseconds from `now`: delay-seconds (`"2"`) or an HTTP date
 * (`"Wed, 21 Oct 2015 07:28:00 GMT"`, a date past is 0). Undefined when absent or unreadable.
 */
export function parseRetryAfter(
  value: string | null | undefined,
  now: number = Date.now(),
): number | undefined {
  if (value === null || value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  if (!/[a-z]/i.test(text)) return undefined;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

function defaultSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

interface ErrorLike {
  data?: { httpStatus?: unknown } | null;
  meta?: { response?: { status?: unknown; headers?: { get(name: string): string | null } } };
}

/** The HTTP status of a failed call: its own in a batch, or the response's. */
function statusOf(error: unknown): number | undefined {
  const e = error as ErrorLike;
  const status = e?.data?.httpStatus ?? e?.meta?.response?.status;
  return typeof status === 'number' ? status : undefined;
}

/** How long to wait before retry number `retry` (1-based), or undefined for no retry. */
function retryDelayOf(
  error: unknown,
  retry: number,
  opts: { maxRetries: number; maxRetryDelayMs: number },
): number | undefined {
  if (retry > opts.maxRetries) return undefined;
  const status = statusOf(error);
  if (status === undefined || !retriedStatuses.includes(status)) return undefined;
  const header = (error as ErrorLike)?.meta?.response?.headers?.get('retry-after');
  // Without Retry-After: 0.5 s, 1 s, 2 s…
  const wait = parseRetryAfter(header) ?? 250 * 2 ** retry;
  return wait > opts.maxRetryDelayMs ? undefined : wait;
}

/** Gives each mutation its Idempotency-Key once, before any retry: its retries reuse it. */
function idempotencyKeyLink(): TRPCLink<CardbridgeRouter> {
  return () =>
    ({ op, next }) => {
      if (op.type !== 'mutation') return next(op);
      const given = op.context.idempotencyKey;
      const idempotencyKey = typeof given === 'string' ? given : globalThis.crypto.randomUUID();
      return next({ ...op, context: { ...op.context, idempotencyKey } });
    };
}

/** Re-sends a call that failed with 429 or 503, after its Retry-After, at most `maxRetries` times. */
function retryLink(opts: {
  maxRetries: number;
  maxRetryDelayMs: number;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
}): TRPCLink<CardbridgeRouter> {
  return () =>
    ({ op, next }) =>
      observable((observer) => {
        let stopped = false;
        let current: { unsubscribe(): void } | undefined;
        const attempt = (retry: number) => {
          current = next(op).subscribe({
            next: (value) => observer.next(value),
            complete: () => observer.complete(),
            error: (error) => {
              const wait = stopped ? undefined : retryDelayOf(error, retry, opts);
              if (wait === undefined) return observer.error(error);
              opts.sleep(wait, op.signal ?? undefined).then(
                () => {
                  if (!stopped) attempt(retry + 1);
                },
                () => observer.error(error),
              );
            },
          });
        };
        attempt(1);
        return () => {
          stopped = true;
          current?.unsubscribe();
        };
      });
}

function trpcUrl(url: string): string {
  const base = url.replace(/\/+$/, '');
  return base.endsWith('/trpc') ? base : `${base}/trpc`;
}

/** A typed client of the cardbridge API. */
export function createCardbridgeClient(options: CardbridgeClientOptions): CardbridgeClient {
  if (!options.apiKey) throw new Error('createCardbridgeClient: apiKey is required');
  const url = trpcUrl(options.url);
  const headers = { ...options.headers, authorization: `Bearer ${options.apiKey}` };
  const maxBatchSize = Math.min(options.maxBatchSize ?? serverMaxBatchSize, serverMaxBatchSize);
  const fetchOption = options.fetch ? { fetch: options.fetch } : {};
  return createTRPCClient<CardbridgeRouter>({
    links: [
      idempotencyKeyLink(),
      retryLink({
        maxRetries: options.maxRetries ?? defaults.maxRetries,
        maxRetryDelayMs: options.maxRetryDelayMs ?? defaults.maxRetryDelayMs,
        sleep: options.sleep ?? defaultSleep,
      }),
      splitLink({
        condition: (op) => op.type === 'mutation',
        // One mutation per request: the Idempotency-Key header belongs to one call.
        true: httpLink({
          url,
          ...fetchOption,
          headers: ({ op }) => ({ ...headers, [idempotencyKeyHeader]: String(op.context.idempotencyKey) }),
        }),
        false: httpBatchLink({ url, ...fetchOption, maxItems: maxBatchSize, maxURLLength: 8_000, headers }),
      }),
    ],
  });
}
