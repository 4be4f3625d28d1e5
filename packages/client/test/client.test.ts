/*
 * createCardbridgeClient against the real HTTP server (in process, over a test database), and
 * its retries against a fake fetch with an injected sleep (no real waiting).
 */
import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTestServer } from '../../../apps/api/test/helpers.js';
import {
  type CardbridgeFetch,
  createCardbridgeClient,
  isCardbridgeClientError,
  parseRetryAfter,
} from '../src/index.js';

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

interface Sent {
  url: string;
  method: string;
  headers: Headers;
  response?: Response;
}

/** The global fetch, recording each request and its response. */
function recordingFetch() {
  const sent: Sent[] = [];
  const spy: CardbridgeFetch = async (input, init) => {
    const entry: Sent = {
      url: String(input),
      method: init?.method ?? 'GET',
      headers: new Headers(init?.headers as ConstructorParameters<typeof Headers>[0]),
    };
    sent.push(entry);
    const response = await fetch(input as string, init as RequestInit);
    entry.response = response.clone();
    return response;
  };
  return { sent, fetch: spy };
}

describe('against the server', () => {
  let server: Awaited<ReturnType<typeof startTestServer>>;
  let tenantKey: string;

  beforeAll(async () => {
    server = await startTestServer();
    const platform = createCardbridgeClient({ url: server.url, apiKey: server.bootstrapKey });
    const created = await platform.tenants.create.mutate({ name: 'client-test' });
    tenantKey = created.adminKey.secret;
  });

  afterAll(async () => {
    await server?.app.close();
    if (server) await rm(server.dataDir, { recursive: true, force: true });
  });

  it('runs a mutation with a fresh Idempotency-Key and queries without one', async () => {
    const rec = recordingFetch();
    const client = createCardbridgeClient({ url: server.url, apiKey: tenantKey, fetch: rec.fetch });
    const customer = await client.customers.create.mutate({ firstName: 'Ada', reference: 'client-1' });
    const read = await client.customers.get.query({ id: customer.id });
    expect(read).toMatchObject({ id: customer.id, firstName: 'Ada', reference: 'client-1' });

    const [mutation, query] = rec.sent;
    expect(mutation?.method).toBe('POST');
    expect(mutation?.url).toBe(`${server.url}/trpc/customers.create`);
    expect(mutation?.headers.get('idempotency-key')).toMatch(uuid);
    expect(mutation?.headers.get('authorization')).toBe(`Bearer ${tenantKey}`);
    expect(query?.method).toBe('GET');
    expect(query?.headers.get('idempotency-key')).toBeNull();

    await client.customers.create.mutate({ firstName: 'Bob' });
    const keys = rec.sent.map((s) => s.headers.get('idempotency-key')).filter((k) => k !== null);
    expect(new Set(keys).size).toBe(2);
  });

  it('replays a mutation sent again with the same Idempotency-Key', async () => {
    const rec = recordingFetch();
    const client = createCardbridgeClient({ url: server.url, apiKey: tenantKey, fetch: rec.fetch });
    const context = { idempotencyKey: 'client-test-replay-1' };
    const first = await client.customers.create.mutate({ firstName: 'Once' }, { context });
    const second = await client.customers.create.mutate({ firstName: 'Once' }, { context });
    expect(second.id).toBe(first.id);
    expect(rec.sent.map((s) => s.headers.get('idempotency-key'))).toEqual([
      'client-test-replay-1',
      'client-test-replay-1',
    ]);
    expect(rec.sent[0]?.response?.headers.get('idempotent-replayed')).toBeNull();
    expect(rec.sent[1]?.response?.headers.get('idempotent-replayed')).toBe('true');
    const page = await client.customers.list.query({ limit: 100 });
    expect(page.data.filter((c) => c.firstName === 'Once')).toHaveLength(1);
  });

  it('batches queries, at most 10 calls to a request (the server refuses more)', async () => {
    const rec = recordingFetch();
    const client = createCardbridgeClient({ url: server.url, apiKey: tenantKey, fetch: rec.fetch });
    const customer = await client.customers.create.mutate({ firstName: 'Batch' });
    rec.sent.length = 0;
    const reads = await Promise.all(
      Array.from({ length: 12 }, () => client.customers.get.query({ id: customer.id })),
    );
    expect(reads.every((r) => r.id === customer.id)).toBe(true);
    expect(rec.sent).toHaveLength(2);
    expect(rec.sent.every((s) => s.url.includes('batch=1'))).toBe(true);
    expect(rec.sent.map((s) => new URL(s.url).pathname.split(',').length).sort()).toEqual([10, 2].sort());
  });

  it('does not retry a 400, and types its error', async () => {
    const rec = recordingFetch();
    const sleep = vi.fn(async () => {});
    const client = createCardbridgeClient({ url: server.url, apiKey: tenantKey, fetch: rec.fetch, sleep });
    const error = await client.customers.get.query({ id: -1 }).catch((e: unknown) => e);
    expect(isCardbridgeClientError(error)).toBe(true);
    if (!isCardbridgeClientError(error)) return;
    expect(error.data?.httpStatus).toBe(400);
    expect(error.data?.domainCode).toBe('VALIDATION_FAILED');
    expect(rec.sent).toHaveLength(1);
    expect(sleep).not.toHaveBeenCalled();
  });
});

/** A tRPC error body as the server sends it, for one call or a batch. */
function errorBody(httpStatus: number, code: string, path: string) {
  return { error: { message: code, code: -32000, data: { code, httpStatus, path, domainCode: code } } };
}

function jsonResponse(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json', ...headers },
  });
}

