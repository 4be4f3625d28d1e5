import { updatePaymentMethod } from '@cardbridge/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, errorOf, seedPaymentMethod, type TestApp, type TestTenant } from './helpers.js';

/**
 * paymentMethods.expiring on a real database with the real migrations, under a pinned clock:
 * a card is valid through the last day of its expiry month (UTC).
 */
describe('paymentMethods.expiring', () => {
  let app: TestApp;
  let now = new Date('2026-11-15T12:00:00Z');

  beforeAll(async () => {
    app = await createTestApp({ clock: () => now });
  });
  afterAll(() => app.close());

  /** A fresh tenant with one customer. */
  async function tenantWithCustomer() {
    const t = await app.tenant();
    const customerId = (await t.caller.customers.create({ firstName: 'Ada' })).id;
    return { t, customerId };
  }

  /** Seeds an active card expiring `yyyy-mm` (the stored year is four digits). */
  async function card(t: TestTenant, customerId: number, expiry: string, last4 = '4242') {
    const [year, month] = expiry.split('-').map(Number) as [number, number];
    const row = await seedPaymentMethod(app.deps.db, t.tenantId, {
      customerId,
      cardType: 'Visa',
      maskedCardNumber: `************${last4}`,
      expirationMonth: month,
      expirationYear: year,
      firstName: 'Ada',
      lastName: 'Lovelace',
    });
    return row.id;
  }

  const expiring = (
    t: TestTenant,
    input: Parameters<TestTenant['caller']['paymentMethods']['expiring']>[0],
  ) => t.caller.paymentMethods.expiring(input);

  it('lists soonest first across year boundaries, expired cards included and flagged', async () => {
    now = new Date('2026-11-15T12:00:00Z');
    const { t, customerId } = await tenantWithCustomer();
    // Seeded out of order, so neither the id nor the month alone gives the expected order.
    const ids = {
      feb27: await card(t, customerId, '2027-02'),
      jan27: await card(t, customerId, '2027-01'),
      dec26: await card(t, customerId, '2026-12'),
      mar27: await card(t, customerId, '2027-03'),
      nov26: await card(t, customerId, '2026-11'),
      jan26: await card(t, customerId, '2026-01'),
      dec25: await card(t, customerId, '2025-12'),
    };

    const page = await expiring(t, { within: '4m', limit: 100 });

    expect(page.expiresOnOrBefore).toBe('2027-03-15');
    expect(page.hasMore).toBe(false);
    expect(page.data.map((c) => [c.id, c.expiresOn, c.expired])).toEqual([
      [ids.dec25, '2025-12-31', true],
      [ids.jan26, '2026-01-31', true],
      [ids.nov26, '2026-11-30', false],
      [ids.dec26, '2026-12-31', false],
      [ids.jan27, '2027-01-31', false],
      [ids.feb27, '2027-02-28', false],
    ]);
    // March 2027 is valid until 2027-03-31, after the cutoff.
    expect(page.data.map((c) => c.id)).not.toContain(ids.mar27);
  });

  it('treats a card as valid through the last day of its expiry month', async () => {
    const { t, customerId } = await tenantWithCustomer();
    const nov26 = await card(t, customerId, '2026-11');
    const dec26 = await card(t, customerId, '2026-12');
    const feb27 = await card(t, customerId, '2027-02');
    const feb28 = await card(t, customerId, '2028-02');

    now = new Date('2026-11-30T23:59:59.999Z');
    const lastDay = await expiring(t, { within: '0d' });
    expect(lastDay.expiresOnOrBefore).toBe('2026-11-30');
    expect(lastDay.data.map((c) => [c.id, c.expiresOn, c.expired])).toEqual([[nov26, '2026-11-30', false]]);

    now = new Date('2026-12-01T00:00:00Z');
    expect((await expiring(t, { within: 0 })).data.map((c) => [c.id, c.expired])).toEqual([[nov26, true]]);

    // December's card is in once the cutoff reaches 31 December, not a day before.
    now = new Date('2026-11-15T08:00:00Z');
    expect((await expiring(t, { within: '45d' })).data.map((c) => c.id)).toEqual([nov26]);
    expect((await expiring(t, { within: '46d' })).data.map((c) => c.id)).toEqual([nov26, dec26]);

    // Calendar months clamp to the month's end: 31 January + 1m is 28 February, February's last day.
    now = new Date('2027-01-31T10:00:00Z');
    const month = await expiring(t, { within: '1m' });
    expect(month.expiresOnOrBefore).toBe('2027-02-28');
    expect(month.data.map((c) => c.id)).toEqual([nov26, dec26, feb27]);

    // A leap February ends on the 29th.
    const leap = await expiring(t, { within: '2y', limit: 100 });
    expect(leap.data.find((c) => c.id === feb28)?.expiresOn).toBe('2028-02-29');
  });

  it('lists active cards only: deleted and replaced ones are not chased', async () => {
    now = new Date('2026-11-15T12:00:00Z');
    const { t, customerId } = await tenantWithCustomer();
    const kept = await card(t, customerId, '2025-06');
    const deleted = await card(t, customerId, '2025-07');
    const replaced = await card(t, customerId, '2025-08');
    await t.caller.paymentMethods.delete({ id: deleted });
    await updatePaymentMethod(app.deps.db, t.tenantId, replaced, { status: 'replaced' });

    const page = await expiring(t, { within: '30d' });
    expect(page.data.map((c) => [c.id, c.status, c.expired])).toEqual([[kept, 'active', true]]);
  });

  it('pages with cursors across cards that expire the same month, forwards and back', async () => {
    now = new Date('2026-11-15T12:00:00Z');
    const { t, customerId } = await tenantWithCustomer();
    await card(t, customerId, '2027-02');
    for (let i = 0; i < 5; i += 1) await card(t, customerId, '2027-01');
    await card(t, customerId, '2026-12');
    const all = (await expiring(t, { within: '6m', limit: 100 })).data.map((c) => c.id);
    expect(all).toHaveLength(7);

    const forwards: number[][] = [];
    let page = await expiring(t, { within: '6m', limit: 2 });
    forwards.push(page.data.map((c) => c.id));
    while (page.hasMore) {
      page = await expiring(t, { within: '6m', limit: 2, startingAfter: page.data.at(-1)!.id });
      forwards.push(page.data.map((c) => c.id));
    }
    expect(forwards.map((p) => p.length)).toEqual([2, 2, 2, 1]);
    expect(forwards.flat()).toEqual(all);

    const backwards: number[][] = [];
    let back = await expiring(t, { within: '6m', limit: 2, endingBefore: forwards.at(-1)![0]! });
    backwards.unshift(back.data.map((c) => c.id));
    while (back.hasMore) {
      back = await expiring(t, { within: '6m', limit: 2, endingBefore: back.data[0]!.id });
      backwards.unshift(back.data.map((c) => c.id));
    }
    expect([...backwards.flat(), ...forwards.at(-1)!]).toEqual(all);

    // A card deleted since its page was read still marks where that page ended.
    const cursor = forwards[1]!.at(-1)!;
    await t.caller.paymentMethods.delete({ id: cursor });
    const after = await expiring(t, { within: '6m', limit: 100, startingAfter: cursor });
    expect(after.data.map((c) => c.id)).toEqual(all.slice(all.indexOf(cursor) + 1));
  });

  it("shows one tenant's cards only, and one customer's with customerId", async () => {
    now = new Date('2026-11-15T12:00:00Z');
    const a = await tenantWithCustomer();
    const b = await tenantWithCustomer();
    const otherCustomer = (await a.t.caller.customers.create({ firstName: 'Grace' })).id;
    const aCard = await card(a.t, a.customerId, '2026-12');
    const aOther = await card(a.t, otherCustomer, '2026-12');
    const bCard = await card(b.t, b.customerId, '2026-12');

    expect((await expiring(a.t, { within: '60d' })).data.map((c) => c.id)).toEqual([aCard, aOther]);
    expect((await expiring(b.t, { within: '60d' })).data.map((c) => c.id)).toEqual([bCard]);
    const one = await expiring(a.t, { within: '60d', customerId: otherCustomer });
    expect(one.data.map((c) => c.id)).toEqual([aOther]);

    // B's ids look exactly like ids that do not exist.
    const missing = 2_000_000_000;
    const foreignCustomer = await errorOf(() => expiring(a.t, { within: '60d', customerId: b.customerId }));
    const absentCustomer = await errorOf(() => expiring(a.t, { within: '60d', customerId: missing }));
    expect(foreignCustomer.code).toBe('NOT_FOUND');
    expect(foreignCustomer.message).toBe(
      absentCustomer.message.replace(String(missing), String(b.customerId)),
    );
    const foreignCursor = await errorOf(() => expiring(a.t, { within: '60d', startingAfter: bCard }));
    const absentCursor = await errorOf(() => expiring(a.t, { within: '60d', startingAfter: missing }));
    expect(foreignCursor.code).toBe('BAD_REQUEST');
    expect(foreignCursor.message).toMatch(/^Invalid input: startingAfter: /);
    expect(foreignCursor.message).toBe(absentCursor.message.replace(String(missing), String(bCard)));
  });

  it('refuses a bad `within` with an error naming the field', async () => {
    const { t } = await tenantWithCustomer();
    const call = t.caller.paymentMethods.expiring as unknown as (input: unknown) => Promise<unknown>;
    const cases: [unknown, RegExp][] = [
      [{}, /required: a duration like 30d, 12w, 3m or 1y/],
      [{ within: '60x' }, /must be a duration like 30d, 12w, 3m or 1y/],
      [{ within: '' }, /must be a duration like/],
      [{ within: '-30d' }, /must be a duration like/],
      [{ within: 2.5 }, /a number is whole days/],
      [{ within: true }, /must be a duration like/],
      [{ within: '6y' }, /must be at most 5 years/],
      [{ within: '1827d' }, /must be at most 5 years/],
      [{ within: 1827 }, /must be at most 5 years/],
    ];
    for (const [input, message] of cases) {
      const err = (await call(input).then(
        () => null,
        (e: unknown) => e,
      )) as { code: string; cause?: { issues?: { path: PropertyKey[]; message: string }[] } } | null;
      expect(err?.code, JSON.stringify(input)).toBe('BAD_REQUEST');
      const issues = err?.cause?.issues ?? [];
      expect(
        issues.map((i) => i.path.join('.')),
        JSON.stringify(input),
      ).toEqual(['within']);
      expect(issues[0]?.message).toMatch(message);
    }
    // The other fields keep the list's rules.
    const strict = await errorOf(() => call({ within: '30d', tenantId: 1 }));
    expect(strict.message).toMatch(/tenantId/);
    expect((await errorOf(() => call({ within: '30d', limit: 101 }))).message).toMatch(/limit/);
    expect((await errorOf(() => call({ within: '30d', startingAfter: 1, endingBefore: 2 }))).message).toMatch(
      /endingBefore/,
    );
  });

  it('answers with the list DTO (masked number, nothing more) plus expiresOn and expired', async () => {
    now = new Date('2026-11-15T12:00:00Z');
    const { t, customerId } = await tenantWithCustomer();
    const id = await card(t, customerId, '2026-12', '1881');
    const [item] = (await expiring(t, { within: '60d' })).data;
    const [listed] = (await t.caller.paymentMethods.list({ customerId })).data;
    const { expiresOn, expired, ...dto } = item!;
    expect(dto).toEqual(listed);
    expect({ id: dto.id, maskedCardNumber: dto.maskedCardNumber, expiresOn, expired }).toEqual({
      id,
      maskedCardNumber: '************1881',
      expiresOn: '2026-12-31',
      expired: false,
    });
  });
});
