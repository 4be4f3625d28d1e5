import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import type { MigrationItemDto, MigrationJobDto } from '@cardbridge/core/schemas';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Interrupt } from '../src/context.js';
import { exitCodes } from '../src/errors.js';
import type { RestFiles } from '../src/rest-files.js';
import { fakeProcedure, fakeSequence, runCli } from './helpers.js';

/*
 * The job commands against fake API clients: flags → the job's source (checked by core's schema
 * before anything is sent), watching to the end (progress lines or a bar, the summary, the exit
 * code of the job's outcome), Ctrl+C, downloads to a file or standard output. The real API and
 * the compiled CLI: jobs-e2e.test.ts.
 */

beforeEach(() => {
  for (const name of ['CARDBRIDGE_URL', 'CARDBRIDGE_API_KEY', 'CARDBRIDGE_DATA_DIR'])
    vi.stubEnv(name, undefined);
});
afterEach(() => {
  vi.unstubAllEnvs();
});

const withKey = ['--api-key', 'cbk_test'];

function job(overrides: Partial<MigrationJobDto> & { counts?: MigrationJobDto['progress']['counts'] } = {}) {
  const { counts = {}, ...rest } = overrides;
  const done = Object.values(counts).reduce((a, b) => a + (b ?? 0), 0);
  return {
    id: 9,
    kind: 'stripe_account',
    dryRun: false,
    status: 'queued',
    source: { kind: 'stripe_account', gatewayAccountId: 3 },
    progress: {
      total: 40,
      done,
      sourceRead: true,
      counts,
      requests: 12,
      rowsPerSecond: done > 0 ? 8 : null,
      etaSeconds: done > 0 ? 5 : null,
    },
    estimate: null,
    error: null,
    createdDate: '2026-01-02T03:04:05.000Z',
    startedDate: '2026-01-02T03:04:06.000Z',
    finishedDate: null,
    ...rest,
  } satisfies MigrationJobDto;
}

const ended = (overrides: Parameters<typeof job>[0]) =>
  job({ finishedDate: '2026-01-02T03:05:11.000Z', ...overrides });

const item = (
  seq: number,
  outcome: MigrationItemDto['outcome'],
  reason: string | null,
): MigrationItemDto => ({
  seq,
  key: `card:3:card_${seq}`,
  position: null,
  sourceCustomerId: `cus_${seq}`,
  sourceCardId: `card_${seq}`,
  outcome,
  reason,
  customerId: null,
  paymentMethodId: null,
  customerCreated: false,
  details: null,
});

/** A client whose `get` answers each job in turn; `items` answers the samples. */
function migrationsClient(
  created: MigrationJobDto,
  seen: MigrationJobDto[],
  samples: MigrationItemDto[] = [],
) {
  const create = fakeProcedure(created);
  const get = fakeSequence(seen);
  const items = fakeProcedure({ data: samples, hasMore: false });
  return { create, get, items, client: { migrations: { create, get, items } } };
}

