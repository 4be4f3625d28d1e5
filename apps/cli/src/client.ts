// Only the router's *type* comes from the API: the CLI talks to it over HTTP.
import type { AppRouter } from '@cardbridge/api';
import { createTRPCClient, httpLink } from '@trpc/client';
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
      // One call per CLI run: no batching needed.
      httpLink({
        url: `${opts.url}/trpc`,
        // The seeds' form; the API also accepts Bearer.
        headers: { authorization: `Basic ${opts.apiKey}`, 'user-agent': `cardbridge-cli/${cliVersion}` },
        fetch: (url, init) => {
          const timeout = AbortSignal.timeout(timeoutMs);
          const signal = init?.signal ? AbortSignal.any([init.signal, timeout]) : timeout;
          return fetch(url, { ...init, signal });
        },
      }),
    ],
  });
}

export type ApiClient = ReturnType<typeof createApiClient>;
