import { randomUUID } from 'node:crypto';
import type { Db } from '@cardbridge/db';
import { sql } from '@cardbridge/db/testing';
import type { Actor } from '../../src/actor.js';
import { storeMigrationFile } from '../../src/services/migrations/index.js';
import type { TestApp, TestTenant } from '../helpers.js';
import { type Caller, type Job, settled } from './job-helpers.js';

export { allItems, settled } from './job-helpers.js';

/* What the export and mapping file suites share: uploads, running a job, what a tenant holds. */

type Item = Awaited<ReturnType<Caller['migrations']['items']>>['data'][number];

export type { Item, Job };

/** Creates a job and waits for its end. */
export async function runJob(
  caller: Caller,
  input: Parameters<Caller['migrations']['create']>[0],
): Promise<Job> {
  return settled(caller, (await caller.migrations.create(input)).id);
}

/** The tenant's key as the actor of a service call (the upload has no procedure of ours yet). */
export function actorOf(t: TestTenant): Actor {
  return {
    kind: 'api_key',
    tenantId: t.tenantId,
    apiKeyId: null,
    keyId: 'test',
    scopes: ['imports', 'cards:intake'],
    origin: 'test',
    requestId: randomUUID(),
  };
}

/** Collects a generated file's bytes (they are small in these tests). */
export async function bytesOf(chunks: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of chunks) parts.push(Buffer.from(chunk));
  return Buffer.concat(parts);
}

/** Uploads a file as a migration source, in a few pieces as a client would send it. */
export async function upload(app: TestApp, t: TestTenant, name: string, bytes: Uint8Array | string) {
  const data = typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : Buffer.from(bytes);
  async function* body() {
    for (let i = 0; i < data.length; i += 64 * 1024) yield data.subarray(i, i + 64 * 1024);
  }
  return storeMigrationFile(app.deps, actorOf(t), { name, body: body() });
}

export async function rows<T>(db: Db, query: ReturnType<typeof sql>): Promise<T[]> {
  const result = await db.execute(query);
  return (Array.isArray(result) ? result : (result as unknown as { rows: T[] }).rows) as T[];
}

/** What a tenant holds: customers, payment methods, audit rows of card imports, and a job's chunks. */
export async function holdings(app: TestApp, tenantId: number, jobId?: number) {
  const [counts] = await rows<{ customers: number; cards: number; imports: number; chunks: number }>(
    app.deps.db,
    sql`select
      (select count(*)::int from customers where tenant_id = ${tenantId}) as customers,
      (select count(*)::int from payment_methods where tenant_id = ${tenantId}) as cards,
      (select count(*)::int from audit_events where tenant_id = ${tenantId} and action = 'migrations.importCard') as imports,
      (select count(*)::int from migration_job_chunks where tenant_id = ${tenantId} and job_id = ${jobId ?? 0}) as chunks`,
  );
  return counts!;
}
