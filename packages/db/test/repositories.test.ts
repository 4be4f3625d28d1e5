import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../src/index.js';
import {
  getCustomer,
  insertCustomer,
  insertPaymentMethod,
  insertTenant,
  listActivePaymentMethods,
  listCustomerPaymentMethods,
  listCustomers,
  listPaymentMethodIdsAfter,
  type PaymentMethodSelection,
  updatePaymentMethod,
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

  it('pages a bulk export’s cards in id order from a checkpoint: active ones of the tenant that match, each once', async () => {
    const t = await insertTenant(h.db, { name: 'E' });
    const other = await insertTenant(h.db, { name: 'F' });
    const c1 = await insertCustomer(h.db, t.id, {});
    const c2 = await insertCustomer(h.db, t.id, {});
    const foreign = await insertCustomer(h.db, other.id, {});
    const rows: { id: number; customerId: number; cardType: string; createdAt: Date }[] = [];
    for (let i = 0; i < 230; i++) {
      const customerId = i % 2 === 0 ? c1.id : c2.id;
      const cardType = i % 3 === 0 ? 'MasterCard' : 'Visa';
      const createdAt = new Date(Date.UTC(2026, i % 4, 10));
      const row = await insertPaymentMethod(h.db, t.id, { ...card(customerId, '4242'), cardType });
      await updatePaymentMethod(h.db, t.id, row.id, { createdAt });
      rows.push({ id: row.id, customerId, cardType, createdAt });
    }
    // Neither another tenant's cards nor deleted ones are read.
    await insertPaymentMethod(h.db, other.id, card(foreign.id, '4242'));
    const deleted = rows.splice(7, 1)[0]!;
    await updatePaymentMethod(h.db, t.id, deleted.id, { status: 'deleted' });

    const readAll = async (selection: PaymentMethodSelection) => {
      const pages: number[][] = [];
      let afterId: number | undefined;
      for (;;) {
        const ids = await listPaymentMethodIdsAfter(h.db, t.id, selection, {
          ...(afterId !== undefined ? { afterId } : {}),
          limit: 100,
        });
        if (ids.length > 0) pages.push(ids);
        if (ids.length < 100) return pages;
        afterId = ids.at(-1);
      }
    };
    const whole = await readAll({});
    expect(whole.map((p) => p.length)).toEqual([100, 100, 29]);
    expect(whole.flat()).toEqual(rows.map((r) => r.id));

    const march = new Date(Date.UTC(2026, 2, 1));
    const may = new Date(Date.UTC(2026, 4, 1));
    const filtered = await readAll({
      customerIds: [c2.id],
      cardType: 'Visa',
      createdAfter: march,
      createdBefore: may,
    });
    const expected = rows.filter(
      (r) => r.customerId === c2.id && r.cardType === 'Visa' && r.createdAt >= march && r.createdAt < may,
    );
    expect(expected.length).toBeGreaterThan(0);
    expect(filtered.flat()).toEqual(expected.map((r) => r.id));
  });

  it('lists a customer and its cards in one prepared query, page for page as the keyset list', async () => {
    const t = await insertTenant(h.db, { name: 'L' });
    const other = await insertTenant(h.db, { name: 'Other' });
    const c = await insertCustomer(h.db, t.id, {});
    const empty = await insertCustomer(h.db, t.id, {});
    const ids: number[] = [];
    for (let i = 0; i < 6; i++)
      ids.push((await insertPaymentMethod(h.db, t.id, card(c.id, String(2000 + i)))).id);
    await updatePaymentMethod(h.db, t.id, ids[2]!, { status: 'deleted' });
    const pages = [{ limit: 10 }, { limit: 2 }];
    for (const limit of [1, 2, 3, 10]) {
      for (const id of ids)
        pages.push({ limit, startingAfter: id } as never, { limit, endingBefore: id } as never);
    }
    for (const page of pages) {
      const params = { customerId: c.id, ...page };
      expect(await listCustomerPaymentMethods(h.db, t.id, params)).toEqual(
        await listActivePaymentMethods(h.db, t.id, params),
      );
    }
    expect(await listCustomerPaymentMethods(h.db, t.id, { customerId: empty.id, limit: 10 })).toEqual({
      data: [],
      hasMore: false,
    });
    expect(
      await listCustomerPaymentMethods(h.db, t.id, { customerId: 2_000_000, limit: 10 }),
    ).toBeUndefined();
    // Another tenant's customer is no customer at all.
    expect(await listCustomerPaymentMethods(h.db, other.id, { customerId: c.id, limit: 10 })).toBeUndefined();
  });

  it('pages customers newest first in both directions', async () => {
    const t = await insertTenant(h.db, { name: 'C' });
    const ids: number[] = [];
    for (let i = 0; i < 5; i++) ids.push((await insertCustomer(h.db, t.id, {})).id);
    const newestFirst = [...ids].reverse();
    const idsOf = (p: { data: { id: number }[] }) => p.data.map((r) => r.id);
    expect(idsOf(await listCustomers(h.db, t.id, { limit: 2 }))).toEqual(newestFirst.slice(0, 2));
    const older = await listCustomers(h.db, t.id, { limit: 2, startingAfter: newestFirst[1]! });
    expect([idsOf(older), older.hasMore]).toEqual([newestFirst.slice(2, 4), true]);
    const newer = await listCustomers(h.db, t.id, { limit: 2, endingBefore: newestFirst[3]! });
    expect([idsOf(newer), newer.hasMore]).toEqual([newestFirst.slice(1, 3), true]);
    const first = await listCustomers(h.db, t.id, { limit: 2, endingBefore: newestFirst[1]! });
    expect([idsOf(first), first.hasMore]).toEqual([newestFirst.slice(0, 1), false]);
  });
});
