import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A tiny scriptable HTTP server standing in for Stripe, to observe exactly what the
 * adapter sends (headers, bodies, retries). The Stripe emulator covers behaviour; this
 * covers wire details the emulator does not expose.
 */
export interface StubRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
}

export type StubReply =
  | { status: number; body: unknown; headers?: Record<string, string> }
  | { hang: number } // answer nothing for this long (client times out)
  | { destroy: true }; // drop the connection

export interface StubStripe {
  url: string;
  requests: StubRequest[];
  /** Replies used in order; when empty, `fallback` answers. */
  script(...replies: StubReply[]): void;
  fallback: (req: StubRequest) => StubReply;
  close(): Promise<void>;
}

export async function startStubStripe(): Promise<StubStripe> {
  const queue: StubReply[] = [];
  const sockets = new Set<import('node:net').Socket>();
  const stub: StubStripe = {
    url: '',
    requests: [],
    script: (...replies) => {
      queue.push(...replies);
    },
    fallback: () => ({
      status: 500,
      body: { error: { type: 'api_error', message: 'stub: no reply scripted' } },
    }),
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      body += chunk;
    });
    req.on('end', () => {
      const request: StubRequest = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body,
      };
      stub.requests.push(request);
      const reply = queue.shift() ?? stub.fallback(request);
      if ('destroy' in reply) {
        req.socket.destroy();
        return;
      }
      if ('hang' in reply) {
        setTimeout(() => {
          if (!res.writableEnded && !res.destroyed) {
            res.writeHead(500, { 'content-type': 'application/json' });
            res.end('{}');
          }
        }, reply.hang).unref();
        return;
      }
      res.writeHead(reply.status, {
        'content-type': 'application/json',
        'request-id': `req_stub_${stub.requests.length}`,
        ...reply.headers,
      });
      res.end(JSON.stringify(reply.body));
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  stub.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return stub;
}

/** Form body → flat map of decoded keys (`card[number]` → value). */
export const formFields = (body: string): Record<string, string> =>
  Object.fromEntries(new URLSearchParams(body));

export const stripeCard = (overrides: Record<string, unknown> = {}) => ({
  id: 'card_stub1',
  object: 'card',
  address_city: null,
  address_country: null,
  address_line1: null,
  address_line1_check: null,
  address_line2: null,
  address_state: null,
  address_zip: null,
  address_zip_check: null,
  brand: 'Visa',
  country: 'US',
  customer: 'cus_stub',
  cvc_check: 'pass',
  dynamic_last4: null,
  exp_month: 8,
  exp_year: 2031,
  fingerprint: 'Xt5EWLLDS7FJjR1c',
  funding: 'credit',
  last4: '4242',
  metadata: {},
  name: null,
  tokenization_method: null,
  ...overrides,
});

export const stripeError = (
  status: number,
  error: Record<string, unknown>,
  headers?: Record<string, string>,
): StubReply => ({ status, body: { error }, ...(headers ? { headers } : {}) });
