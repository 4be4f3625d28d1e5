import http from 'node:http';
import https from 'node:https';

/**
 * The CLI's HTTP transport for the tRPC client: node:http instead of the global `fetch`.
 * On Node 20 the first `fetch` loads undici (tens of milliseconds) and a process that used it
 * lingers about 100 ms before it exits; for a one-shot CLI that is most of a command's cost.
 * This is the part of `fetch` tRPC's links use: method, headers, body and signal in; status
 * and `json()` out (tRPC reads the body as JSON and keeps the response as `meta.response`).
 */
export interface TransportResponse {
  ok: boolean;
  status: number;
  statusText: string;
  headers: { get(name: string): string | null };
  text(): Promise<string>;
  json(): Promise<unknown>;
}

export interface TransportInit {
  method?: string;
  /** tRPC's links pass a plain object. */
  headers?: Record<string, string>;
  body?: string | null;
  signal?: AbortSignal | null;
}

export function httpFetch(input: string | URL, init: TransportInit = {}): Promise<TransportResponse> {
  const url = new URL(String(input));
  const transport = url.protocol === 'https:' ? https : http;
  const { signal } = init;
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const headers: Record<string, string> = { ...init.headers };
    const body = init.body ?? undefined;
    if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body));
    const req = transport.request(url, { method: init.method ?? 'GET', headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', fail);
      res.on('end', () => {
        signal?.removeEventListener('abort', onAbort);
        const text = Buffer.concat(chunks).toString('utf8');
        const status = res.statusCode ?? 0;
        resolve({
          ok: status >= 200 && status < 300,
          status,
          statusText: res.statusMessage ?? '',
          headers: {
            get: (name) => {
              const value = res.headers[name.toLowerCase()];
              return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value;
            },
          },
          text: async () => text,
          json: async () => JSON.parse(text) as unknown,
        });
      });
    });
    function fail(err: unknown) {
      signal?.removeEventListener('abort', onAbort);
      reject(err);
    }
    function onAbort() {
      req.destroy();
      fail(signal?.reason);
    }
    signal?.addEventListener('abort', onAbort, { once: true });
    req.on('error', fail);
    req.end(body);
  });
}
