import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, rename, rm, rmdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { PGlite } from '@electric-sql/pglite';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';
import { acquireDataDirLock } from './data-dir-lock.js';
import * as schema from './schema.js';

export type Schema = typeof schema;
/** Both drivers produce this; repositories take it (a transaction is one too). */
export type Db = PgDatabase<PgQueryResultHKT, Schema>;

export const migrationsFolder = fileURLToPath(new URL('../drizzle', import.meta.url));

export type DatabaseConfig =
  /** A real PostgreSQL server (DATABASE_URL). */
  | { kind: 'postgres'; url: string; maxConnections?: number }
  /** Embedded PostgreSQL: a persistent data directory, or in-memory when `dataDir` is omitted. */
  | {
      kind: 'pglite';
      dataDir?: string;
      pglite?: PGlite;
      /** Where the take-over of a stale data-dir lock is reported (default: stderr). */
      onWarning?: (message: string) => void;
    };

export interface DatabaseHandle {
  db: Db;
  kind: DatabaseConfig['kind'];
  /** The server's URL (PostgreSQL only): libraries with their own pool (pg-boss) connect with it. */
  url?: string;
  /** Applies the committed drizzle-kit migrations; safe to run on every start. (Tests: another folder.) */
  migrate(folder?: string): Promise<void>;
  ping(): Promise<void>;
  /**
   * LISTEN on `channel`: `onNotify` gets each notification's payload (a NOTIFY sent in a
   * transaction arrives when it commits). `onListen` runs each time the listen starts: first,
   * and again after a lost connection was re-established, when notifications may have been
   * missed. Resolves, once listening, to the function that stops it.
   */
  listen(
    channel: string,
    onNotify: (payload: string) => void,
    onListen?: () => void,
  ): Promise<() => Promise<void>>;
  close(): Promise<void>;
  /**
   * Plain SQL on the app's own connections: parameterized statements, or several statements
   * without parameters (no BEGIN/COMMIT on PostgreSQL, where the pool refuses them).
   */
  executeSql(text: string, values?: unknown[]): Promise<{ rows: Record<string, unknown>[] }>;
}

/**
 * PostgreSQL's buffer cache inside PGlite (its default is PostgreSQL's 128 MB, all of it
 * WebAssembly memory the process keeps). The data files live on the host's file system, whose
 * page cache still holds them: 32 MB keeps a server's RSS under 400 MB (README "HTTP
 * benchmark": ~190 MB for PGlite itself instead of ~300 MB) at no measurable cost to the
 * benchmarked reads.
 */
const pgliteSharedBuffers = '32MB';
const pgliteStartParams = [...PGlite.defaultStartParams, '-c', `shared_buffers=${pgliteSharedBuffers}`];

const initdbScript = fileURLToPath(new URL('./pglite-initdb.mjs', import.meta.url));

/**
 * A new data dir is created by initdb in a child process (pglite-initdb.mjs says why), into a
 * sibling directory renamed into place once complete: a start interrupted during initdb leaves
 * no half-made data dir behind, only the sibling, which the next start clears.
 */
async function initPgliteDataDir(dataDir: string): Promise<void> {
  if (existsSync(path.join(dataDir, 'PG_VERSION'))) return;
  if (existsSync(dataDir) && (await readdir(dataDir)).length > 0) return; // not ours to replace: PGlite decides
  const staging = `${dataDir}.initdb`;
  await rm(staging, { recursive: true, force: true });
  try {
    await promisify(execFile)(process.execPath, [initdbScript, staging], { timeout: 120_000 });
  } catch (err) {
    await rm(staging, { recursive: true, force: true });
    const stderr = (err as { stderr?: string }).stderr?.trim();
    throw new Error(`cannot create the embedded database in ${dataDir}${stderr ? `: ${stderr}` : ''}`);
  }
  if (existsSync(dataDir)) await rmdir(dataDir);
  await rename(staging, dataDir);
}

export async function openDatabase(config: DatabaseConfig): Promise<DatabaseHandle> {
  if (config.kind === 'postgres') {
    const client = postgres(config.url, {
      max: config.maxConnections ?? 10,
      onnotice: () => {},
      connect_timeout: 10,
    });
    const db = drizzlePostgres(client, { schema }) as unknown as Db;
    return {
      db,
      kind: 'postgres',
      url: config.url,
      migrate: (folder = migrationsFolder) =>
        migratePostgres(drizzlePostgres(client, { schema }), { migrationsFolder: folder }),
      ping: async () => {
        await client`select 1`;
      },
      // postgres.js listens on a connection of its own and re-listens after reconnecting.
      listen: async (channel, onNotify, onListen) => {
        const request = await client.listen(channel, onNotify, onListen);
        return () => request.unlisten();
      },
      close: () => client.end({ timeout: 5 }),
      executeSql: async (text, values) => {
        const rows =
          values && values.length > 0
            ? await client.unsafe(text, values as never[])
            : await client.unsafe(text);
        return { rows: [...rows] as Record<string, unknown>[] };
      },
    };
  }
  // A data directory is one process's at a time (data-dir-lock.ts): refused before PGlite opens it.
  const lock =
    !config.pglite && config.dataDir
      ? await acquireDataDirLock(config.dataDir, config.onWarning ? { onWarning: config.onWarning } : {})
      : undefined;
  let pg: PGlite;
  try {
    if (!config.pglite && config.dataDir) await initPgliteDataDir(config.dataDir);
    pg =
      config.pglite ??
      (config.dataDir
        ? new PGlite(config.dataDir, { startParams: pgliteStartParams })
        : new PGlite({ startParams: pgliteStartParams }));
    await pg.waitReady;
  } catch (err) {
    await lock?.release();
    throw err;
  }
  const pgDb = drizzlePglite(pg, { schema });
  return {
    db: pgDb as unknown as Db,
    kind: 'pglite',
    migrate: (folder = migrationsFolder) => migratePglite(pgDb, { migrationsFolder: folder }),
    ping: async () => {
      await pg.query('select 1');
    },
    // PGlite: parameterized SQL through query (one statement), several statements through exec.
    executeSql: async (text, values) => {
      if (values && values.length > 0) {
        const result = await pg.query<Record<string, unknown>>(text, values);
        return { rows: result.rows };
      }
      const results = await pg.exec(text);
      return { rows: (results.at(-1)?.rows ?? []) as Record<string, unknown>[] };
    },
    // One process holds the embedded database: the connection cannot be lost, onListen runs once.
    listen: async (channel, onNotify, onListen) => {
      const unlisten = await pg.listen(channel, onNotify);
      onListen?.();
      return () => unlisten();
    },
    close: async () => {
      try {
        if (!pg.closed) await pg.close();
      } finally {
        await lock?.release();
      }
    },
  };
}