describe('import stripe-account', () => {
  it('maps every flag onto the source; --no-wait returns the created job', async () => {
    const api = migrationsClient(job({ dryRun: true }), []);
    const r = await runCli(
      [
        ...withKey,
        'import',
        'stripe-account',
        '--gateway-account',
        '3',
        '--connected-accounts',
        'acct_1a,acct_2b',
        '--match-by',
        'email',
        '--payment-methods',
        'all',
        '--sync',
        '--apply',
        '--rps',
        '2.5',
        '--dry-run',
        '--no-wait',
      ],
      { client: api.client },
    );
    expect(r.code, r.stderr).toBe(exitCodes.ok);
    expect(api.create.calls).toEqual([
      {
        source: {
          kind: 'stripe_account',
          gatewayAccountId: 3,
          connectedAccounts: ['acct_1a', 'acct_2b'],
          matchBy: 'email',
          paymentMethods: 'all',
          sync: true,
          apply: true,
          requestsPerSecond: 2.5,
        },
        dryRun: true,
      },
    ]);
    expect(api.get.calls).toEqual([]);
    expect(r.stdout).toContain('Created stripe_account plan 9 (queued). Watch it: cardbridge jobs watch 9');
  });

  it('--connected-accounts all; defaults from the schema; bad values are exit 2 naming the flag, nothing sent', async () => {
    const api = migrationsClient(job(), []);
    const all = await runCli(
      [
        ...withKey,
        'import',
        'stripe-account',
        '--gateway-account',
        '3',
        '--connected-accounts',
        'all',
        '--no-wait',
      ],
      { client: api.client },
    );
    expect(all.code, all.stderr).toBe(exitCodes.ok);
    expect(api.create.calls[0]).toEqual({
      source: {
        kind: 'stripe_account',
        gatewayAccountId: 3,
        connectedAccounts: 'all',
        matchBy: 'gateway_customer',
        paymentMethods: 'default',
        sync: false,
        apply: false,
      },
      dryRun: false,
    });

    const cases: [string[], string][] = [
      [['--gateway-account', 'x'], '  source.gatewayAccountId (--gateway-account): '],
      [['--gateway-account', '3', '--match-by', 'name'], '  source.matchBy (--match-by): '],
      [['--gateway-account', '3', '--rps', '0'], '  source.requestsPerSecond (--rps): '],
      [
        ['--gateway-account', '3', '--connected-accounts', 'acct'],
        '  source.connectedAccounts.0 (--connected-accounts): ',
      ],
      [['--gateway-account', '3', '--apply'], '  source.apply (--apply): needs --sync'],
    ];
    for (const [flags, line] of cases) {
      const r = await runCli([...withKey, 'import', 'stripe-account', ...flags]);
      expect(r.code, flags.join(' ')).toBe(exitCodes.usage);
      expect(r.stderr).toContain(line);
    }
    const missing = await runCli([...withKey, 'import', 'stripe-account']);
    expect(missing.code).toBe(exitCodes.usage);
    expect(missing.stderr).toContain("required option '--gateway-account <id>' not specified");
  });

  it('watches the job to its end with progress lines, then prints the summary with sample failures', async () => {
    const running = job({ status: 'running', counts: { created: 10 } });
    const done = ended({ status: 'completed', counts: { created: 37, failed: 2, skipped: 1 } });
    const api = migrationsClient(
      job(),
      [running, running, done],
      [item(4, 'failed', 'No such customer: cus_4')],
    );
    const r = await runCli([...withKey, 'import', 'stripe-account', '--gateway-account', '3'], {
      client: api.client,
    });
    expect(r.code, r.stderr).toBe(exitCodes.ok);
    expect(r.stderr).toContain('Watching stripe_account run 9 (Ctrl+C stops watching; the job goes on).\n');
    // A line at the start and at each change of status; no clock has moved, so none in between.
    expect(r.stderr.match(/^job 9 .*$/gm)).toEqual([
      'job 9 queued: 0/40 rows — no rows yet',
      'job 9 running: 10/40 rows, 8.0 rows/s, ETA 5s — created 10',
      'job 9 completed: 40/40 rows, 8.0 rows/s — created 37, skipped 1, failed 2',
    ]);
    expect(api.items.calls).toEqual([
      { id: 9, outcome: 'failed', limit: 5 },
      { id: 9, outcome: 'skipped', limit: 5 },
    ]);
    expect(r.stdout).toBe(
      'Job 9 (stripe_account) completed in 1m 05s: 40 rows — created 37, skipped 1, failed 2.\n' +
        '12 requests to the gateway.\n' +
        'Failed rows (2; the first 1):\n' +
        '  card:3:card_4: No such customer: cus_4\n' +
        'Skipped rows (1):\n' +
        '  card:3:card_4: No such customer: cus_4\n' +
        'All failed rows: cardbridge jobs items 9 --outcome failed\n' +
        'Report: cardbridge jobs report 9 --out report.csv · id map: cardbridge jobs id-map 9 --out id-map.json\n',
    );
  });

  it('a plan ends with what a real run would take; --json prints the job', async () => {
    const plan = ended({
      dryRun: true,
      status: 'completed',
      counts: { created: 40 },
      estimate: { requests: 150, requestsPerSecond: 25, seconds: 6 },
    });
    const api = migrationsClient(job({ dryRun: true }), [plan]);
    const argv = [...withKey, 'import', 'stripe-account', '--gateway-account', '3', '--dry-run'];
    const human = await runCli(argv, { client: api.client });
    expect(human.code).toBe(exitCodes.ok);
    expect(human.stdout).toContain(
      'Plan 9 (stripe_account) completed in 1m 05s: 40 rows read; a run would give: created 40.\n',
    );
    expect(human.stdout).toContain(
      'A real run: 150 requests at 25 requests/s: about 6s. Run it: the same command without --dry-run.\n',
    );
    expect(human.stdout).not.toContain('Report:');
    const asJson = await runCli(['--json', ...argv], { client: migrationsClient(job(), [plan]).client });
    expect(JSON.parse(asJson.stdout)).toEqual(plan);
  });

  it('a failed job is exit 6 and a cancelled one exit 7, after their summary', async () => {
    const failed = ended({ status: 'failed', error: 'gateway account 3 is not a Stripe account' });
    const f = await runCli([...withKey, 'import', 'stripe-account', '--gateway-account', '3'], {
      client: migrationsClient(job(), [failed]).client,
    });
    expect(f.code).toBe(exitCodes.jobFailed);
    expect(f.stdout).toContain('Job 9 (stripe_account) failed in 1m 05s: 0 rows — no rows yet.\n');
    expect(f.stdout).toContain('Error: gateway account 3 is not a Stripe account\n');
    expect(f.stderr).not.toContain('error:');

    const c = await runCli([...withKey, 'jobs', 'watch', '9'], {
      client: migrationsClient(job(), [ended({ status: 'cancelled', counts: { created: 3 } })]).client,
    });
    expect(c.code).toBe(exitCodes.jobCancelled);
    expect(c.stdout).toContain('Job 9 (stripe_account) cancelled in 1m 05s: 3 rows — created 3.\n');
  });

  it('Ctrl+C stops the watching, not the job: exit 130 and how to watch again', async () => {
    let press: (signal: NodeJS.Signals) => void = () => {};
    const disposed: boolean[] = [];
    const interrupts = (): Interrupt => ({
      signal: new Promise((resolve) => {
        press = resolve;
      }),
      dispose: () => disposed.push(true),
    });
    const running = job({ status: 'running', counts: { created: 10 } });
    const api = migrationsClient(job(), [running]);
    // The user presses Ctrl+C during the second wait.
    let waits = 0;
    const sleep = async () => {
      if (++waits < 2) return;
      press('SIGINT');
      await new Promise<void>(() => {});
    };
    const r = await runCli([...withKey, 'import', 'stripe-account', '--gateway-account', '3'], {
      client: api.client,
      deps: { interrupts, sleep },
    });
    expect(r.code).toBe(exitCodes.interrupted);
    expect(r.stderr).toContain(
      'Stopped watching job 9 (running, 10/40 rows); the job goes on.\n' +
        'Watch it again: cardbridge jobs watch 9 · pause: cardbridge jobs pause 9 · cancel: cardbridge jobs cancel 9\n',
    );
    expect(r.stdout).toBe('');
    expect(api.get.calls).toHaveLength(1);
    expect(disposed).toEqual([true]);
  });

  it('on a terminal, a progress bar: rows done of found, rate, ETA and counts by outcome', async () => {
    let drawn = '';
    const terminal = Object.assign(
      new Writable({
        write(chunk, _encoding, callback) {
          drawn += String(chunk);
          callback();
        },
      }),
      { isTTY: true, columns: 160 },
    );
    const running = job({ status: 'running', counts: { created: 10, failed: 1 } });
    const r = await runCli([...withKey, 'jobs', 'watch', '9'], {
      client: migrationsClient(job(), [
        running,
        running,
        ended({ status: 'completed', counts: { created: 40 } }),
      ]).client,
      deps: { progress: terminal },
    });
    expect(r.code, r.stderr).toBe(exitCodes.ok);
    expect(drawn).toContain('job 9 running |');
    expect(drawn).toContain('| 11/40 rows · 8.0 rows/s · ETA 5s · created 10 · failed 1');
    expect(drawn).toContain(
      'job 9 completed |████████████████████████| 40/40 rows · 8.0 rows/s · ETA - · created 40',
    );
    // No plain progress lines besides the bar.
    expect(r.stderr).not.toMatch(/^job 9 /m);
  });
});

