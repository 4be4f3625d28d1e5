import { getMigrationChunk, updateMigrationJob } from '@cardbridge/db';
import { sql } from '@cardbridge/db/testing';
import {
  type ExportKeyPair,
  type GeneratedCustomer,
  generateExportKeyPair,
  generateStripeExport,
} from '@cardbridge/jobs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobContext } from '../../src/services/migrations/context.js';
import { exportFileKind } from '../../src/services/migrations/export-file.js';
import { migrationHandlers } from '../../src/services/migrations/index.js';
import { createTestApp, type TestApp, type TestTenant } from '../helpers.js';
import { allItems, bytesOf, holdings, rows, upload } from './file-helpers.js';

/*
 * An export file's chunks done by several workers at once, the same chunk delivered twice at
 * once (the engine delivers at least once), a read that starts over, and a row the database
 * refuses. Run on a real
 * PostgreSQL server (TEST_DATABASE_URL) these are real races — PGlite runs one transaction at a
 * time. The worker's handlers are called directly, all at once, so the races are not left to the
 * queue's timing; no worker takes the work the job queues.
 */

describe('migration job: an export file done by racing, restarting and failing workers', () => {
  let app: TestApp;
  let keys: ExportKeyPair;

  beforeAll(async () => {
    keys = await generateExportKeyPair();
    app = await createTestApp({ importKey: { armored: keys.privateKeyArmored } });
  });
  afterAll(async () => {
    await app.close();
  });

  /** An encrypted export of `cards` cards, three per customer, uploaded; a job created for it. */
  async function exportJob(t: TestTenant, cards: number, seed: number, gatewayAccountId?: number) {
    const customers: GeneratedCustomer[] = [];
    const bytes = await bytesOf(
      generateStripeExport({
        format: 'csv',
        cards,
        cardsPerCustomer: 3,
        seed,
        encryptTo: keys.publicKeyArmored,
        onCustomer: (c) => customers.push(c),
      }),
    );
    const uploaded = await upload(app, t, 'export.csv.gpg', bytes);
    const job = await t.caller.migrations.create({
      source: { kind: 'export_file', fileId: uploaded.id, ...(gatewayAccountId ? { gatewayAccountId } : {}) },
    });
    return { customers, job, task: { tenantId: t.tenantId, jobId: job.id } };
  }

  it('two chunks sharing customers, each delivered twice at once: every customer and card once, one default each', async () => {
    const t = await app.tenant();
    // Chunks of 2,000 rows: customer 667's three cards are split between chunk 0 and chunk 1.
    const { customers, job, task } = await exportJob(t, 2100, 41);
    const handlers = migrationHandlers(app.deps);
    await handlers.readSource(task);
    expect(await t.caller.migrations.get({ id: job.id })).toMatchObject({
      status: 'running',
      progress: { total: 2100, sourceRead: true },
    });

    await Promise.all([0, 1, 0, 1].map((chunkNo) => handlers.runChunk({ ...task, chunkNo })));

    const done = await t.caller.migrations.get({ id: job.id });
    expect(done).toMatchObject({ status: 'completed', progress: { done: 2100, counts: { created: 2100 } } });
    expect(await holdings(app, t.tenantId)).toMatchObject({
      customers: customers.length,
      cards: 2100,
      imports: 2100,
    });
    const items = await allItems(t.caller, job.id);
    expect(new Set(items.map((i) => i.paymentMethodId)).size).toBe(2100);
    // Each Stripe customer is one customer of ours (linked by reference: the file names no account).
    const perCustomer = await rows<{ cards: number; defaults: number; reference: string }>(
      app.deps.db,
      sql`select count(*)::int as cards, count(*) filter (where pm.is_default)::int as defaults,
            min(c.reference) as reference
          from payment_methods pm join customers c on c.tenant_id = pm.tenant_id and c.id = pm.customer_id
          where pm.tenant_id = ${t.tenantId} group by pm.customer_id`,
    );
    expect(new Set(perCustomer.map((c) => c.reference))).toEqual(new Set(customers.map((c) => c.id)));
    for (const c of perCustomer) expect(c).toMatchObject({ cards: 3, defaults: 1 });
  });

  it('a read that starts over from the beginning keeps the chunks it staged and counts each row once', async () => {
    const t = await app.tenant();
    const { job, task } = await exportJob(t, 2100, 42);
    const running = async () =>
      new JobContext(
        app.deps,
        (await updateMigrationJob(app.deps.db, t.tenantId, job.id, {
          status: 'running',
          startedAt: new Date(),
        }))!,
      );
    // A read that finished but whose worker died before the job was marked read…
    expect(await exportFileKind.readSource(await running())).toBe(true);
    const first = (await getMigrationChunk(app.deps.db, t.tenantId, job.id, 0))!;
    // …is read again from the start by the next worker: the chunks it staged stay as they were.
    await migrationHandlers(app.deps).readSource(task);
    const again = (await getMigrationChunk(app.deps.db, t.tenantId, job.id, 0))!;
    expect(again.payload).toEqual(first.payload);
    expect(await t.caller.migrations.get({ id: job.id })).toMatchObject({
      progress: { total: 2100, sourceRead: true },
    });

    const handlers = migrationHandlers(app.deps);
    await Promise.all([0, 1].map((chunkNo) => handlers.runChunk({ ...task, chunkNo })));
    expect(await t.caller.migrations.get({ id: job.id })).toMatchObject({
      status: 'completed',
      progress: { done: 2100, counts: { created: 2100 } },
    });
    expect(await holdings(app, t.tenantId, job.id)).toMatchObject({ customers: 700, cards: 2100, chunks: 2 });
    // 2,000 rows fill a chunk, but customer 667's three cards (rows 1,999 to 2,001) stay together:
    // chunks worked on at once never share a customer.
    const split = await app.deps.db.execute(
      sql`select source_customer_id from migration_job_items where job_id = ${job.id}
          group by source_customer_id having count(distinct chunk_no) > 1`,
    );
    expect(Array.isArray(split) ? split : (split as { rows: unknown[] }).rows).toEqual([]);
    expect(first.rows).toBe(2001);
  });

  it('a row the database refuses does not sink its chunk: the others go in, and it waits for the retry', async () => {
    const t = await app.tenant();
    // Export jobs make no gateway call: the account only names where the cards came from.
    const account = await t.caller.gatewayAccounts.create({
      type: 'stripe',
      secretKey: 'sk_test_never_called',
      apiBase: 'http://127.0.0.1:9',
    });
    const { customers, job, task } = await exportJob(t, 30, 43, account.id);
    const refused = customers[4]!.cards[1]!.id;
    // A real failure inside the database for that one row, with no hook in product code.
    await app.deps.db.execute(
      sql.raw(`create function cardbridge_test_refuse() returns trigger language plpgsql as $$
        begin raise exception 'refused by the test'; end $$`),
    );
    await app.deps.db.execute(
      sql.raw(`create trigger cardbridge_test_refuse before insert on payment_methods for each row
        when (new.external_card_id = '${refused}') execute function cardbridge_test_refuse()`),
    );
    const handlers = migrationHandlers(app.deps);
    await handlers.readSource(task);
    await expect(handlers.runChunk({ ...task, chunkNo: 0 })).rejects.toThrow();
    const after = await t.caller.migrations.get({ id: job.id });
    expect(after).toMatchObject({ status: 'running', progress: { done: 29, counts: { created: 29 } } });
    expect((await allItems(t.caller, job.id)).map((i) => i.sourceCardId)).not.toContain(refused);

    await app.deps.db.execute(sql.raw('drop trigger cardbridge_test_refuse on payment_methods'));
    await handlers.runChunk({ ...task, chunkNo: 0 });
    expect(await t.caller.migrations.get({ id: job.id })).toMatchObject({
      status: 'completed',
      progress: { done: 30, counts: { created: 30 } },
    });
    expect(await holdings(app, t.tenantId, job.id)).toMatchObject({ cards: 30, imports: 30 });
  });
});
