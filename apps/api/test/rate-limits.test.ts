import { listAuditEvents } from '@cardbridge/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer } from './helpers.js';

type Server = Awaited<ReturnType<typeof startTestServer>>;

const badKey = `cbk_0123456789ab_${'B'.repeat(43)}`;

async function trpcGet(url: string, authorization?: string) {
  const res = await fetch(`${url}/trpc/customers.list?input=${encodeURIComponent('{}')}`, {
    headers: authorization ? { authorization } : {},
  });
  return {
    status: res.status,
    retryAfter: res.headers.get('retry-after'),
    body: (await res.json()) as unknown,
  };
}

async function restGet(url: string, authorization?: string) {
  const res = await fetch(`${url}/v1/customers/1/paymentMethods/creditCard`, {
    headers: authorization ? { authorization } : {},
  });
  return {
    status: res.status,
    retryAfter: res.headers.get('retry-after'),
    body: (await res.json()) as unknown,
  };
}

const auditCount = async (s: Server, action: string) =>
  (await listAuditEvents(s.app.deps.db, null, { action, limit: 10_000 })).length;

describe('failed authentication is rate-limited per client address', () => {
  let s: Server;
  beforeAll(async () => {
    s = await startTestServer({ env: { CARDBRIDGE_AUTH_FAILURE_LIMIT: '5' } });
  });
  afterAll(() => s.app.close());

  it('a bad-key flood gets 429 with Retry-After and one audit row, while a good key keeps working', async () => {
    for (let i = 0; i < 5; i++) expect((await trpcGet(s.url, `Bearer ${badKey}`)).status).toBe(401);
    expect(await auditCount(s, 'auth.failed')).toBe(5);

    const flood = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        i % 2 === 0 ? trpcGet(s.url, `Bearer ${badKey}`) : restGet(s.url, 'Basic nonsense'),
      ),
    );
    for (const r of flood) {
      expect(r.status).toBe(429);
      expect(Number(r.retryAfter)).toBeGreaterThanOrEqual(1);
    }
    expect(flood[0]!.body).toMatchObject({ error: { data: { domainCode: 'RATE_LIMITED' } } });
    expect(flood[1]!.body).toMatchObject({ ErrorId: 0, HttpStatusCode: 429 });

    // The flood wrote no auth.failed rows, and one auth.rate_limited row for the window.
    expect(await auditCount(s, 'auth.failed')).toBe(5);
    const limited = await listAuditEvents(s.app.deps.db, null, { action: 'auth.rate_limited' });
    expect(limited).toHaveLength(1);
    expect(limited[0]).toMatchObject({ outcome: 'failure', details: { address: expect.any(String) } });

    // The same address with a good key: served, over tRPC and REST.
    const good = `Basic ${s.bootstrapKey}`;
    expect((await trpcGet(s.url, good)).status).toBe(200);
    expect((await restGet(s.url, good)).status).toBe(404); // authenticated: customer 1 does not exist
  });
});

describe('authenticated traffic is rate-limited per API key', () => {
  let s: Server;
  beforeAll(async () => {
    // 3 requests per key per minute, no burst: the window cannot roll over during the test.
    s = await startTestServer({
      rateLimits: { perKeyPerSecond: 3, perKeyWindowSeconds: 60, perKeyBurst: 0, authFailuresPerMinute: 60 },
    });
  });
  afterAll(() => s.app.close());

  it('answers 429 with Retry-After past the key budget, on tRPC and REST; other keys are not affected', async () => {
    const platform = `Basic ${s.bootstrapKey}`;
    const created = await fetch(`${s.url}/trpc/apiKeys.create`, {
      method: 'POST',
      headers: { authorization: platform, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'busy', scopes: ['read'] }),
    });
    const { secret } = ((await created.json()) as { result: { data: { secret: string } } }).result.data;
    const busy = `Bearer ${secret}`;

    for (let i = 0; i < 3; i++) expect((await trpcGet(s.url, busy)).status).toBe(200);
    const overTrpc = await trpcGet(s.url, busy);
    expect(overTrpc.status).toBe(429);
    expect(Number(overTrpc.retryAfter)).toBeGreaterThanOrEqual(1);
    expect(overTrpc.body).toMatchObject({
      error: { data: { code: 'TOO_MANY_REQUESTS', domainCode: 'RATE_LIMITED' } },
    });
    const overRest = await restGet(s.url, busy);
    expect(overRest.status).toBe(429);
    expect(Number(overRest.retryAfter)).toBeGreaterThanOrEqual(1);
    expect(overRest.body).toMatchObject({ ErrorId: 0, HttpStatusCode: 429 });

    // The platform key has spent one request of its own three: still served.
    expect((await trpcGet(s.url, platform)).status).toBe(200);
  });
});

describe('tRPC batches are bounded', () => {
  let s: Server;
  beforeAll(async () => {
    s = await startTestServer();
  });
  afterAll(() => s.app.close());

  const batchOf = (n: number, path: string) => ({
    paths: Array.from({ length: n }, () => path).join(','),
    input: JSON.stringify(Object.fromEntries(Array.from({ length: n }, (_, i) => [i, {}]))),
  });
  const batch = (n: number) => {
    const { paths, input } = batchOf(n, 'customers.list');
    return fetch(`${s.url}/trpc/${paths}?batch=1&input=${encodeURIComponent(input)}`);
  };

  it('refuses a batch of more than 10 calls before any call runs (no audit rows)', async () => {
    const before = await auditCount(s, 'auth.failed');
    const eleven = await batch(11);
    expect(eleven.status).toBe(400);
    await eleven.body?.cancel();
    // 1,000 calls do not fit a GET's headers: as a POST of mutations.
    const { paths, input } = batchOf(1_000, 'tenants.create');
    const thousand = await fetch(`${s.url}/trpc/${paths}?batch=1`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: input,
    });
    expect(thousand.status).toBe(400);
    await thousand.body?.cancel();
    expect(await auditCount(s, 'auth.failed')).toBe(before);
  });

  it('runs a batch of 10', async () => {
    const res = await batch(10);
    const body = (await res.json()) as unknown[];
    expect(body).toHaveLength(10);
  });
});
