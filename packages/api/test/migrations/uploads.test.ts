import { insertMigrationFile, insertMigrationFilePart } from '@cardbridge/db';
import { sql } from '@cardbridge/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeMigrationFile, sweepIncompleteUploads } from '../../src/services/migrations/index.js';
import { createTestApp, type TestApp } from '../helpers.js';
import { actorOf } from './file-helpers.js';

/*
 * What an upload leaves when it does not finish: a refused or broken one takes its parts with
 * it; one a crash cut short is swept by a worker's start once it is a day old.
 */

const rowsOf = <T>(r: unknown): T[] => (Array.isArray(r) ? r : (r as { rows: T[] }).rows) as T[];

describe('uploads that do not finish', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp();
  });
  afterAll(async () => {
    await app.close();
  });

  async function stored(tenantId: number) {
    const files = rowsOf<{ id: number; complete: boolean }>(
      await app.deps.db.execute(
        sql`select id, complete from migration_files where tenant_id = ${tenantId} order by id`,
      ),
    );
    const [parts] = rowsOf<{ n: number }>(
      await app.deps.db.execute(
        sql`select count(*)::int as n from migration_file_parts where tenant_id = ${tenantId}`,
      ),
    );
    return { files, parts: parts?.n ?? 0 };
  }

  async function* bytes(parts: number, fail?: Error) {
    for (let i = 0; i < parts; i++) yield Buffer.alloc(1024 * 1024, 'x');
    if (fail) throw fail;
  }

  it('a refused or broken upload leaves nothing; a whole one stays', async () => {
    const t = await app.tenant();
    const actor = actorOf(t);
    await expect(
      storeMigrationFile(app.deps, actor, { name: 'big.csv', body: bytes(3), maxBytes: 2 * 1024 * 1024 }),
    ).rejects.toThrow(/larger than/);
    await expect(
      storeMigrationFile(app.deps, actor, { name: 'cut.csv', body: bytes(2, new Error('client went away')) }),
    ).rejects.toThrow(/client went away/);
    expect(await stored(t.tenantId)).toEqual({ files: [], parts: 0 });
    const whole = await storeMigrationFile(app.deps, actor, { name: 'ok.csv', body: bytes(2) });
    expect(await stored(t.tenantId)).toEqual({ files: [{ id: whole.id, complete: true }], parts: 2 });
  });

  it("a worker's start sweeps what a crash left incomplete once it is a day old, and nothing else", async () => {
    const t = await app.tenant();
    const whole = await storeMigrationFile(app.deps, actorOf(t), { name: 'ok.csv', body: bytes(1) });
    const cut = await insertMigrationFile(app.deps.db, t.tenantId, { name: 'cut.csv', storage: 'pgp' });
    await insertMigrationFilePart(app.deps.db, t.tenantId, {
      fileId: cut.id,
      partNo: 0,
      data: 'AAAA',
      keyVersion: null,
      bytes: 3,
    });
    expect(await sweepIncompleteUploads(app.deps)).toBe(0);
    expect((await stored(t.tenantId)).files).toHaveLength(2);
    await app.deps.db.execute(
      sql`update migration_files set created_at = now() - interval '25 hours' where id = ${cut.id}`,
    );
    expect(await sweepIncompleteUploads(app.deps)).toBe(1);
    expect(await stored(t.tenantId)).toEqual({ files: [{ id: whole.id, complete: true }], parts: 1 });
  });
});
