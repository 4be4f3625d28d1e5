import { access, constants } from 'node:fs/promises';
import path from 'node:path';
import type { CreateMigrationJobInput, MigrationFileDto } from '@cardbridge/core/schemas';
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { UsageError } from '../errors.js';
import { jobLabel, jobRecord } from './format.js';
import { followJob } from './watch.js';

/** What every command that starts a job takes. */
export interface JobFlags {
  dryRun?: boolean;
  /** `--no-wait` sets it false. */
  wait: boolean;
}

export function withJobFlags(cmd: Command): Command {
  return cmd
    .option('--dry-run', 'a plan: read the source and report what a run would do, change nothing')
    .option('--no-wait', 'create the job and return at once (follow it with `cardbridge jobs watch <id>`)');
}

/**
 * Creates the job; then either returns at once (`--no-wait`) or watches it to its end with a
 * progress bar and ends with its exit code (0 completed, 6 failed, 7 cancelled).
 */
export async function startJob(
  ctx: CliContext,
  input: CreateMigrationJobInput,
  flags: JobFlags,
): Promise<void> {
  const client = await ctx.client();
  const job = await client.migrations.create.mutate(input);
  if (!flags.wait) {
    ctx.emit(
      job,
      () =>
        `Created ${jobLabel(job)} ${job.id} (${job.status}). Watch it: cardbridge jobs watch ${job.id}\n${jobRecord(job)}`,
    );
    return;
  }
  await followJob(ctx, client, job);
}

/**
 * Uploads a job's source file as it is (an OpenPGP file stays encrypted; the server keeps it so).
 * An unreadable path is a usage error before anything is sent.
 */
export async function uploadSourceFile(ctx: CliContext, file: string): Promise<MigrationFileDto> {
  try {
    await access(file, constants.R_OK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new UsageError(`cannot read ${file} (${code})`, [
      { path: 'file', message: `cannot read it (${code})` },
    ]);
  }
  const uploaded = await (await ctx.files()).upload(file, path.basename(file));
  ctx.deps.io.err(
    `Uploaded ${uploaded.name}: ${uploaded.bytes} bytes, ${uploaded.encrypted ? 'OpenPGP-encrypted' : 'clear'} (file id ${uploaded.id}).\n`,
  );
  return uploaded;
}
