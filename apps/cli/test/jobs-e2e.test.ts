/**
 * End to end, migration jobs: the compiled CLI (child processes) against the real server
 * (`cardbridge serve`, a child process working its jobs itself on its embedded database) and
 * the Stripe emulator (in this process, seeded with a Stripe account of its own). A plan then a
 * run of `import stripe-account`, their report and id map written to files and checked against
 * what the emulator holds; a job made slow by a low `--rps` paused, resumed, watched and left
 * with Ctrl+C, then cancelled; file imports uploaded and refused by a server that does not run
 * their kinds yet. Independent flows (a tenant each) run concurrently.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { supportedKinds } from '@cardbridge/api/src/services/migrations/kinds.js';
import type { MigrationItemDto, MigrationJobDto } from '@cardbridge/core';
import { type SeededCustomer, type StripeEmulator, startStripeEmulator } from '@cardbridge/stripe-emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildCli,
  type CliResult,
  cleanEnv,
  compiledMain,
  root,
  runCli,
  type ServerProcess,
  startServer,
} from './e2e-helpers.js';

/** Whether the server runs jobs of `kind` (each kind lands with its own module: kinds.ts). */
const runsKind = (kind: string) => (supportedKinds() as string[]).includes(kind);

/** Small, so that the CLI meets the server's 413 with a file of a few megabytes. */
const maxUploadBytes = 1024 * 1024;

let server: ServerProcess;
let emulator: StripeEmulator;
let seeded: SeededCustomer[];
let dataDir = '';
let workDir = '';
let tenants = 0;

beforeAll(async () => {
  buildCli();
  dataDir = await mkdtemp(path.join(tmpdir(), 'cardbridge-jobs-e2e-'));
  workDir = await mkdtemp(path.join(tmpdir(), 'cardbridge-jobs-e2e-files-'));
  emulator = await startStripeEmulator();
  seeded = await emulator.seedDemo({ seed: 12, customers: 24, cardsPerCustomer: 1 });
  server = await startServer(dataDir, { CARDBRIDGE_MIGRATION_FILE_MAX_BYTES: String(maxUploadBytes) });
}, 90_000);

afterAll(async () => {
  if (server?.child.exitCode === null && server.child.signalCode === null) server.child.kill('SIGKILL');
  await emulator?.close();
  await rm(dataDir, { recursive: true, force: true });
  await rm(workDir, { recursive: true, force: true });
});

const ok = (r: CliResult) => {
  expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
  return r;
};
const json = <T>(r: CliResult): T => JSON.parse(ok(r).stdout) as T;

/** A tenant of its own with a Stripe gateway account on the emulator: `cli` runs as its admin. */
async function freshTenant() {
  const created = await runCli(['tenants', 'create', '--name', `jobs ${++tenants}`, '--json'], {
    CARDBRIDGE_URL: server.url,
    CARDBRIDGE_DATA_DIR: dataDir,
  });
  const env = {
    CARDBRIDGE_URL: server.url,
    CARDBRIDGE_API_KEY: json<{ adminKey: { secret: string } }>(created).adminKey.secret,
  };
  const cli = (args: string[]) => runCli(args, env, { cwd: workDir });
  const account = json<{ id: number }>(
    await cli([
      'gateways',
      'add',
      'stripe',
      '--api-base',
      emulator.url,
      '--secret-key',
      'sk_test_jobsE2e0001',
      '--json',
    ]),
  );
  return { env, cli, accountId: String(account.id) };
}

