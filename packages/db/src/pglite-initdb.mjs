/**
 * `node pglite-initdb.mjs <dir>`: creates a new PGlite data directory in <dir> (which must not
 * exist yet) and exits. PGlite runs initdb as a second embedded PostgreSQL plus the initdb
 * module in the process that opens a new data dir, and the WebAssembly memory they grew stays
 * with that process: a server that ran initdb itself kept ~0.9 GB RSS for its whole life, one
 * that opened an existing data dir ~0.4 GB. `openDatabase` runs this in a short-lived child
 * process instead (client.ts, `initPgliteDataDir`). Plain JavaScript: it runs under node alone.
 */
import { PGlite } from '@electric-sql/pglite';

const dir = process.argv[2];
if (!dir) {
  process.stderr.write('usage: node pglite-initdb.mjs <new data dir>\n');
  process.exit(2);
}
const pg = new PGlite(dir);
await pg.waitReady;
await pg.close();
