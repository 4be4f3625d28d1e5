import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import postgres from 'postgres';
import { type DatabaseHandle, openDatabase } from '../client.js';

/*
 * Per-test databases with the real migrations. On PGlite a migrated template is built once
 * per worker (initdb costs seconds) and cloned for each test. With TEST_DATABASE_URL set the
 * same suites run against a real PostgreSQL server, each in a fresh database of its own.
 */

let pgliteTemplate: Promise<PGlite> | undefined;

async function migratedPglite(): Promise<PGlite> {
  const pg = new PGlite();
  const handle = await openDatabase({ kind: 'pglite', pglite: pg });
  await handle.migrate();
  return pg;
}

let templateDump: Promise<Blob> | undefined;

async function pgliteTestDatabase(): Promise<DatabaseHandle> {
  const templateFile = process.env.CARDBRIDGE_PGLITE_TEMPLATE;
  if (templateFile) {
    templateDump ??= readFile(templateFile).then((b) => new Blob([b]));
    const pg = new PGlite({ loadDataDir: await templateDump });
    return openDatabase({ kind: 'pglite', pglite: pg });
  }
  pgliteTemplate ??= migratedPglite();
  const clone = (await (await pgliteTemplate).clone()) as PGlite;
  return openDatabase({ kind: 'pglite', pglite: clone });
}

async function postgresTestDatabase(serverUrl: string): Promise<DatabaseHandle & { url: string }> {
  const name = `cardbridge_test_${randomBytes(6).toString('hex')}`;
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const handle = await openDatabase({ kind: 'postgres', url: url.toString(), maxConnections: 10 });
  await handle.migrate();
  return {
    ...handle,
    url: url.toString(),
    close: async () => {
      await handle.close();
      const dropper = postgres(serverUrl, { max: 1, onnotice: () => {} });
      try {
        await dropper.unsafe(`drop database if exists ${name} with (force)`);
      } finally {
        await dropper.end();
      }
    },
  };
}

export function testDatabaseKind(): 'postgres' | 'pglite' {
  return process.env.TEST_DATABASE_URL ? 'postgres' : 'pglite';
}

/** A fresh migrated database on the test PostgreSQL server, with its URL (for child processes). */
export function createPostgresTestDatabase(serverUrl: string) {
  return postgresTestDatabase(serverUrl);
}

/**
 * A database with NO migrations applied (migration tests apply them step by step): a fresh
 * database on the test PostgreSQL server, or a fresh in-memory PGlite.
 */
export async function createEmptyTestDatabase(): Promise<DatabaseHandle> {
  const url = process.env.TEST_DATABASE_URL;
  if (!url) return openDatabase({ kind: 'pglite' });
  const name = `cardbridge_test_${randomBytes(6).toString('hex')}`;
  const admin = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const target = new URL(url);
  target.pathname = `/${name}`;
  const handle = await openDatabase({ kind: 'postgres', url: target.toString(), maxConnections: 4 });
  return {
    ...handle,
    close: async () => {
      await handle.close();
      const dropper = postgres(url, { max: 1, onnotice: () => {} });
      try {
        await dropper.unsafe(`drop database if exists ${name} with (force)`);
      } finally {
        await dropper.end();
      }
    },
  };
}

export async function createTestDatabase(): Promise<DatabaseHandle> {
  const url = process.env.TEST_DATABASE_URL;
  return url ? postgresTestDatabase(url) : pgliteTestDatabase();
}

/** Tests inspect and poke the database with plain SQL (drizzle stays inside this package). */
export { sql } from 'drizzle-orm';
export { dumpAllTables, failReplacedUpdates, listColumnNames, renameColumn } from './inspect.js';
