import { describe, expect, it } from 'vitest';
import { startTestServer } from './helpers.js';

async function listCustomers(url: string, key: string) {
  const res = await fetch(`${url}/trpc/customers.list?input=${encodeURIComponent('{}')}`, {
    headers: { authorization: `Basic ${key}` },
  });
  return {
    status: res.status,
    body: (await res.json()) as { error: { message: string; data: Record<string, unknown> } },
  };
}

describe('error formatter', () => {
  it('in production hides internal messages and stacks but keeps domain messages', async () => {
    const s = await startTestServer({ isProduction: true });
    try {
      const res = await fetch(`${s.url}/trpc/customers.get?input=${encodeURIComponent('{"id":4242}')}`, {
        headers: { authorization: `Basic ${s.bootstrapKey}` },
      });
      const body = (await res.json()) as { error: { message: string; data: Record<string, unknown> } };
      expect(res.status).toBe(404);
      expect(body.error.message).toBe('Customer with id 4242 not found.');
      expect(body.error.data).toMatchObject({ domainCode: 'CUSTOMER_NOT_FOUND', httpStatus: 404 });
      expect(body.error.data.stack).toBeUndefined();

      // Pull the database out from under the server: the next query fails internally.
      await s.app.database.close();
      const broken = await listCustomers(s.url, s.bootstrapKey);
      expect(broken.status).toBe(500);
      expect(broken.body.error.message).toBe('Internal server error');
      expect(broken.body.error.data.domainCode).toBe('INTERNAL');
      expect(broken.body.error.data.stack).toBeUndefined();
    } finally {
      await s.app.close().catch(() => {});
    }
  });

  it('outside production shows the stack of internal errors for debugging', async () => {
    const s = await startTestServer();
    try {
      await s.app.database.close();
      const broken = await listCustomers(s.url, s.bootstrapKey);
      expect(broken.status).toBe(500);
      expect(broken.body.error.data.stack).toEqual(expect.any(String));
    } finally {
      await s.app.close().catch(() => {});
    }
  });
});
