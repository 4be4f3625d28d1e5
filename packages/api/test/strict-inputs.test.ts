import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp, type TestTenant } from './helpers.js';

async function validationError(fn: () => Promise<unknown>) {
  const err = (await fn().then(
    () => null,
    (e: unknown) => e,
  )) as { code: string; message: string } | null;
  expect(err?.code).toBe('BAD_REQUEST');
  return err!;
}

describe('strict inputs (mass assignment, bounds)', () => {
  let app: TestApp;
  let t: TestTenant;
  beforeAll(async () => {
    app = await createTestApp();
    t = await app.tenant();
  });
  afterAll(() => app.close());

  it('rejects unknown keys such as tenantId and isDefault', async () => {
    const c = await t.caller.customers.create({});
    const call = t.caller as unknown as {
      customers: { create(i: unknown): Promise<unknown>; update(i: unknown): Promise<unknown> };
      paymentMethods: { list(i: unknown): Promise<unknown>; setDefault(i: unknown): Promise<unknown> };
      apiKeys: { create(i: unknown): Promise<unknown> };
    };
    expect((await validationError(() => call.customers.create({ tenantId: 2 }))).message).toMatch(/tenantId/);
    expect((await validationError(() => call.customers.update({ id: c.id, id2: 1 }))).message).toMatch(/id2/);
    expect(
      (await validationError(() => call.paymentMethods.list({ customerId: c.id, isDefault: true }))).message,
    ).toMatch(/isDefault/);
    expect(
      (await validationError(() => call.paymentMethods.setDefault({ id: 1, fingerprint: 'x' }))).message,
    ).toMatch(/fingerprint/);
    // A tenant key may not mint a platform key.
    await validationError(() => call.apiKeys.create({ name: 'x', scopes: ['platform'] }));
  });

  it('bounds list limits and ids, and names the field', async () => {
    const c = await t.caller.customers.create({});
    expect(
      (await validationError(() => t.caller.paymentMethods.list({ customerId: c.id, limit: 101 }))).message,
    ).toMatch(/limit/);
    await validationError(() => t.caller.customers.list({ limit: 0 }));
    await validationError(() => t.caller.customers.get({ id: -1 }));
    await validationError(() => t.caller.customers.get({ id: 1.5 }));
    await validationError(() => t.caller.customers.list({ startingAfter: 3, endingBefore: 9 }));
    expect(
      (await validationError(() => t.caller.customers.create({ firstName: 'x'.repeat(51) }))).message,
    ).toMatch(/firstName/);
  });

  it('reports a duplicate customer reference as a conflict naming the field', async () => {
    await t.caller.customers.create({ reference: 'dup-1' });
    const err = await t.caller.customers
      .create({ reference: 'dup-1' })
      .catch((e: { code: string; message: string }) => e);
    expect(err).toMatchObject({
      code: 'CONFLICT',
      message: "A customer with reference 'dup-1' already exists.",
    });
  });
});
