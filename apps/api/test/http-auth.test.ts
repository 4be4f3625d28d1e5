import { stat } from 'node:fs/promises';
import type { AppRouter } from '@cardbridge/api';
import { freshCardNumber } from '@cardbridge/api/test/card-data.js';
import { createTRPCClient, httpLink, TRPCClientError } from '@trpc/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer } from './helpers.js';

type Server = Awaited<ReturnType<typeof startTestServer>>;
type ErrorBody = {
  error: { message: string; data: { domainCode: string; issues: { path: string }[] } };
};

const clientFor = (url: string, authorization?: string) =>
  createTRPCClient<AppRouter>({
    links: [httpLink({ url: `${url}/trpc`, headers: () => (authorization ? { authorization } : {}) })],
  });

async function rawCall(url: string, authorization?: string) {
  const res = await fetch(`${url}/trpc/customers.list?input=${encodeURIComponent('{}')}`, {
    headers: authorization ? { authorization } : {},
  });
  return { status: res.status, body: (await res.json()) as ErrorBody };
}

describe('HTTP server: auth, health, bootstrap', () => {
  let s: Server;
  beforeAll(async () => {
    s = await startTestServer();
  });
  afterAll(() => s.app.close());

  it('answers an unknown path with a JSON 404 that does not repeat a card number in the URL', async () => {
    const pan = freshCardNumber();
    const res = await fetch(`${s.url}/cards/${pan}`);
    expect(res.status).toBe(404);
    const text = await res.text();
    expect(text).toContain('No route for GET /cards/');
    expect(text).not.toContain(pan);
  });

  it('writes the bootstrap admin key to a 0600 file in the data dir', async () => {
    expect(s.bootstrapKey).toMatch(/^cbk_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
    expect((await stat(s.app.bootstrapKeyFile)).mode & 0o777).toBe(0o600);
  });

  it('answers /healthz and /readyz', async () => {
    expect((await fetch(`${s.url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${s.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready' });
  });

  it('accepts the key as Basic (seed form, with and without colon, base64) and Bearer', async () => {
    const key = s.bootstrapKey;
    const forms = [
      `Basic ${key}`,
      `Basic ${key}:`,
      `Basic ${Buffer.from(`${key}:`).toString('base64')}`,
      `Bearer ${key}`,
    ];
    for (const authorization of forms) {
      const client = clientFor(s.url, authorization);
      await expect(client.customers.list.query({})).resolves.toMatchObject({ hasMore: false });
    }
  });

  it('gives unknown, revoked, malformed and missing keys the very same 401', async () => {
    const admin = clientFor(s.url, `Basic ${s.bootstrapKey}`);
    const created = await admin.apiKeys.create.mutate({ name: 'to revoke', scopes: ['read'] });
    await admin.apiKeys.revoke.mutate({ id: created.apiKey.id });
    const unknown = `cbk_000000000000_${'A'.repeat(43)}`;
    const wrongSecret = `${s.bootstrapKey.slice(0, -4)}AAAA`;
    const responses = await Promise.all([
      rawCall(s.url, `Basic ${unknown}`),
      rawCall(s.url, `Basic ${created.secret}`),
      rawCall(s.url, 'Basic not-a-key'),
      rawCall(s.url, `Bearer ${wrongSecret}`),
      rawCall(s.url, undefined),
    ]);
    for (const r of responses) {
      expect(r.status).toBe(401);
      expect(r.body).toEqual(responses[0]!.body);
    }
    expect(responses[0]!.body.error.data.domainCode).toBe('UNAUTHENTICATED');
  });

  it('creates a tenant with its own admin key; that key cannot create tenants', async () => {
    const platform = clientFor(s.url, `Basic ${s.bootstrapKey}`);
    const { tenant, adminKey } = await platform.tenants.create.mutate({ name: 'Acme' });
    expect(tenant.name).toBe('Acme');
    const acme = clientFor(s.url, `Basic ${adminKey.secret}`);
    const customer = await acme.customers.create.mutate({ firstName: 'Jane', email: 'jane@example.com' });
    expect((await acme.customers.list.query({})).data.map((c) => c.id)).toEqual([customer.id]);
    const err = await acme.tenants.create.mutate({ name: 'Evil' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TRPCClientError);
    expect((err as TRPCClientError<AppRouter>).data?.httpStatus).toBe(403);
  });

  it('returns a 400 listing the fields for bad input, and a JSON 404 for unknown routes', async () => {
    const res = await fetch(`${s.url}/trpc/customers.create`, {
      method: 'POST',
      headers: { authorization: `Basic ${s.bootstrapKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'not-an-email', tenantId: 7 }),
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as ErrorBody;
    const paths = body.error.data.issues.map((i: { path: string }) => i.path);
    expect(paths).toEqual(expect.arrayContaining(['email']));
    expect(body.error.message).toMatch(/tenantId/);
    expect(body.error.data.domainCode).toBe('VALIDATION_FAILED');
    const missing = await fetch(`${s.url}/nope`);
    expect(missing.status).toBe(404);
  });
});