describe('imports from a file, and the bulk export', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'cardbridge-cli-jobs-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  const fakeFiles = () => {
    const uploads: [string, string][] = [];
    const files: RestFiles = {
      upload: async (file, name) => {
        uploads.push([file, name]);
        return { id: 21, name, bytes: 14, encrypted: true, createdDate: '2026-01-02T03:04:05.000Z' };
      },
      download: async () => {
        throw new Error('no download expected');
      },
    };
    return { uploads, createFiles: () => files };
  };

  it('export-file uploads the file as it is, then creates the job naming it', async () => {
    const file = path.join(dir, 'export.csv.gpg');
    await writeFile(file, 'not really pgp');
    const { uploads, createFiles } = fakeFiles();
    const api = migrationsClient(job({ kind: 'export_file' }), []);
    const r = await runCli(
      [...withKey, 'import', 'export-file', file, '--gateway-account', '3', '--format', 'csv', '--no-wait'],
      { client: api.client, deps: { createFiles } },
    );
    expect(r.code, r.stderr).toBe(exitCodes.ok);
    expect(uploads).toEqual([[file, 'export.csv.gpg']]);
    expect(r.stderr).toContain('Uploaded export.csv.gpg: 14 bytes, OpenPGP-encrypted (file id 21).\n');
    expect(api.create.calls).toEqual([
      {
        source: {
          kind: 'export_file',
          fileId: 21,
          gatewayAccountId: 3,
          format: 'csv',
          matchBy: 'gateway_customer',
        },
        dryRun: false,
      },
    ]);
  });

  it('a bad flag or an unreadable file is exit 2 before anything is uploaded', async () => {
    const file = path.join(dir, 'map.csv');
    await writeFile(file, 'customer,card\n');
    const { uploads, createFiles } = fakeFiles();
    const badFormat = await runCli([...withKey, 'import', 'export-file', file, '--format', 'xml'], {
      deps: { createFiles },
    });
    expect(badFormat.code).toBe(exitCodes.usage);
    expect(badFormat.stderr).toContain('  source.format (--format): ');
    const missing = await runCli(
      [...withKey, 'import', 'mapping', path.join(dir, 'nope.csv'), '--gateway-account', '3'],
      {
        deps: { createFiles },
      },
    );
    expect(missing.code).toBe(exitCodes.usage);
    expect(missing.stderr).toContain('(ENOENT)');
    const noAccount = await runCli([...withKey, 'import', 'mapping', file, '--gateway-account', 'three'], {
      deps: { createFiles },
    });
    expect(noAccount.code).toBe(exitCodes.usage);
    expect(noAccount.stderr).toContain('  source.gatewayAccountId (--gateway-account): ');
    expect(uploads).toEqual([]);
  });

  it('export cards: repeated and comma-listed customers, a brand in any case, created-after; bad dates name the flag', async () => {
    const api = migrationsClient(job({ kind: 'bulk_export' }), []);
    const r = await runCli(
      [
        ...withKey,
        'export',
        'cards',
        '--to',
        '4',
        '--customer',
        '1',
        '--customer',
        '2,3',
        '--brand',
        'visa',
        '--created-after',
        '2026-01-01T00:00:00Z',
        '--dry-run',
        '--no-wait',
      ],
      { client: api.client },
    );
    expect(r.code, r.stderr).toBe(exitCodes.ok);
    expect(api.create.calls).toEqual([
      {
        source: {
          kind: 'bulk_export',
          targetGatewayAccountId: 4,
          customerIds: [1, 2, 3],
          brand: 'Visa',
          createdAfter: '2026-01-01T00:00:00Z',
        },
        dryRun: true,
      },
    ]);
    const bad = await runCli([...withKey, 'export', 'cards', '--to', '4', '--created-before', 'yesterday']);
    expect(bad.code).toBe(exitCodes.usage);
    expect(bad.stderr).toContain('  source.createdBefore (--created-before): ');
  });
});

