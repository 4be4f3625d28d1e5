import { type SeededCustomer, type StripeEmulator, startStripeEmulator } from '@cardbridge/stripe-emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrationHandlers } from '../../src/services/migrations/index.js';
import { createTestApp, type TestApp, type TestTenant } from '../helpers.js';
import { allItems, holdings, type Item, runJob, upload } from './file-helpers.js';

/*
 * A mapping file: the seed's single-card Stripe import in bulk, one CSV row per card, against
 * the emulator through the official SDK. Good rows import by reference, bad ones fail alone and
 * say why in words; a CSV that does not parse fails the job with its line and field.
 */

const secretKey = 'sk_test_migrations_mapping_file_1';

describe('migration job: a mapping file of Stripe cards to our customers', () => {
  let emulator: StripeEmulator;
  let app: TestApp;
  let seeded: SeededCustomer[];

  beforeAll(async () => {
    emulator = await startStripeEmulator();
    seeded = await emulator.seedDemo({
      seed: 31,
      customers: 4,
      cardsPerCustomer: 2,
      paymentMethodsPerCustomer: 1,
    });
    app = await createTestApp();
    await app.deps.jobs.work(migrationHandlers(app.deps));
  });
  afterAll(async () => {
    await app.close();
    await emulator.close();
  });

  async function setUp(t: TestTenant) {
    const accountId = (
      await t.caller.gatewayAccounts.create({ type: 'stripe', secretKey, apiBase: emulator.url })
    ).id;
    const [a, b, c, d] = await Promise.all(
      ['Ada', 'Bea', 'Cy', 'Dee'].map((firstName, i) =>
        t.caller.customers.create({ firstName, lastName: 'Test', reference: `crm-${i}` }),
      ),
    );
    return { accountId, a: a!, b: b!, c: c!, d: d! };
  }

  it('imports the good rows by reference, fails each bad one in words; the plan agrees and a re-run changes nothing', async () => {
    const t = await app.tenant();
    const { accountId, a, b, c, d } = await setUp(t);
    const [s0, s1, s2, s3] = seeded as [SeededCustomer, SeededCustomer, SeededCustomer, SeededCustomer];
    // Held by another customer of ours before the job.
    const held = await t.caller.paymentMethods.importStripeCard({
      customerId: d.id,
      stripeCustomerId: s3.id,
      stripeCardId: s3.cards[0]!.id,
      gatewayAccountId: accountId,
    });
    const csv = [
      'Customer_ID,customer_reference,STRIPE_CUSTOMER_ID,stripe_card_id,note',
      `${a.id},,${s0.id},${s0.cards[0]!.id},first`,
      `${a.id},,${s0.id},${s0.cards[1]!.id},"second, with a comma"`,
      `,crm-1,${s1.id},${s1.cards[0]!.id},by reference`,
      `${c.id},,${s2.id},${s2.paymentMethods[0]!.id},a PaymentMethod`,
      `999999,,${s2.id},${s2.cards[0]!.id},no such customer`,
      `,nobody,${s2.id},${s2.cards[0]!.id},no such reference`,
      `${c.id},,${s2.id},card_doesNotExist123,no such card`,
      `${c.id},,${s2.id},${s1.cards[1]!.id},another Stripe customer's card`,
      `${c.id},,${s2.id},cardX,not a card id`,
      `${c.id},,${s3.id},${s3.cards[0]!.id},held by another customer`,
      '',
    ].join('\n');
    const uploaded = await upload(app, t, 'mapping.csv', csv);
    const source = {
      kind: 'mapping_file' as const,
      fileId: uploaded.id,
      gatewayAccountId: accountId,
      requestsPerSecond: 1000,
    };

    const plan = await runJob(t.caller, { source, dryRun: true });
    expect(plan.status).toBe('completed');
    expect(plan.progress.counts).toEqual({ created: 4, failed: 5, skipped: 1 });
    expect(await holdings(app, t.tenantId)).toMatchObject({ cards: 1 });

    const run = await runJob(t.caller, { source });
    expect(run.status).toBe('completed');
    expect(run.progress.counts).toEqual({ created: 4, failed: 5, skipped: 1 });
    // The plan asked Stripe what the run asked: one retrieve per card we did not hold.
    expect(plan.progress.requests).toBe(7);
    expect(run.progress.requests).toBe(7);
    expect(plan.estimate?.requests).toBe(7);

    const planned = await allItems(t.caller, plan.id);
    const done = await allItems(t.caller, run.id);
    const summary = (items: Item[]) => items.map((i) => [i.position, i.outcome, i.reason, i.customerId]);
    expect(summary(done)).toEqual(summary(planned));
    const reason = (line: number) => done.find((i) => i.position === line)!.reason;
    expect(reason(6)).toBe('line 6: no customer with id 999999 here');
    expect(reason(7)).toBe('line 7: no customer with reference nobody here');
    expect(reason(8)).toMatch(/^line 8: No such source: .?card_doesNotExist123/);
    expect(reason(9)).toMatch(new RegExp(`^line 9: No such source: .?${s1.cards[1]!.id}`));
    expect(reason(10)).toBe(
      'line 10: stripe_card_id: must be a Stripe card id (card_…) or PaymentMethod id (pm_…)',
    );
    expect(reason(11)).toBe(
      `line 11: Card ${s3.cards[0]!.id} already belongs to customer ${d.id} as payment method ${held.id}.`,
    );

    const expected = [
      { line: 2, customerId: a.id, card: s0.cards[0]!.id },
      { line: 3, customerId: a.id, card: s0.cards[1]!.id },
      { line: 4, customerId: b.id, card: s1.cards[0]!.id },
      { line: 5, customerId: c.id, card: s2.paymentMethods[0]!.id },
    ];
    for (const e of expected) {
      const item = done.find((i) => i.position === e.line)!;
      expect(item).toMatchObject({ outcome: 'created', customerId: e.customerId, sourceCardId: e.card });
      const pm = await t.caller.paymentMethods.get({ id: item.paymentMethodId! });
      expect(pm).toMatchObject({
        customerId: e.customerId,
        externalCardId: e.card,
        gatewayAccountId: accountId,
        storedInVault: false,
      });
    }

    const again = await runJob(t.caller, { source });
    expect(again.progress.counts).toEqual({ unchanged: 4, failed: 5, skipped: 1 });
    expect(again.progress.requests).toBe(3);
    expect(await holdings(app, t.tenantId)).toMatchObject({ cards: 5 });
  });

  it('a CSV that does not parse fails the job with its line and field, before any row is done', async () => {
    const t = await app.tenant();
    const { accountId, a } = await setUp(t);
    const [s0] = seeded as [SeededCustomer];
    const row = `${a.id},${s0.id},${s0.cards[0]!.id}`;
    const cases = [
      {
        csv: `customer_id,stripe_customer_id\n${a.id},${s0.id}\n`,
        error: 'Mapping file, line 1, field stripe_card_id: the header has no stripe_card_id column',
      },
      {
        csv: `customer_id,stripe_customer_id,stripe_card_id\n${row}\n${row},extra\n`,
        error: 'Mapping file, line 3: the row does not have as many values as the header has columns',
      },
      {
        csv: `customer_id,stripe_customer_id,stripe_card_id\n${row}\n${a.id},${s0.id},"card_\n`,
        error:
          'Mapping file, line 3, field stripe_card_id: a quoted value is never closed (the file ends inside quotes)',
      },
    ];
    for (const { csv, error } of cases) {
      const uploaded = await upload(app, t, 'mapping.csv', csv);
      const job = await runJob(t.caller, {
        source: { kind: 'mapping_file', fileId: uploaded.id, gatewayAccountId: accountId },
      });
      expect(job.status).toBe('failed');
      expect(job.error).toBe(error);
      expect(job.progress).toMatchObject({ total: 0, done: 0, requests: 0 });
    }
    expect(await holdings(app, t.tenantId)).toMatchObject({ cards: 0 });
  });
});
