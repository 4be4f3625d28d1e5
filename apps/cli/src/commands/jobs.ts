import { createWriteStream } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import { Writable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import {
  listMigrationItemsInput,
  listMigrationJobsInput,
  migrationJobIdInput,
} from '@cardbridge/core/schemas';
import type { Command } from 'commander';
import { z } from 'zod';
import type { CliContext } from '../context.js';
import type { Io } from '../io.js';
import { itemRows, jobRecord, jobRows } from '../jobs/format.js';
import { followJob } from '../jobs/watch.js';
import { pageHint } from '../output.js';
import { defined, intValue, parseInput } from '../parse.js';
import { topLevelCommand } from './catalogue.js';
import { type PageFlags, pageInput, withPageFlags } from './customers.js';

const artifactFlags = {
  report: z.strictObject({ id: migrationJobIdInput.shape.id, format: z.enum(['csv', 'jsonl']) }),
  'id-map': z.strictObject({ id: migrationJobIdInput.shape.id, format: z.enum(['json', 'csv']) }),
};
type Artifact = keyof typeof artifactFlags;

/**
 * Standard output for a download: back-pressure from a slow reader (`| less`) reaches the API,
 * and the end of the download does not end standard output itself.
 */
function stdoutOf(io: Io): Writable {
  const target = io.outStream;
  // Without a stream (tests): text, whole characters only (a chunk may end inside one).
  const decoder = new StringDecoder('utf8');
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      if (!target) {
        io.out(decoder.write(chunk));
        done();
      } else if (target.write(chunk)) done();
      else target.once('drain', () => done());
    },
    final(done) {
      if (!target) io.out(decoder.end());
      done();
    },
  });
}

/**
 * A report or id map, from the API to `--out` (written beside it first and renamed once whole,
 * so a cut download never leaves a file that looks complete) or to standard output.
 */
async function download(
  ctx: CliContext,
  artifact: Artifact,
  rawId: string,
  opts: { format: string; out?: string },
) {
  const { id, format } = parseInput(artifactFlags[artifact], { id: intValue(rawId), format: opts.format });
  const files = await ctx.files();
  const apiPath = `/v1/migrations/${id}/${artifact}.${format}`;
  if (opts.out === undefined) {
    await files.download(apiPath, stdoutOf(ctx.deps.io));
    return;
  }
  const partial = `${opts.out}.${process.pid}.partial`;
  try {
    await files.download(apiPath, createWriteStream(partial, { mode: 0o600 }));
    await rename(partial, opts.out);
  } finally {
    await rm(partial, { force: true });
  }
  const { size } = await stat(opts.out);
  const what = artifact === 'report' ? 'report' : 'id map';
  ctx.emit(
    { file: opts.out, bytes: size },
    () => `Wrote the ${what} of job ${id} (${format}) to ${opts.out}: ${size} bytes.\n`,
  );
}

const control = {
  pause: { done: 'Paused', about: 'pause a job: it stops at its next row (what is done stays done)' },
  resume: { done: 'Resumed', about: 'resume a paused job where it stopped' },
  cancel: {
    done: 'Cancelled',
    about: 'cancel a job for good: its pending work is dropped (rows done stay done)',
  },
} as const;

export function registerJobs(program: Command, ctx: CliContext): void {
  const jobs = topLevelCommand(program, 'jobs');

  withPageFlags(jobs.command('list').description("list the tenant's migration jobs, newest first")).action(
    async (opts: PageFlags) => {
      const input = parseInput(listMigrationJobsInput, pageInput(opts));
      const result = await (await ctx.client()).migrations.list.query(input);
      ctx.emit(
        result,
        () =>
          jobRows(result.data) +
          pageHint({
            command: `cardbridge jobs list${opts.limit ? ` --limit ${opts.limit}` : ''}`,
            page: result,
            backwards: opts.endingBefore !== undefined,
            noun: 'job',
          }),
      );
    },
  );

  jobs
    .command('show')
    .description(
      'show a job: status, rows, counts by outcome, rate, ETA (a plan: what a real run would take)',
    )
    .argument('<id>', 'job id')
    .action(async (rawId: string) => {
      const input = parseInput(migrationJobIdInput, { id: intValue(rawId) });
      const result = await (await ctx.client()).migrations.get.query(input);
      ctx.emit(result, () => jobRecord(result));
    });

  jobs
    .command('watch')
    .description(
      'watch a job to its end with a progress bar, then print its summary; Ctrl+C stops watching, not the job ' +
        '(exit 0 completed, 6 failed, 7 cancelled, 130 stopped watching)',
    )
    .argument('<id>', 'job id')
    .action(async (rawId: string) => {
      const input = parseInput(migrationJobIdInput, { id: intValue(rawId) });
      const client = await ctx.client();
      await followJob(ctx, client, await client.migrations.get.query(input));
    });

  for (const action of ['pause', 'resume', 'cancel'] as const) {
    jobs
      .command(action)
      .description(control[action].about)
      .argument('<id>', 'job id')
      .action(async (rawId: string) => {
        const input = parseInput(migrationJobIdInput, { id: intValue(rawId) });
        const result = await (await ctx.client()).migrations[action].mutate(input);
        const next = action === 'cancel' ? '' : ` Watch it: cardbridge jobs watch ${result.id}`;
        ctx.emit(
          result,
          () => `${control[action].done} job ${result.id} (${result.status}).${next}\n${jobRecord(result)}`,
        );
      });
  }

  jobs
    .command('items')
    .description("a page of a job's per-row results, in source order (the whole report: `jobs report`)")
    .argument('<id>', 'job id')
    .option(
      '--outcome <outcome>',
      'only rows with this outcome: created, unchanged, updated, drift, deleted, skipped or failed',
    )
    .option('--limit <n>', 'rows per page, 1..1000 (default 100)')
    .option('--after <seq>', 'the page after this row (its seq)')
    .action(async (rawId: string, opts: { outcome?: string; limit?: string; after?: string }) => {
      const input = parseInput(
        listMigrationItemsInput,
        defined({
          id: intValue(rawId),
          outcome: opts.outcome,
          limit: intValue(opts.limit),
          after: intValue(opts.after),
        }),
      );
      const result = await (await ctx.client()).migrations.items.query(input);
      ctx.emit(result, () => {
        const last = result.data.at(-1);
        const filters = `${input.outcome ? ` --outcome ${input.outcome}` : ''}${opts.limit ? ` --limit ${opts.limit}` : ''}`;
        const count = `${result.data.length} row${result.data.length === 1 ? '' : 's'}`;
        const more =
          result.hasMore && last
            ? `; more: cardbridge jobs items ${input.id}${filters} --after ${last.seq}`
            : '';
        return `${itemRows(result.data)}${count}${more}\n`;
      });
    });

  jobs
    .command('report')
    .description(
      "download a job's per-row report (every source row: its outcome, reason, our customer and payment method)",
    )
    .argument('<id>', 'job id')
    .option('--format <format>', 'csv or jsonl', 'csv')
    .option('--out <file>', 'write it to this file (default: standard output)')
    .action((rawId: string, opts: { format: string; out?: string }) => download(ctx, 'report', rawId, opts));

  jobs
    .command('id-map')
    .description(
      "download a job's id map: each source customer and card id next to our customer and payment method ids",
    )
    .argument('<id>', 'job id')
    .option('--format <format>', 'json or csv', 'json')
    .option('--out <file>', 'write it to this file (default: standard output)')
    .action((rawId: string, opts: { format: string; out?: string }) => download(ctx, 'id-map', rawId, opts));
}
