/**
 * Throughput and memory of an export_file migration job on PostgreSQL, against a bare bulk insert.
 *
 *   TEST_DATABASE_URL=postgres://postgres@127.0.0.1:55432/postgres \
 *     pnpm --filter @cardbridge/api exec tsx bench/export-file.ts [--cards 100000] [--cards-per-customer 3] [--concurrency 6]
 *
 * (`pnpm bench:migrate-file` runs it as `node --max-old-space-size=128 --max-semi-space-size=8
 * --import tsx bench/export-file.ts …`, the worker settings the README recommends: V8 otherwise
 * lets garbage pile up to ~190 MB of old space, and its young generation (16 MB semi-spaces)
 * held ~35 MB more RSS for no measurable speed.)
 *
 * Generates an encrypted Stripe card export (in a child process, with the jobs package's
 * generator, so its memory is not this process's), uploads it, runs the job with this process as
 * its worker, then inserts the very rows the job wrote (already sealed) into a copy of
 * payment_methods with bare postgres.js multi-row inserts (1,000 rows a statement), and prints
 * both times, the ratio of throughputs (issue 9 asks ≥ 0.3) and this process's RSS while the job
 * ran (issue 9 asks ≤ 300 MB). A fresh database is made for the run and dropped after.
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { MasterKey } from '@cardbridge/core';
import { getMigrationJob, insertTenant } from '@cardbridge/db';
import { createPostgresTestDatabase } from '@cardbridge/db/testing';
import type { Actor } from '../src/actor.js';
import { createDeps } from '../src/deps.js';
import { createLogger } from '../src/logger.js';
import {
  createMigrationJob,
  migrationHandlers,
  storeMigrationFile,
} from '../src/services/migrations/index.js';

const { values } = parseArgs({
  options: {
    cards: { type: 'string', default: '100000' },
    'cards-per-customer': { type: 'string', default: '3' },
    concurrency: { type: 'string' },
  },
});
const cards = Number(values.cards);
const serverUrl = process.env.TEST_DATABASE_URL;
if (!serverUrl) throw new Error('set TEST_DATABASE_URL to a PostgreSQL server');

const mb = (kb: number) => `${Math.round(kb / 1024)} MB`;
const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

const dir = await mkdtemp(join(tmpdir(), 'cardbridge-bench-'));
const database = await createPostgresTestDatabase(serverUrl);
try {
  const passphrase = 'bench';
  const path = join(dir, 'export.csv.gpg');
  const generator = new URL('../../jobs/scripts/generate-stripe-export.ts', import.meta.url).pathname;
  const generate = (...args: string[]) =>
    execFileSync(process.execPath, ['--import', 'tsx', generator, ...args], { stdio: 'inherit' });
  let started = Date.now();
  generate('--generate-key', join(dir, 'key'), '--passphrase', passphrase);
  generate(
    ...['--cards', String(cards), '--cards-per-customer', values['cards-per-customer']!, '--format', 'csv'],
    ...['--seed', '9', '--out', path, '--encrypt-to', join(dir, 'key.pub.asc')],
  );
  console.log(`file made in ${seconds(Date.now() - started)}`);
  const keys = { privateKeyArmored: await readFile(join(dir, 'key.key.asc'), 'utf8') };

  const deps = createDeps({
    database,
    masterKey: MasterKey.fromBase64(MasterKey.generateBase64()),
    logger: createLogger({ level: 'warn' }),
    importKey: { armored: keys.privateKeyArmored, passphrase },
  });
  const tenant = await insertTenant(deps.db, { name: 'bench' });
  const actor: Actor = {
    kind: 'api_key',
    tenantId: tenant.id,
    apiKeyId: null,
    keyId: 'bench',
    scopes: ['imports', 'cards:intake'],
    origin: 'bench',
    requestId: randomUUID(),
  };
  started = Date.now();
  const file = await storeMigrationFile(deps, actor, {
    name: 'export.csv.gpg',
    body: createReadStream(path),
  });
  console.log(`upload: ${seconds(Date.now() - started)}`);

  // Without --concurrency, the workers' default (the server's and `cardbridge worker`'s).
  await deps.jobs.work(
    migrationHandlers(deps),
    values.concurrency ? { concurrency: Number(values.concurrency) } : {},
  );
  const rssBefore = process.resourceUsage().maxRSS;
  started = Date.now();
  const job = await createMigrationJob(deps, actor, {
    source: { kind: 'export_file', fileId: file.id, format: 'auto', matchBy: 'gateway_customer' },
    dryRun: false,
  });
  let readAt: number | undefined;
  let rss = 0;
  let heap = 0;
  for (;;) {
    const memory = process.memoryUsage();
    rss = Math.max(rss, memory.rss);
    heap = Math.max(heap, memory.heapUsed);
    const row = (await getMigrationJob(deps.db, tenant.id, job.id))!;
    if (row.sourceRead && readAt === undefined) readAt = Date.now();
    if (row.status !== 'running' && row.status !== 'queued') {
      if (row.status !== 'completed') throw new Error(`job ${row.status}: ${row.error}`);
      break;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const jobMs = Date.now() - started;
  const peakRss = process.resourceUsage().maxRSS;
  console.log(
    `job: ${seconds(jobMs)} (file read and staged in ${seconds((readAt ?? started) - started)}, rows in ${seconds(Date.now() - (readAt ?? started))}), ${Math.round(cards / (jobMs / 1000))} cards/s`,
  );
  console.log(
    `RSS while the job ran: at most ${mb(rss / 1024)} (sampled every 100 ms; heap used at most ${mb(heap / 1024)}); the process's peak: ${mb(peakRss)}, ${mb(rssBefore)} before the job`,
  );
  await deps.jobs.stop();

  // The baseline: the same sealed rows, inserted bare.
  await database.executeSql(
    'create table bench_payment_methods (like payment_methods including defaults including constraints including indexes)',
  );
  // Read a page, time only its insert: what the job wrote is never held whole.
  let bareMs = 0;
  let inserted = 0;
  for (let after = 0; ; ) {
    const { rows } = await database.executeSql(
      'select * from payment_methods where tenant_id = $1 and id > $2 order by id limit 1000',
      [tenant.id, after],
    );
    if (rows.length === 0) break;
    after = Number(rows.at(-1)!.id);
    const columns = Object.keys(rows[0]!);
    const params: unknown[] = [];
    const tuples = rows.map((row) => `(${columns.map((c) => `$${params.push(row[c] ?? null)}`).join(', ')})`);
    started = Date.now();
    await database.executeSql(
      `insert into bench_payment_methods (${columns.map((c) => `"${c}"`).join(', ')}) values ${tuples.join(', ')}`,
      params,
    );
    bareMs += Date.now() - started;
    inserted += rows.length;
  }
  console.log(`bare postgres.js insert of the same ${inserted} rows: ${seconds(bareMs)}`);
  console.log(`throughput ratio (job / bare insert): ${(bareMs / jobMs).toFixed(2)}`);
} finally {
  await database.close();
  await rm(dir, { recursive: true, force: true });
}
process.exit(0);