/** A fetch that answers from a script, one response per request, recording what it was sent. */
function scriptedFetch(responses: (() => Response)[]) {
  const sent: Sent[] = [];
  const fake: CardbridgeFetch = async (input, init) => {
    sent.push({
      url: String(input),
      method: init?.method ?? 'GET',
      headers: new Headers(init?.headers as ConstructorParameters<typeof Headers>[0]),
    });
    const next = responses.shift();
    if (!next) throw new Error('no more scripted responses');
    return next();
  };
  return { sent, fetch: fake };
}

const customer = {
  id: 7,
  firstName: 'Ada',
  lastName: null,
  email: null,
  companyName: null,
  reference: null,
  createdDate: '2024-01-01T00:00:00.000Z',
  modifiedDate: '2024-01-01T00:00:00.000Z',
};

describe('retries', () => {
  const setup = (
    responses: (() => Response)[],
    opts: { maxRetries?: number; maxRetryDelayMs?: number } = {},
  ) => {
    const fake = scriptedFetch(responses);
    const sleep = vi.fn(async (_ms: number) => {});
    const client = createCardbridgeClient({
      url: 'http://cardbridge.test',
      apiKey: 'cbk_x',
      fetch: fake.fetch,
      sleep,
      ...opts,
    });
    return { client, sent: fake.sent, sleep };
  };

  it('retries a 429 after its Retry-After, with the same Idempotency-Key', async () => {
    const { client, sent, sleep } = setup([
      () =>
        jsonResponse(429, errorBody(429, 'TOO_MANY_REQUESTS', 'customers.create'), { 'retry-after': '2' }),
      () => jsonResponse(200, { result: { data: customer } }),
    ]);
    const created = await client.customers.create.mutate({ firstName: 'Ada' });
    expect(created.id).toBe(7);
    expect(sleep.mock.calls.map(([ms]) => ms)).toEqual([2000]);
    expect(sent).toHaveLength(2);
    const [first, retry] = sent.map((s) => s.headers.get('idempotency-key'));
    expect(first).toMatch(uuid);
    expect(retry).toBe(first);
  });

  it('retries a 503 with an HTTP-date Retry-After, and a batched query', async () => {
    const at = new Date(Date.now() + 5_000).toUTCString();
    const { client, sent, sleep } = setup([
      () =>
        jsonResponse(503, [errorBody(503, 'SERVICE_UNAVAILABLE', 'customers.get')], { 'retry-after': at }),
      () => jsonResponse(200, [{ result: { data: customer } }]),
    ]);
    const read = await client.customers.get.query({ id: 7 });
    expect(read.firstName).toBe('Ada');
    expect(sent).toHaveLength(2);
    expect(sent.every((s) => s.headers.get('idempotency-key') === null)).toBe(true);
    const [[waited]] = sleep.mock.calls as [[number]];
    expect(waited).toBeGreaterThan(3_000);
    expect(waited).toBeLessThanOrEqual(5_000);
  });

  it('gives up after maxRetries, backing off when there is no Retry-After', async () => {
    const unavailable = () => jsonResponse(503, errorBody(503, 'GATEWAY_UNAVAILABLE', 'customers.create'));
    const { client, sent, sleep } = setup([unavailable, unavailable, unavailable], { maxRetries: 2 });
    const error = await client.customers.create.mutate({ firstName: 'Ada' }).catch((e: unknown) => e);
    expect(isCardbridgeClientError(error) && error.data?.httpStatus).toBe(503);
    expect(sent).toHaveLength(3);
    expect(sleep.mock.calls.map(([ms]) => ms)).toEqual([500, 1000]);
    expect(new Set(sent.map((s) => s.headers.get('idempotency-key'))).size).toBe(1);
  });

  it('does not wait longer than maxRetryDelayMs: the 429 is returned at once', async () => {
    const { client, sent, sleep } = setup(
      [
        () =>
          jsonResponse(429, errorBody(429, 'TOO_MANY_REQUESTS', 'customers.create'), {
            'retry-after': '3600',
          }),
      ],
      { maxRetryDelayMs: 10_000 },
    );
    const error = await client.customers.create.mutate({ firstName: 'Ada' }).catch((e: unknown) => e);
    expect(isCardbridgeClientError(error) && error.data?.httpStatus).toBe(429);
    expect(sent).toHaveLength(1);
    expect(sleep).not.toHaveBeenCalled();
  });

  it('never retries another error (400, 409, 500)', async () => {
    for (const [status, code] of [
      [400, 'BAD_REQUEST'],
      [409, 'CONFLICT'],
      [500, 'INTERNAL_SERVER_ERROR'],
    ] as const) {
      const { client, sent, sleep } = setup([
        () => jsonResponse(status, errorBody(status, code, 'customers.create'), { 'retry-after': '1' }),
      ]);
      const error = await client.customers.create.mutate({ firstName: 'Ada' }).catch((e: unknown) => e);
      expect(isCardbridgeClientError(error) && error.data?.httpStatus).toBe(status);
      expect(sent).toHaveLength(1);
      expect(sleep).not.toHaveBeenCalled();
    }
  });
});

describe('parseRetryAfter', () => {
  it('reads delay-seconds and HTTP dates', () => {
    const now = Date.parse('2025-01-01T00:00:00Z');
    expect(parseRetryAfter('3', now)).toBe(3000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
    expect(parseRetryAfter('Wed, 01 Jan 2025 00:00:10 GMT', now)).toBe(10_000);
    expect(parseRetryAfter('Tue, 31 Dec 2024 23:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter(null, now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter('-1', now)).toBeUndefined();
  });
});