describe('cardbridge import and jobs against the real server', () => {
  it.concurrent('plans then imports a Stripe account; the report and id map match what Stripe holds', async () => {
    const { cli, accountId } = await freshTenant();
    const stripeIds = seeded.flatMap((c) => [...c.cards, ...c.paymentMethods].map((card) => [card.id, c.id]));
    const rows = stripeIds.length;

    // Watched to the end (no terminal: progress lines on stderr), then the plan.
    const plan = ok(
      await cli(['import', 'stripe-account', '--gateway-account', accountId, '--rps', '1000', '--dry-run']),
    );
    const planId = /^Plan (\d+) \(stripe_account\) completed/.exec(plan.stdout)?.[1];
    expect(planId, plan.stdout).toBeDefined();
    expect(plan.stdout).toContain(`: ${rows} rows read; a run would give: created ${rows}.\n`);
    expect(plan.stdout).toMatch(/^A real run: \d+ requests at 1000 requests\/s: /m);
    expect(plan.stderr).toContain(
      `Watching stripe_account plan ${planId} (Ctrl+C stops watching; the job goes on).`,
    );
    expect(plan.stderr).toMatch(new RegExp(`^job ${planId} completed: ${rows}/${rows} rows`, 'm'));

    // A plan whose rows fail shows samples of them, with their reasons.
    const failing = ok(
      await cli([
        'import',
        'stripe-account',
        '--gateway-account',
        accountId,
        '--connected-accounts',
        'acct_missing1',
        '--dry-run',
      ]),
    );
    expect(failing.stdout).toContain(
      'Failed rows (1):\n  account:acct_missing1: no Connect gateway account of the tenant for acct_missing1',
    );

    const run = ok(await cli(['import', 'stripe-account', '--gateway-account', accountId, '--rps', '1000']));
    const runId = /^Job (\d+) \(stripe_account\) completed/.exec(run.stdout)?.[1];
    expect(run.stdout).toContain(`: ${rows} rows — created ${rows}.\n`);
    expect(run.stdout).toContain(`Report: cardbridge jobs report ${runId} --out report.csv`);

    // The report, as a file and on standard output.
    expect(ok(await cli(['jobs', 'report', String(runId), '--out', 'report.csv'])).stdout).toMatch(
      new RegExp(`^Wrote the report of job ${runId} \\(csv\\) to report.csv: \\d+ bytes.\\n$`),
    );
    const csv = (await readFile(path.join(workDir, 'report.csv'), 'utf8')).trimEnd().split('\r\n');
    expect(csv[0]).toBe(
      'seq,key,position,sourceCustomerId,sourceCardId,outcome,reason,customerId,paymentMethodId,customerCreated',
    );
    expect(csv).toHaveLength(rows + 1);
    const reported = ok(await cli(['jobs', 'report', String(runId), '--format', 'jsonl']))
      .stdout.trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as MigrationItemDto);
    expect(reported.map((i) => [i.sourceCardId, i.sourceCustomerId]).sort()).toEqual([...stripeIds].sort());
    expect(new Set(reported.map((i) => i.outcome))).toEqual(new Set(['created']));
    expect(csv.slice(1).map((line) => line.split(',')[4])).toEqual(reported.map((i) => i.sourceCardId));

    // The id map: each Stripe card next to our payment method, which holds that card.
    ok(await cli(['jobs', 'id-map', String(runId), '--out', 'id-map.json']));
    const idMap = JSON.parse(await readFile(path.join(workDir, 'id-map.json'), 'utf8')) as {
      sourceCustomerId: string;
      sourceCardId: string;
      customerId: number;
      paymentMethodId: number;
    }[];
    expect(idMap.map((m) => [m.sourceCardId, m.sourceCustomerId]).sort()).toEqual([...stripeIds].sort());
    const sample = idMap[0]!;
    const card = json<{ externalCardId: string; externalCustomerId: string; customerId: number }>(
      await cli(['cards', 'get', String(sample.paymentMethodId), '--json']),
    );
    expect(card).toMatchObject({
      externalCardId: sample.sourceCardId,
      externalCustomerId: sample.sourceCustomerId,
      customerId: sample.customerId,
    });
    ok(await cli(['jobs', 'id-map', String(runId), '--format', 'csv', '--out', 'id-map.csv']));
    const mapCsv = (await readFile(path.join(workDir, 'id-map.csv'), 'utf8')).trimEnd().split('\r\n');
    expect(mapCsv[0]).toBe('sourceCustomerId,sourceCardId,customerId,paymentMethodId');
    expect(mapCsv.slice(1)).toEqual(
      idMap.map((m) => `${m.sourceCustomerId},${m.sourceCardId},${m.customerId},${m.paymentMethodId}`),
    );

    const listed = json<{ data: MigrationJobDto[] }>(await cli(['jobs', 'list', '--json']));
    expect(listed.data.map((j) => j.id)).toEqual(expect.arrayContaining([Number(planId), Number(runId)]));
    const missing = await cli(['jobs', 'report', '999999']);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toBe('error: Migration job with id 999999 not found.\n');
  }, 240_000);

  it.concurrent('pauses, resumes and cancels a job slowed by --rps; Ctrl+C while watching leaves it running', async () => {
    const { cli, env, accountId } = await freshTenant();
    const created = json<MigrationJobDto>(
      await cli([
        'import',
        'stripe-account',
        '--gateway-account',
        accountId,
        '--rps',
        '0.5',
        '--no-wait',
        '--json',
      ]),
    );
    const id = String(created.id);
    expect(created.status).toBe('queued');

    expect(json<MigrationJobDto>(await cli(['jobs', 'pause', id, '--json'])).status).toBe('paused');
    const again = await cli(['jobs', 'pause', id]);
    expect(again.code).toBe(3);
    expect(again.stderr).toBe(`error: Cannot pause migration job ${id}: it is paused.\n`);
    expect(['queued', 'running']).toContain(
      json<MigrationJobDto>(await cli(['jobs', 'resume', id, '--json'])).status,
    );

    // Watching, then Ctrl+C once the first progress line is out: the watching stops, the job does not.
    const watcher = spawn(process.execPath, [...compiledMain, 'jobs', 'watch', id], {
      cwd: root,
      env: cleanEnv(env),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    const exited = new Promise<number | null>((resolve) => watcher.once('exit', (code) => resolve(code)));
    await new Promise<void>((resolve) => {
      watcher.stderr.on('data', (d) => {
        stderr += String(d);
        if (new RegExp(`^job ${id} `, 'm').test(stderr)) resolve();
      });
    });
    watcher.kill('SIGINT');
    expect(await exited).toBe(130);
    expect(stderr).toMatch(
      new RegExp(`Stopped watching job ${id} \\((queued|running), [^)]*\\); the job goes on\\.`),
    );
    expect(stderr).toContain(`Watch it again: cardbridge jobs watch ${id}`);
    expect(['queued', 'running']).toContain(
      json<MigrationJobDto>(await cli(['jobs', 'show', id, '--json'])).status,
    );

    expect(json<MigrationJobDto>(await cli(['jobs', 'cancel', id, '--json'])).status).toBe('cancelled');
    const watched = await cli(['jobs', 'watch', id]);
    expect(watched.code).toBe(7);
    expect(watched.stdout).toMatch(new RegExp(`^Job ${id} \\(stripe_account\\) cancelled`));
    const resumed = await cli(['jobs', 'resume', id]);
    expect(resumed.code).toBe(3);
    expect(resumed.stderr).toBe(`error: Cannot resume migration job ${id}: it is cancelled.\n`);
  }, 240_000);

  it.concurrent('uploads files as they are for the file imports, then plans them (or is refused by name where the server does not run the kind yet)', async () => {
    const { cli, accountId } = await freshTenant();
    const exportCsv = 'id,customer,number\ncard_1,cus_1,x\n';
    await writeFile(path.join(workDir, 'export.csv'), exportCsv);
    await writeFile(
      path.join(workDir, 'export.csv.asc'),
      '-----BEGIN PGP MESSAGE-----\n\nhQEMA8kbPWh1aUAr\n-----END PGP MESSAGE-----\n',
    );
    await writeFile(
      path.join(workDir, 'mapping.csv'),
      'customer,stripe_customer,stripe_card\n1,cus_1,card_1\n',
    );
    await writeFile(path.join(workDir, 'huge.csv'), Buffer.alloc(maxUploadBytes * 3, 'x'));

    // Plans returned at once. A kind the server does not run (yet) is refused by name; one it runs
    // judges the plan by its own rules (its suite covers them): here only that it was reached.
    const createdOrRefused = (r: CliResult, kind: string) => {
      const refusal = `  source.kind: '${kind}' jobs are not supported by this server yet\n`;
      if (runsKind(kind)) {
        expect(r.stderr).not.toContain(refusal);
        if (r.code === 0) expect(r.stdout).toMatch(new RegExp(`^Created ${kind} plan \\d+ `));
      } else {
        expect(r.code).toBe(2);
        expect(r.stderr).toContain(refusal);
      }
    };
    const plan = ['--dry-run', '--no-wait'];
    const clear = await cli(['import', 'export-file', 'export.csv', '--gateway-account', accountId, ...plan]);
    expect(clear.stderr).toMatch(
      new RegExp(`^Uploaded export\\.csv: ${exportCsv.length} bytes, clear \\(file id \\d+\\)\\.$`, 'm'),
    );
    createdOrRefused(clear, 'export_file');
    const encrypted = await cli(['import', 'export-file', 'export.csv.asc', '--format', 'csv', ...plan]);
    expect(encrypted.stderr).toMatch(
      /^Uploaded export\.csv\.asc: \d+ bytes, OpenPGP-encrypted \(file id \d+\)\.$/m,
    );
    createdOrRefused(encrypted, 'export_file');
    const mapping = await cli(['import', 'mapping', 'mapping.csv', '--gateway-account', accountId, ...plan]);
    expect(mapping.stderr).toMatch(/^Uploaded mapping\.csv: \d+ bytes, clear \(file id \d+\)\.$/m);
    createdOrRefused(mapping, 'mapping_file');
    createdOrRefused(
      await cli(['export', 'cards', '--to', accountId, '--brand', 'visa', ...plan]),
      'bulk_export',
    );

    // The server's answers to the upload itself.
    const huge = await cli(['import', 'export-file', 'huge.csv']);
    // Code and words together: a failure shows what the CLI said.
    expect({ code: huge.code, stderr: huge.stderr }).toEqual({
      code: 2,
      stderr: `error: The file is larger than the ${maxUploadBytes} bytes an upload may hold.\n`,
    });
    const absent = await cli(['import', 'export-file', 'absent.csv']);
    expect(absent.code).toBe(2);
    expect(absent.stderr).toContain('error: cannot read absent.csv (ENOENT)');
  }, 240_000);
});
