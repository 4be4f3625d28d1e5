// Only the router's *type* comes from the API: the CLI talks to it over HTTP.
import type { AppRouter } from '@cardbridge/api';
import { createTRPCClient, httpBatchLink } from '@trpc/client';
import { httpFetch, type TransportInit } from './http-transport.js';
import { cliVersion } from './version.js';

export interface ClientOptions {
  /** API base URL, e.g. http://127.0.0.1:8787 (tRPC is served under /trpc). */
  url: string;
  apiKey: string;
  /** Per request; a hung server becomes exit code 5 instead of a hung CLI. */
  timeoutMs?: number;
}

export function createApiClient(opts: ClientOptions) {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  return createTRPCClient<AppRouter>({
    links: [
      // The batch link, though a CLI run makes one call at a time: `httpLink` checks every input
      // with `instanceof FormData`, and touching that global loads undici (see http-transport.ts).
      httpBatchLink({
        url: `${opts.url}/trpc`,
        // The seeds' form; the API also accepts Bearer.
        headers: { authorization: `Basic ${opts.apiKey}`, 'user-agent': `cardbridge-cli/${cliVersion}` },
        // node:http, not the global fetch: see http-transport.ts.
        fetch: ((url: string, init?: TransportInit) => {
          const timeout = AbortSignal.timeout(timeoutMs);
          const signal = init?.signal ? AbortSignal.any([init.signal, timeout]) : timeout;
          return httpFetch(url, { ...init, signal });
        }) as unknown as typeof fetch,
      }),
    ],
  });
}

export type ApiClient = ReturnType<typeof createApiClient>;
