import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, errorOf, type TestApp, type TestTenant } from './helpers.js';

describe('default-card rules (Stripe API reference, Cards)', () => {
  let app: TestApp;
  let t: TestTenant;
  beforeAll(async () => {
    app = await createTestApp();
    t = await app.tenant();
  });
  afterAll(() => app.close());

  const defaults = async (customerId: number) => {
    const list = await t.caller.paymentMethods.list({ customerId, limit: 100 });
    return list.data.filter((c) => c.isDefault).map((c) => c.id);
  };

  it('makes the first card the default and leaves it when more are added', async () => {
    const c = await t.caller.customers.create({ firstName: 'Ada' });
    const first = await t.addCard(c.id, { last4: '1111' });
    await t.addCard(c.id, { last4: '2222' });
    expect(await defaults(c.id)).toEqual([first.id]);
  });

  it('setDefault moves the flag; deleting the default promotes the most recently added remaining card', async () => {
    const c = await t.caller.customers.create({ firstName: 'Bob' });
    const a = await t.addCard(c.id);
    const b = await t.addCard(c.id);
    const d = await t.addCard(c.id);
    expect((await t.caller.paymentMethods.setDefault({ id: b.id })).isDefault).toBe(true);
    expect(await defaults(c.id)).toEqual([b.id]);
    const deleted = await t.caller.paymentMethods.delete({ id: b.id });
    expect(deleted).toEqual({ id: b.id, deleted: true, newDefaultPaymentMethodId: d.id });
    expect(await defaults(c.id)).toEqual([d.id]);
    // Deleting a non-default card leaves the default alone.
    expect((await t.caller.paymentMethods.delete({ id: a.id })).newDefaultPaymentMethodId).toBe(d.id);
    const last = await t.caller.paymentMethods.delete({ id: d.id });
    expect(last.newDefaultPaymentMethodId).toBeNull();
    expect(await t.caller.paymentMethods.list({ customerId: c.id })).toEqual({ data: [], hasMore: false });
  });

  it('a deleted card leaves the list, is still readable, and cannot be edited (seed wording)', async () => {
    const c = await t.caller.customers.create({});
    const a = await t.addCard(c.id);
    await t.caller.paymentMethods.delete({ id: a.id });
    expect((await t.caller.paymentMethods.get({ id: a.id })).status).toBe('deleted');
    const err = await errorOf(() => t.caller.paymentMethods.setDefault({ id: a.id }));
    expect(err).toMatchObject({
      code: 'BAD_REQUEST',
      message: `Cannot edit payment method ${a.id} because it has been deleted.`,
    });
    expect((await errorOf(() => t.caller.paymentMethods.delete({ id: a.id }))).code).toBe('BAD_REQUEST');
  });

  it('20 concurrent setDefault/delete calls on one customer leave exactly one default', async () => {
    const c = await t.caller.customers.create({ firstName: 'Race' });
    const cards: { id: number }[] = [];
    for (let i = 0; i < 12; i++) cards.push(await t.addCard(c.id, { last4: String(3000 + i) }));
    const calls = Array.from({ length: 20 }, (_, i) => {
      const card = cards[i % cards.length]!;
      return i % 3 === 2
        ? t.caller.paymentMethods.delete({ id: card.id })
        : t.caller.paymentMethods.setDefault({ id: card.id });
    });
    const results = await Promise.allSettled(calls);
    // Losers may only fail because their card was deleted meanwhile, never with a 500.
    for (const r of results) {
      if (r.status === 'rejected') expect((r.reason as { code: string }).code).toBe('BAD_REQUEST');
    }
    const remaining = await t.caller.paymentMethods.list({ customerId: c.id, limit: 100 });
    expect(remaining.data.length).toBeGreaterThan(0);
    expect(remaining.data.filter((p) => p.isDefault)).toHaveLength(1);
  });

  it('lists newest first with cursor pagination both ways', async () => {
    const c = await t.caller.customers.create({});
    const ids: number[] = [];
    for (let i = 0; i < 5; i++) ids.push((await t.addCard(c.id)).id);
    const newest = [...ids].reverse();
    const p1 = await t.caller.paymentMethods.list({ customerId: c.id, limit: 2 });
    expect(p1.data.map((p) => p.id)).toEqual(newest.slice(0, 2));
    expect(p1.hasMore).toBe(true);
    const p2 = await t.caller.paymentMethods.list({
      customerId: c.id,
      limit: 2,
      startingAfter: p1.data[1]!.id,
    });
    expect(p2.data.map((p) => p.id)).toEqual(newest.slice(2, 4));
    const back = await t.caller.paymentMethods.list({
      customerId: c.id,
      limit: 2,
      endingBefore: p2.data[0]!.id,
    });
    expect(back.data.map((p) => p.id)).toEqual(newest.slice(0, 2));
    expect(back.hasMore).toBe(false);
    expect(p1.data[0]).toMatchObject({
      maskedCardNumber: '************4242',
      cardType: 'Visa',
      expirationYear: 31,
    });
  });
});
