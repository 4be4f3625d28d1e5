import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../src/index.js';
import {
  getCustomer,
  insertCustomer,
  insertPaymentMethod,
  insertTenant,
  listActivePaymentMethods,
  listCustomers,
} from '../src/index.js';
import { createTestDatabase } from '../src/testing/index.js';

const card = (customerId: number, last4: string, isDefault = false) => ({
  customerId,
  cardType: 'Visa',
  maskedCardNumber: `************${last4}`,
  expirationMonth: 12,
  expirationYear: 2030,
  isDefault,
});

describe('repositories on the real migrations', () => {
  let h: DatabaseHandle;
  beforeAll(async () => {
    h = await createTestDatabase();
  });
  afterAll(async () => {
    await h.close();
  });

  it('scopes customers to their tenant', async () => {
    const a = await insertTenant(h.db, { name: 'A' });
    const b = await insertTenant(h.db, { name: 'B' });
    const c = await insertCustomer(h.db, a.id, { firstName: 'Ann' });
    expect(await getCustomer(h.db, a.id, c.id)).toMatchObject({ firstName: 'Ann' });
    expect(await getCustomer(h.db, b.id, c.id)).toBeUndefined();
  });

  it('refuses a payment method pointing at another tenant’s customer (composite foreign key)', async () => {
    const a = await insertTenant(h.db, { name: 'A' });
    const b = await insertTenant(h.db, { name: 'B' });
    const c = await insertCustomer(h.db, a.id, {});
    await expect(insertPaymentMethod(h.db, b.id, card(c.id, '4242'))).rejects.toThrow();
  });

  it('refuses a second default card for one customer (partial unique index)', async () => {
    const t = await insertTenant(h.db, { name: 'T' });
    const c = await insertCustomer(h.db, t.id, {});
    await insertPaymentMethod(h.db, t.id, card(c.id, '4242', true));
    await expect(insertPaymentMethod(h.db, t.id, card(c.id, '4444', true))).rejects.toThrow();
  });

  it('pages newest first with startingAfter and endingBefore', async () => {
    const t = await insertTenant(h.db, { name: 'P' });
    const c = await insertCustomer(h.db, t.id, {});
    const ids: number[] = [];
    for (let i = 0; i < 7; i++) {
      ids.push((await insertPaymentMethod(h.db, t.id, card(c.id, String(1000 + i)))).id);
    }
    const newestFirst = [...ids].reverse();
    const p1 = await listActivePaymentMethods(h.db, t.id, { customerId: c.id, limit: 3 });
    expect(p1.data.map((r) => r.id)).toEqual(newestFirst.slice(0, 3));
    expect(p1.hasMore).toBe(true);
    const p3 = await listActivePaymentMethods(h.db, t.id, {
      customerId: c.id,
      limit: 3,
      startingAfter: newestFirst[5]!,
    });
    expect(p3.data.map((r) => r.id)).toEqual(newestFirst.slice(6));
    expect(p3.hasMore).toBe(false);
    const back = await listActivePaymentMethods(h.db, t.id, {
      customerId: c.id,
      limit: 2,
      endingBefore: newestFirst[3]!,
    });
    expect(back.data.map((r) => r.id)).toEqual(newestFirst.slice(1, 3));
    expect(back.hasMore).toBe(true);
    const customers = await listCustomers(h.db, t.id, { limit: 10 });
    expect(customers.data.map((r) => r.id)).toEqual([c.id]);
  });
});
