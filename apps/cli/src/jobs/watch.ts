import type { MigrationJobDto } from '@cardbridge/core/schemas';
import type { ApiClient } from '../client.js';
import type { CliContext } from '../context.js';
import { CliError, CommandExit, describeError, exitCodes } from '../errors.js';
import type { Io } from '../io.js';
import {
  countsText,
  etaOf,
  hasEnded,
  jobLabel,
  progressLine,
  rateOf,
  rowsText,
  type Samples,
  summaryText,
} from './format.js';

/*
 * Watching a migration job to its end: a live progress bar on a terminal (cli-progress), plain
 * lines now and then otherwise (a log, a CI job), then the summary. Ctrl+C stops the watching
 * only: the job is the server's and goes on; the message says how to watch it again.
 */

/** How often the job is looked at. */
const pollMs = 1_000;
/** Without a terminal: a line at every change of status, else at most this often. */
const lineEveryMs = 10_000;

interface ProgressView {
  show(job: MigrationJobDto): void;
  stop(): void;
}

/** Plain lines on stderr: the first, one per change of status, one per `lineEveryMs` between. */
function linesView(io: Io, now: () => number): ProgressView {
  let lastStatus: string | undefined;
  let lastAt = Number.NEGATIVE_INFINITY;
  return {
    show(job) {
      if (job.status === lastStatus && now() - lastAt < lineEveryMs && !hasEnded(job)) return;
      lastStatus = job.status;
      lastAt = now();
      io.err(`${progressLine(job)}\n`);
    },
    stop() {},
  };
}

/** A bar redrawn in place: rows done of rows found, rate, ETA, counts by outcome. */
async function barView(stream: NodeJS.WritableStream): Promise<ProgressView> {
  // A CommonJS module: its exports are the namespace's default.
  const { SingleBar } = (await import('cli-progress')).default;
  const bar = new SingleBar({
    stream,
    // `{eta}` is the bar's own guess from its start; the job's is the server's, from the job's start.
    format: 'job {id} {status} |{bar}| {rows} rows · {rate} · ETA {etaText} · {counts}',
    barCompleteChar: '█',
    barIncompleteChar: '░',
    barsize: 24,
    hideCursor: true,
    fps: 5,
  });
  let started = false;
  return {
    show(job) {
      const total = Math.max(job.progress.total, job.progress.done, 1);
      const payload = {
        id: job.id,
        status: job.status,
        rows: rowsText(job),
        rate: rateOf(job) ?? '- rows/s',
        etaText: etaOf(job) ?? '-',
        counts: countsText(job.progress.counts, ' · '),
      };
      if (!started) bar.start(total, job.progress.done, payload);
      else {
        bar.setTotal(total);
        bar.update(job.progress.done, payload);
        // Each look is drawn now: the bar's own throttle would skip looks that come close together.
        bar.render();
      }
      started = true;
    },
    stop() {
      if (started) bar.stop();
    },
  };
}

export interface WatchEnd {
  /** As last seen. */
  job: MigrationJobDto;
  /** Ctrl+C (or SIGTERM) stopped the watching before the job ended. */
  interrupted: boolean;
}

/** Looks at the job every second until it has ended or the user presses Ctrl+C. */
export async function watchJob(ctx: CliContext, client: ApiClient, job: MigrationJobDto): Promise<WatchEnd> {
  const { deps } = ctx;
  const view = deps.progress.isTTY ? await barView(deps.progress) : linesView(deps.io, deps.now);
  const interrupt = deps.interrupts();
  let current = job;
  try {
    for (;;) {
      view.show(current);
      if (hasEnded(current)) return { job: current, interrupted: false };
      const woke = await Promise.race([deps.sleep(pollMs).then(() => 'poll' as const), interrupt.signal]);
      if (woke !== 'poll') return { job: current, interrupted: true };
      try {
        current = await client.migrations.get.query({ id: job.id });
      } catch (err) {
        const failure = describeError(err, { url: ctx.url() });
        throw new CliError(
          `${failure.message} — job ${job.id} goes on without us; watch it again: cardbridge jobs watch ${job.id}`,
          failure.exitCode,
          { domainCode: failure.domainCode, issues: failure.issues },
        );
      }
    }
  } finally {
    view.stop();
    interrupt.dispose();
  }
}

/** The first failed and skipped rows of an ended job, for its summary. */
async function samplesOf(client: ApiClient, job: MigrationJobDto): Promise<Samples> {
  const sample = async (outcome: 'failed' | 'skipped') =>
    (job.progress.counts[outcome] ?? 0) > 0
      ? (await client.migrations.items.query({ id: job.id, outcome, limit: 5 })).data
      : [];
  const [failed, skipped] = await Promise.all([sample('failed'), sample('skipped')]);
  return { failed, skipped };
}

/**
 * Watches `job` to its end, prints its summary (`--json`: the job) and ends the command with
 * the job's exit code: 0 completed, 6 failed, 7 cancelled, 130 when Ctrl+C stopped the watching.
 */
export async function followJob(ctx: CliContext, client: ApiClient, job: MigrationJobDto): Promise<void> {
  if (!hasEnded(job)) {
    ctx.deps.io.err(`Watching ${jobLabel(job)} ${job.id} (Ctrl+C stops watching; the job goes on).\n`);
  }
  const end = await watchJob(ctx, client, job);
  if (end.interrupted) {
    const { id } = end.job;
    ctx.deps.io.err(
      `Stopped watching job ${id} (${end.job.status}, ${rowsText(end.job)} rows); the job goes on.\n` +
        `Watch it again: cardbridge jobs watch ${id} · pause: cardbridge jobs pause ${id} · cancel: cardbridge jobs cancel ${id}\n`,
    );
    if (ctx.flags().json) ctx.emit(end.job, () => '');
    throw new CommandExit(exitCodes.interrupted);
  }
  const samples = await samplesOf(client, end.job);
  ctx.emit(end.job, () => summaryText(end.job, samples));
  if (end.job.status === 'failed') throw new CommandExit(exitCodes.jobFailed);
  if (end.job.status === 'cancelled') throw new CommandExit(exitCodes.jobCancelled);
}
