import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createApiClient } from '../src/client.js';
import { describeError } from '../src/errors.js';

let server: Server | undefined;
afterEach(async () => {
  const running = server;
  server = undefined;
  if (!running) return;
  running.closeAllConnections();
  await new Promise((resolve) => running.close(resolve));
});

async function listen(handler: Parameters<typeof createServer>[1]): Promise<string> {
  const created = createServer(handler);
  server = created;
  await new Promise<void>((resolve) => created.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(created.address() as AddressInfo).port}`;
}

describe('the tRPC client', () => {
  it('sends the key as Authorization: Basic <key> to <url>/trpc', async () => {
    let seen: { url?: string; headers?: IncomingHttpHeaders } = {};
    const url = await listen((req, res) => {
      seen = { url: req.url, headers: req.headers };
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          error: {
            code: -32004,
            message: 'Customer with id 5 not found.',
            data: { httpStatus: 404, domainCode: 'CUSTOMER_NOT_FOUND' },
          },
        }),
      );
    });
    const client = createApiClient({ url, apiKey: 'cbk_abc' });
    const err = await client.customers.get.query({ id: 5 }).catch((e: unknown) => e);
    expect(seen.url).toMatch(/^\/trpc\/customers\.get\?/);
    expect(seen.headers?.authorization).toBe('Basic cbk_abc');
    expect(seen.headers?.['user-agent']).toMatch(/^cardbridge-cli\//);
    expect(describeError(err, { url })).toMatchObject({
      exitCode: 3,
      message: 'Customer with id 5 not found.',
    });
  });

  it('a server that never answers is exit 5 after the timeout', async () => {
    const url = await listen(() => {});
    const client = createApiClient({ url, apiKey: 'cbk_abc', timeoutMs: 200 });
    const err = await client.customers.get.query({ id: 5 }).catch((e: unknown) => e);
    expect(describeError(err, { url })).toMatchObject({ exitCode: 5 });
    expect(describeError(err, { url }).message).toMatch(/did not answer in time/);
  });

  it('something that is not a cardbridge API is exit 5', async () => {
    const url = await listen((_req, res) => {
      res.writeHead(404, { 'content-type': 'text/html' });
      res.end('<html>nope</html>');
    });
    const err = await createApiClient({ url, apiKey: 'k' })
      .customers.get.query({ id: 5 })
      .catch((e: unknown) => e);
    expect(describeError(err, { url }).exitCode).toBe(5);
  });
});
