import { DomainError } from '@cardbridge/core';
import {
  failMigrationJob,
  finishMigrationChunk,
  getMigrationChunk,
  getMigrationJob,
  lockMigrationJob,
  type MigrationJobRow,
  noteMigrationChunkAttempt,
  pendingMigrationChunks,
  refreshMigrationStatistics,
  startMigrationJob,
  updateMigrationJob,
} from '@cardbridge/db';
import type { ChunkTask, JobHandlers, SourceTask } from '@cardbridge/jobs';
import type { AppDeps } from '../../context.js';
import { JobContext, JobFailure } from './context.js';
import { sweepIncompleteUploads } from './files.js';
import { requeueUnfinishedJobs } from './jobs.js';
import { kindModule } from './kinds.js';

/*
 * What a worker does with the engine's tasks. Every step re-reads the job, so a pause or a
 * cancel is seen at the next row by every worker; a task delivered twice finds its work done
 * (chunks are marked done, rows are keyed), so the engine's at-least-once becomes exactly once.
 */

/** What a later attempt may get past: the gateway down, slow or busy, a race with another writer. */
const transientCodes = new Set([
  'GATEWAY_UNAVAILABLE',
  'GATEWAY_TIMEOUT',
  'GATEWAY_RATE_LIMITED',
  'CONFLICT',
]);

/**
 * Errors no retry can mend fail the job with their words (a bad key, a refused request, a
 * malformed file); anything else (a gateway down, a lost connection) is retried.
 */
function isPermanent(error: unknown): boolean {
  if (error instanceof JobFailure) return true;
  return error instanceof DomainError && !transientCodes.has(error.code);
}

async function failJob(deps: AppDeps, job: MigrationJobRow, error: unknown) {
  const message = error instanceof Error ? error.message : String(error);
  await failMigrationJob(deps.db, job.tenantId, job.id, message.slice(0, 1000));
  deps.logger.warn({ jobId: job.id, err: message }, 'migration job failed');
}

/** The job if it is running, started here when it was queued; undefined when paused or stopped. */
async function runningJob(deps: AppDeps, task: SourceTask): Promise<MigrationJobRow | undefined> {
  const job = await getMigrationJob(deps.db, task.tenantId, task.jobId);
  if (!job) return undefined;
  if (job.status === 'queued') {
    // A pause between the read and the start wins: the start is conditional on `queued`.
    const started = await startMigrationJob(deps.db, job.tenantId, job.id);
    if (started) return started;
    const now = await getMigrationJob(deps.db, task.tenantId, task.jobId);
    return now?.status === 'running' ? now : undefined;
  }
  return job.status === 'running' ? job : undefined;
}

/**
 * Completes the job once its source is read and no chunk is pending: runs the kind's finish
 * step, then marks it completed under the job's lock (two workers finishing at once agree).
 */
export async function completeIfDone(deps: AppDeps, tenantId: number, jobId: number): Promise<void> {
  const job = await getMigrationJob(deps.db, tenantId, jobId);
  if (job?.status !== 'running' || !job.sourceRead) return;
  if ((await pendingMigrationChunks(deps.db, tenantId, jobId)).length > 0) return;
  const ctx = new JobContext(deps, job);
  const finish = kindModule(job.kind).finish;
  if (finish) {
    const finished = await finish(ctx);
    await ctx.flushRequests();
    if (!finished) return;
  }
  await deps.db.transaction(async (tx) => {
    const locked = await lockMigrationJob(tx, tenantId, jobId);
    if (locked?.status !== 'running') return;
    await updateMigrationJob(tx, tenantId, jobId, { status: 'completed', finishedAt: new Date() });
  });
}

/** Sends every pending chunk of the job (a chunk sent before is queued once: same task id). */
async function sendPendingChunks(deps: AppDeps, task: SourceTask): Promise<void> {
  for (const chunkNo of await pendingMigrationChunks(deps.db, task.tenantId, task.jobId)) {
    await deps.jobs.sendChunk({ tenantId: task.tenantId, jobId: task.jobId, chunkNo });
  }
}

/** Jobs whose first chunk this process has finished: it analyzed the tables after it. */
const statisticsRefreshed = new Set<string>();

/**
 * After a job's first chunk, its rows in the tables, the planner's statistics are refreshed
 * (once per job and process): the chunks after it are planned for tables that hold rows.
 * Without the right to analyze (a restricted database user), autovacuum does it, later.
 */
async function refreshStatisticsOnce(deps: AppDeps, task: ChunkTask): Promise<void> {
  const key = `${task.tenantId}:${task.jobId}`;
  if (statisticsRefreshed.has(key)) return;
  statisticsRefreshed.add(key);
  await refreshMigrationStatistics(deps.db).catch((error: unknown) => {
    deps.logger.debug({ err: String(error) }, 'planner statistics not refreshed');
  });
}

export function migrationHandlers(deps: AppDeps): JobHandlers {
  return {
    async readSource(task: SourceTask) {
      const job = await runningJob(deps, task);
      if (!job) return;
      if (job.sourceRead) {
        // A repeat after the source was read (a resume, a lost send): queue what is pending.
        await sendPendingChunks(deps, task);
        await completeIfDone(deps, task.tenantId, task.jobId);
        return;
      }
      const ctx = new JobContext(deps, job);
      let read: boolean;
      try {
        read = await kindModule(job.kind).readSource(ctx);
      } catch (error) {
        await ctx.flushRequests();
        if (isPermanent(error)) return failJob(deps, job, error);
        throw error;
      }
      await ctx.flushRequests();
      if (!read) return;
      await updateMigrationJob(deps.db, job.tenantId, job.id, { sourceRead: true });
      // The source is read whole (and a file found sound): now its chunks go to the workers.
      await sendPendingChunks(deps, task);
      await completeIfDone(deps, task.tenantId, task.jobId);
    },

    async runChunk(task: ChunkTask) {
      const job = await runningJob(deps, task);
      if (!job) return;
      const chunk = await getMigrationChunk(deps.db, task.tenantId, task.jobId, task.chunkNo);
      if (!chunk) return;
      if (chunk.status === 'pending') {
        await noteMigrationChunkAttempt(deps.db, task.tenantId, task.jobId, task.chunkNo);
        const ctx = new JobContext(deps, job);
        let done: boolean;
        try {
          done = await kindModule(job.kind).runChunk(ctx, chunk);
        } catch (error) {
          await ctx.flushRequests();
          if (isPermanent(error)) return failJob(deps, job, error);
          throw error;
        }
        await ctx.flushRequests();
        if (!done) return;
        await finishMigrationChunk(deps.db, task.tenantId, task.jobId, task.chunkNo);
        await refreshStatisticsOnce(deps, task);
      }
      await completeIfDone(deps, task.tenantId, task.jobId);
    },
  };
}

/**
 * Makes this process a worker of migration jobs, then queues again what unfinished jobs still
 * have to do (work a crash may have left unsent; repeats are harmless) and deletes uploads a
 * crash left incomplete.
 */
export async function startMigrationWorker(
  deps: AppDeps,
  opts: { concurrency?: number } = {},
): Promise<void> {
  await deps.jobs.work(migrationHandlers(deps), opts);
  const requeued = await requeueUnfinishedJobs(deps);
  if (requeued > 0) deps.logger.info({ jobs: requeued }, 'migration jobs resumed');
  const swept = await sweepIncompleteUploads(deps);
  if (swept > 0) deps.logger.info({ files: swept }, 'incomplete uploads deleted');
}