describe('jobs', () => {
  it('list, show, pause, resume and cancel', async () => {
    const list = fakeProcedure({
      data: [ended({ status: 'completed', counts: { created: 40 } })],
      hasMore: true,
    });
    const get = fakeProcedure(job({ status: 'running', counts: { created: 10 } }));
    const pause = fakeProcedure(job({ status: 'paused' }));
    const resume = fakeProcedure(job({ status: 'queued' }));
    const cancel = fakeProcedure(ended({ status: 'cancelled' }));
    const client = { migrations: { list, get, pause, resume, cancel } };
    const listed = await runCli([...withKey, 'jobs', 'list', '--limit', '1'], { client });
    expect(listed.stdout).toMatch(/│ 9\s+│ stripe_account │ run\s+│ completed │ 40\/40 │ created 40/);
    expect(listed.stdout).toContain(
      '1 job; more after these: cardbridge jobs list --limit 1 --starting-after 9',
    );
    const shown = await runCli([...withKey, 'jobs', 'show', '9'], { client });
    expect(shown.stdout).toMatch(/│ rows\s+│ 10\/40\s+│/);
    expect(shown.stdout).toMatch(/│ source\s+│ gatewayAccountId 3\s+│/);
    expect((await runCli([...withKey, 'jobs', 'pause', '9'], { client })).stdout).toContain(
      'Paused job 9 (paused). Watch it: cardbridge jobs watch 9\n',
    );
    expect((await runCli([...withKey, 'jobs', 'resume', '9'], { client })).stdout).toContain(
      'Resumed job 9 (queued).',
    );
    expect((await runCli([...withKey, 'jobs', 'cancel', '9'], { client })).stdout).toContain(
      'Cancelled job 9 (cancelled).\n',
    );
    expect([pause.calls, resume.calls, cancel.calls]).toEqual([[{ id: 9 }], [{ id: 9 }], [{ id: 9 }]]);
    const badId = await runCli([...withKey, 'jobs', 'cancel', 'nine'], { client });
    expect(badId.code).toBe(exitCodes.usage);
  });

  it('items: a page, filtered by outcome, with the command for the next', async () => {
    const items = fakeProcedure({
      data: [item(7, 'failed', 'card declined'), item(8, 'failed', 'expired')],
      hasMore: true,
    });
    const r = await runCli([...withKey, 'jobs', 'items', '9', '--outcome', 'failed', '--limit', '2'], {
      client: { migrations: { items } },
    });
    expect(items.calls).toEqual([{ id: 9, outcome: 'failed', limit: 2 }]);
    expect(r.stdout).toMatch(/│ 7\s+│ card:3:card_7 │ cus_7\s+│ card_7\s+│ failed\s+│ card declined │/);
    expect(r.stdout).toContain(
      '2 rows; more: cardbridge jobs items 9 --outcome failed --limit 2 --after 8\n',
    );
    const bad = await runCli([...withKey, 'jobs', 'items', '9', '--outcome', 'lost']);
    expect(bad.code).toBe(exitCodes.usage);
    expect(bad.stderr).toContain('  outcome: Invalid option');
  });

  describe('report and id-map', () => {
    let dir: string;
    beforeAll(async () => {
      dir = await mkdtemp(path.join(tmpdir(), 'cardbridge-cli-report-'));
    });
    afterAll(() => rm(dir, { recursive: true, force: true }));

    /** A download that writes `text` in two chunks (split inside a character), or fails halfway. */
    const downloading = (text: string, opts: { failHalfway?: boolean } = {}) => {
      const paths: string[] = [];
      const createFiles = (): RestFiles => ({
        upload: async () => {
          throw new Error('no upload expected');
        },
        download: async (apiPath, sink) => {
          paths.push(apiPath);
          const bytes = Buffer.from(text);
          const half = Math.ceil(bytes.length / 2);
          await new Promise<void>((resolve) => sink.write(bytes.subarray(0, half), () => resolve()));
          if (opts.failHalfway) throw new Error('the download of it did not complete (ECONNRESET)');
          await new Promise<void>((resolve) => sink.end(bytes.subarray(half), () => resolve()));
        },
      });
      return { paths, createFiles };
    };

    it('to a file: written whole under a temporary name, then renamed; the format picks the route', async () => {
      const report = 'seq,key\n1,card:3:card_é\n';
      const { paths, createFiles } = downloading(report);
      const out = path.join(dir, 'report.csv');
      const r = await runCli([...withKey, 'jobs', 'report', '9', '--out', out], { deps: { createFiles } });
      expect(r.code, r.stderr).toBe(exitCodes.ok);
      expect(paths).toEqual(['/v1/migrations/9/report.csv']);
      expect(await readFile(out, 'utf8')).toBe(report);
      expect(r.stdout).toBe(
        `Wrote the report of job 9 (csv) to ${out}: ${Buffer.byteLength(report)} bytes.\n`,
      );
      expect(await readdir(dir)).toEqual(['report.csv']);
    });

    it('a download cut short leaves no file behind', async () => {
      const { createFiles } = downloading('[{"sourceCardId":"card_1"}]', { failHalfway: true });
      const out = path.join(dir, 'cut.json');
      const r = await runCli([...withKey, 'jobs', 'id-map', '9', '--out', out], { deps: { createFiles } });
      expect(r.code).not.toBe(exitCodes.ok);
      expect(await readdir(dir)).not.toContain('cut.json');
      expect((await readdir(dir)).filter((f) => f.includes('partial'))).toEqual([]);
    });

    it('to standard output, whole characters across chunks; a bad format is exit 2', async () => {
      const idMap = '[{"sourceCardId":"card_€"}]\n';
      const { paths, createFiles } = downloading(idMap);
      const r = await runCli([...withKey, 'jobs', 'id-map', '9', '--format', 'json'], {
        deps: { createFiles },
      });
      expect(r.code, r.stderr).toBe(exitCodes.ok);
      expect(paths).toEqual(['/v1/migrations/9/id-map.json']);
      expect(r.stdout).toBe(idMap);
      const jsonl = downloading('{}\n');
      await runCli([...withKey, 'jobs', 'report', '9', '--format', 'jsonl'], {
        deps: { createFiles: jsonl.createFiles },
      });
      expect(jsonl.paths).toEqual(['/v1/migrations/9/report.jsonl']);
      const bad = await runCli([...withKey, 'jobs', 'id-map', '9', '--format', 'xml'], {
        deps: { createFiles },
      });
      expect(bad.code).toBe(exitCodes.usage);
      expect(bad.stderr).toContain('format');
    });
  });
});
