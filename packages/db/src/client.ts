import { fileURLToPath } from 'node:url';
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
    };
  }
  // A data directory is one process's at a time (data-dir-lock.ts): refused before PGlite opens it.
  const lock =
    !config.pglite && config.dataDir
      ? await acquireDataDirLock(config.dataDir, config.onWarning ? { onWarning: config.onWarning } : {})
      : undefined;
  let pg: PGlite;
  try {
    pg = config.pglite ?? (config.dataDir ? new PGlite(config.dataDir) : new PGlite());
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
