import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../src/index.js';
import {
  discardMigrationChunks,
  failMigrationJob,
  finishMigrationChunk,
  getMigrationJob,
  getPaymentMethod,
  insertAuditEvents,
  insertCustomer,
  insertMigrationChunk,
  insertMigrationJob,
  insertStagedPaymentMethods,
  insertTenant,
  listActiveCardKeys,
  listAuditEvents,
  listMigrationItems,
  noteMigrationItems,
  pendingMigrationChunks,
  reservePaymentMethodIds,
  stagedPaymentMethodRecords,
  startMigrationJob,
  updateMigrationJob,
} from '../src/index.js';
import { insertRecordset } from '../src/repositories/recordset.js';
import { auditEvents } from '../src/schema.js';
import { createTestDatabase } from '../src/testing/index.js';

/*
 * The writes of a file import's batches: rows with reserved ids staged in their chunk and inserted
 * from there, or written in one statement with one JSON parameter — values arrive with their
 * types, columns left out keep their defaults, jsonb stays a document, the one-default index
 * still holds — and the staged chunks of an unsound file go.
 */

describe('batch writes of file imports on the real migrations', () => {
  let h: DatabaseHandle;
  beforeAll(async () => {
    h = await createTestDatabase();
  });
  afterAll(async () => {
    await h.close();
  });

  it('inserts staged cards with reserved ids, typed values and defaults; the one-default index holds', async () => {
    const tenant = await insertTenant(h.db, { name: 'batch' });
    const c1 = await insertCustomer(h.db, tenant.id, { firstName: 'Zoë' });
    const c2 = await insertCustomer(h.db, tenant.id, { firstName: "D'Arcy" });
    const job = await insertMigrationJob(h.db, tenant.id, { kind: 'export_file', requestedBy: 'test' });
    const ids = await reservePaymentMethodIds(h.db, 4);
    expect(new Set(ids).size).toBe(4);
    const card = (id: number) => ({
      id,
      cardType: 'Visa',
      maskedCardNumber: '************4242',
      expirationMonth: 3,
      expirationYear: 2031,
      firstName: 'Anna "Ann"',
      fingerprint: `fp-${id}`,
    });
    const staged = { jobId: job.id, chunkNo: 0 };
    await insertMigrationChunk(
      h.db,
      tenant.id,
      job.id,
      { chunkNo: 0, payload: {}, rows: 4, records: stagedPaymentMethodRecords(ids.map(card)) },
      {},
    );
    // Three of the four go in, each with what its run decided.
    await insertStagedPaymentMethods(h.db, tenant.id, staged, [
      { id: ids[0]!, customerId: c1.id, isDefault: true },
      { id: ids[1]!, customerId: c1.id, isDefault: false },
      { id: ids[2]!, customerId: c2.id, isDefault: true },
    ]);
    const row = (await getPaymentMethod(h.db, tenant.id, ids[0]!))!;
    expect(row).toMatchObject({
      customerId: c1.id,
      status: 'active',
      isDefault: true,
      expirationMonth: 3,
      firstName: 'Anna "Ann"',
      storedInVault: false,
      address1: '',
    });
    expect(row.createdAt).toBeInstanceOf(Date);
    expect(await getPaymentMethod(h.db, tenant.id, ids[3]!)).toBeUndefined();
    expect(await listActiveCardKeys(h.db, tenant.id, [c1.id])).toEqual([
      { id: ids[0], customerId: c1.id, fingerprint: `fp-${ids[0]}`, isDefault: true },
      { id: ids[1], customerId: c1.id, fingerprint: `fp-${ids[1]}`, isDefault: false },
    ]);
    // A second default for a customer breaks the one-default index.
    await expect(
      insertStagedPaymentMethods(h.db, tenant.id, staged, [
        { id: ids[3]!, customerId: c1.id, isDefault: true },
      ]),
    ).rejects.toThrow();
    // Another tenant's ids, or a chunk whose records were let go, insert nothing: the call fails.
    const other = await insertTenant(h.db, { name: 'batch-other' });
    await expect(
      insertStagedPaymentMethods(h.db, other.id, staged, [
        { id: ids[3]!, customerId: c2.id, isDefault: false },
      ]),
    ).rejects.toThrow(/holds 0 of the 1/);
    await finishMigrationChunk(h.db, tenant.id, job.id, 0);
    await expect(
      insertStagedPaymentMethods(h.db, tenant.id, staged, [
        { id: ids[3]!, customerId: c2.id, isDefault: false },
      ]),
    ).rejects.toThrow(/holds 0 of the 1/);
  });

  it('keeps jsonb values as documents', async () => {
    const tenant = await insertTenant(h.db, { name: 'batch-json' });
    await insertRecordset(h.db, auditEvents, [
      {
        tenantId: tenant.id,
        action: 'migrations.importCard',
        outcome: 'success',
        details: { requestId: 'r1', nested: { a: [1, 'two'] } },
      },
    ]);
    const [event] = await listAuditEvents(h.db, tenant.id);
    expect(event!.details).toEqual({ requestId: 'r1', nested: { a: [1, 'two'] } });
  });

  it('writes a batch of audit rows whole, shared values and details merged into each', async () => {
    const tenant = await insertTenant(h.db, { name: 'batch-audit' });
    const common = { tenantId: tenant.id, actorKeyId: 'k1', outcome: 'success' as const, origin: 'job' };
    await insertAuditEvents(h.db, [
      { ...common, action: 'a.one', targetType: 'x', targetId: '1', details: { requestId: 'r', n: 1 } },
      { ...common, action: 'a.one', targetType: 'x', targetId: '2', details: { requestId: 'r', n: 2 } },
      { ...common, action: 'a.two', targetType: null, targetId: null, details: { requestId: 'r' } },
    ]);
    await insertAuditEvents(h.db, [
      { ...common, origin: null, action: 'b', targetId: '3', details: null },
      { ...common, origin: null, action: 'b', targetId: '4', details: { only: true } },
    ]);
    // Details every row has alike go in once, still a document; details null in every row stay null.
    await insertAuditEvents(h.db, [
      { ...common, action: 'c', targetId: '5', details: { requestId: 's', n: [1] } },
      { ...common, action: 'c', targetId: '6', details: { requestId: 's', n: [1] } },
    ]);
    await insertAuditEvents(h.db, [
      { ...common, action: 'd', targetId: '7', details: null },
      { ...common, action: 'd', targetId: '8', details: null },
    ]);
    const events = (await listAuditEvents(h.db, tenant.id)).reverse();
    expect(
      events.map((e) => [
        e.tenantId,
        e.actorKeyId,
        e.outcome,
        e.origin,
        e.action,
        e.targetType,
        e.targetId,
        e.details,
      ]),
    ).toEqual([
      [tenant.id, 'k1', 'success', 'job', 'a.one', 'x', '1', { requestId: 'r', n: 1 }],
      [tenant.id, 'k1', 'success', 'job', 'a.one', 'x', '2', { requestId: 'r', n: 2 }],
      [tenant.id, 'k1', 'success', 'job', 'a.two', null, null, { requestId: 'r' }],
      [tenant.id, 'k1', 'success', null, 'b', null, '3', null],
      [tenant.id, 'k1', 'success', null, 'b', null, '4', { only: true }],
      [tenant.id, 'k1', 'success', 'job', 'c', null, '5', { requestId: 's', n: [1] }],
      [tenant.id, 'k1', 'success', 'job', 'c', null, '6', { requestId: 's', n: [1] }],
      [tenant.id, 'k1', 'success', 'job', 'd', null, '7', null],
      [tenant.id, 'k1', 'success', 'job', 'd', null, '8', null],
    ]);
  });

  it('a column some rows set and others leave unset gets its default in those others, not null', async () => {
    const tenant = await insertTenant(h.db, { name: 'batch-mixed' });
    const job = await insertMigrationJob(h.db, tenant.id, { kind: 'export_file', requestedBy: 'test' });
    await noteMigrationItems(h.db, tenant.id, job.id, [
      { itemKey: 'a', outcome: 'created', customerCreated: true },
      { itemKey: 'b', outcome: 'skipped', reason: 'why' },
      { itemKey: 'c', outcome: 'created', customerCreated: false },
    ]);
    const items = await listMigrationItems(h.db, tenant.id, job.id, { limit: 10 });
    expect(items.map((i) => [i.itemKey, i.outcome, i.customerCreated, i.reason])).toEqual([
      ['a', 'created', true, null],
      ['b', 'skipped', false, 'why'],
      ['c', 'created', false, null],
    ]);
    // Values every row has alike go in once, typed: a boolean, a number, text, null.
    await noteMigrationItems(h.db, tenant.id, job.id, [
      { itemKey: 'd', outcome: 'created', customerCreated: true, chunkNo: 7, reason: null },
      { itemKey: 'e', outcome: 'created', customerCreated: true, chunkNo: 7, reason: null },
    ]);
    const more = await listMigrationItems(h.db, tenant.id, job.id, { limit: 10 });
    expect(more.slice(3).map((i) => [i.itemKey, i.outcome, i.customerCreated, i.chunkNo, i.reason])).toEqual([
      ['d', 'created', true, 7, null],
      ['e', 'created', true, 7, null],
    ]);
  });

  it('starts only a queued job and fails only an unfinished one: a pause or cancel meanwhile stands', async () => {
    const tenant = await insertTenant(h.db, { name: 'job-status' });
    const job = await insertMigrationJob(h.db, tenant.id, { kind: 'export_file', requestedBy: 'test' });
    // A worker read the job while queued; a pause came before its start.
    await updateMigrationJob(h.db, tenant.id, job.id, { status: 'paused' });
    expect(await startMigrationJob(h.db, tenant.id, job.id)).toBeUndefined();
    expect((await getMigrationJob(h.db, tenant.id, job.id))!.status).toBe('paused');
    await updateMigrationJob(h.db, tenant.id, job.id, { status: 'queued' });
    expect((await startMigrationJob(h.db, tenant.id, job.id))!.status).toBe('running');

    await updateMigrationJob(h.db, tenant.id, job.id, { status: 'cancelled' });
    await failMigrationJob(h.db, tenant.id, job.id, 'too late');
    expect(await getMigrationJob(h.db, tenant.id, job.id)).toMatchObject({
      status: 'cancelled',
      error: null,
    });
    await updateMigrationJob(h.db, tenant.id, job.id, { status: 'running' });
    await failMigrationJob(h.db, tenant.id, job.id, 'bad file');
    expect(await getMigrationJob(h.db, tenant.id, job.id)).toMatchObject({
      status: 'failed',
      error: 'bad file',
    });
  });

  it('discards the staged chunks of a job, its total and checkpoint with them', async () => {
    const tenant = await insertTenant(h.db, { name: 'batch-discard' });
    const job = await insertMigrationJob(h.db, tenant.id, { kind: 'export_file', requestedBy: 'test' });
    for (const chunkNo of [0, 1]) {
      await insertMigrationChunk(
        h.db,
        tenant.id,
        job.id,
        { chunkNo, payload: { rows: [] }, rows: 500 },
        { stagedChunks: chunkNo + 1 },
      );
    }
    expect(await getMigrationJob(h.db, tenant.id, job.id)).toMatchObject({
      total: 1000,
      checkpoint: { stagedChunks: 2 },
    });
    await discardMigrationChunks(h.db, tenant.id, job.id);
    expect(await pendingMigrationChunks(h.db, tenant.id, job.id)).toEqual([]);
    expect(await getMigrationJob(h.db, tenant.id, job.id)).toMatchObject({ total: 0, checkpoint: {} });
  });
});
