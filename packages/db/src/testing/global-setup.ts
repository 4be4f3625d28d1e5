import { rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { openDatabase } from '../client.js';

/**
 * vitest globalSetup: PGlite's initdb costs seconds, so it runs once per test run. The
 * migrated data dir is dumped to a temp file; every test database loads it (~1 s).
 */
export default async function setup() {
  if (process.env.TEST_DATABASE_URL || process.env.CARDBRIDGE_PGLITE_TEMPLATE) return;
  const pg = new PGlite();
  const handle = await openDatabase({ kind: 'pglite', pglite: pg });
  await handle.migrate();
  const dump = await pg.dumpDataDir('none');
  await pg.close();
  const file = path.join(tmpdir(), `cardbridge-pglite-template-${process.pid}.tar`);
  await writeFile(file, Buffer.from(await dump.arrayBuffer()));
  process.env.CARDBRIDGE_PGLITE_TEMPLATE = file;
  return async () => {
    await rm(file, { force: true });
  };
}
