import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../src/index.js';
import {
  discardMigrationChunks,
  getMigrationJob,
  getPaymentMethod,
  insertCustomer,
  insertMigrationChunk,
  insertMigrationJob,
  insertPaymentMethodsWithIds,
  insertTenant,
  listActiveCardKeys,
  listAuditEvents,
  listMigrationItems,
  noteMigrationItems,
  pendingMigrationChunks,
  reservePaymentMethodIds,
} from '../src/index.js';
import { insertRecordset } from '../src/repositories/recordset.js';
import { auditEvents } from '../src/schema.js';
import { createTestDatabase } from '../src/testing/index.js';

/*
 * The writes of a file import's batches: rows with reserved ids in one statement with one JSON
 * parameter — values arrive with their types, columns left out keep their defaults, jsonb stays
 * a document, the one-default index still holds — and the staged chunks of an unsound file go.
 */

describe('batch writes of file imports on the real migrations', () => {
  let h: DatabaseHandle;
  beforeAll(async () => {
    h = await createTestDatabase();
  });
  afterAll(async () => {
    await h.close();
  });

  it('inserts cards with reserved ids, typed values and defaults; the one-default index holds', async () => {
    const tenant = await insertTenant(h.db, { name: 'batch' });
    const c1 = await insertCustomer(h.db, tenant.id, { firstName: 'Zoë' });
    const c2 = await insertCustomer(h.db, tenant.id, { firstName: "D'Arcy" });
    const ids = await reservePaymentMethodIds(h.db, 3);
    expect(new Set(ids).size).toBe(3);
    const card = (id: number, customerId: number, isDefault: boolean) => ({
      id,
      customerId,
      cardType: 'Visa',
      maskedCardNumber: '************4242',
      expirationMonth: 3,
      expirationYear: 2031,
      firstName: 'Anna "Ann"',
      fingerprint: `fp-${id}`,
      isDefault,
    });
    await insertPaymentMethodsWithIds(h.db, tenant.id, [
      card(ids[0]!, c1.id, true),
      card(ids[1]!, c1.id, false),
      card(ids[2]!, c2.id, true),
    ]);
    const row = (await getPaymentMethod(h.db, tenant.id, ids[0]!))!;
    expect(row).toMatchObject({
      status: 'active',
      isDefault: true,
      expirationMonth: 3,
      firstName: 'Anna "Ann"',
      storedInVault: false,
      address1: '',
    });
    expect(row.createdAt).toBeInstanceOf(Date);
    expect(await listActiveCardKeys(h.db, tenant.id, [c1.id])).toEqual([
      { id: ids[0], customerId: c1.id, fingerprint: `fp-${ids[0]}`, isDefault: true },
      { id: ids[1], customerId: c1.id, fingerprint: `fp-${ids[1]}`, isDefault: false },
    ]);
    const [another] = await reservePaymentMethodIds(h.db, 1);
    await expect(
      insertPaymentMethodsWithIds(h.db, tenant.id, [card(another!, c1.id, true)]),
    ).rejects.toThrow();
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
