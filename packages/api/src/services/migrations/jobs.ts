import {
  type CreateMigrationJobInput,
  DomainError,
  type MigrationItemDto,
  type MigrationJobDto,
  type MigrationSource,
} from '@cardbridge/core';
import {
  cancelPendingMigrationChunks,
  countMigrationItems,
  type Db,
  existingCustomerIds,
  getMigrationJob,
  insertMigrationJob,
  listMigrationJobs as listJobRows,
  listMigrationItems,
  lockMigrationJob,
  type MigrationItemRow,
  type MigrationJobRow,
  pendingMigrationChunks,
  unfinishedMigrationJobs,
  updateMigrationJob,
} from '@cardbridge/db';
import type { Actor } from '../../actor.js';
import type { AppDeps } from '../../context.js';
import { recordChange } from '../audit.js';
import { requireGatewayAccount } from '../gateway-accounts.js';
import { budgetRateFor } from './budget.js';
import { requireMigrationFile } from './files.js';
import { supportedKinds } from './kinds.js';

/*
 * The jobs a tenant runs: create (a plan with `dryRun`, or a run), watch, pause, resume,
 * cancel, and the per-row report. The work itself is the workers' (runner.ts).
 */

const jobNotFound = (id: number) => new DomainError('NOT_FOUND', `Migration job with id ${id} not found.`);

/** Scopes a job needs besides `imports` (checked against the key that creates it). */
function extraScopes(source: MigrationSource): string[] {
  if (source.kind === 'export_file') return ['cards:intake'];
  if (source.kind === 'bulk_export') return ['cards:export'];
  return [];
}

async function activeStripeAccount(deps: AppDeps, actor: Actor, id: number) {
  const account = await requireGatewayAccount(deps.db, actor.tenantId, id);
  if (account.kind !== 'stripe') {
    throw DomainError.field(
      'source.gatewayAccountId',
      `gateway account ${account.id} is not a Stripe account`,
    );
  }
  if (account.status !== 'active') {
    throw DomainError.field('source.gatewayAccountId', `gateway account ${account.id} is disabled`);
  }
  return account;
}

async function checkSource(deps: AppDeps, actor: Actor, source: MigrationSource): Promise<void> {
  if (!supportedKinds().includes(source.kind)) {
    throw DomainError.field('source.kind', `'${source.kind}' jobs are not supported by this server yet`);
  }
  for (const scope of extraScopes(source)) {
    if (!actor.scopes.includes(scope)) {
      throw new DomainError('FORBIDDEN', `A '${source.kind}' job needs the '${scope}' scope.`);
    }
  }
  if (source.kind === 'export_file' || source.kind === 'mapping_file') {
    await requireMigrationFile(deps, actor.tenantId, source.fileId);
    if (source.gatewayAccountId !== undefined)
      await activeStripeAccount(deps, actor, source.gatewayAccountId);
  }
  if (source.kind === 'stripe_account') {
    const account = await activeStripeAccount(deps, actor, source.gatewayAccountId);
    const connected = (account.config as { connectedAccountId?: string }).connectedAccountId;
    if (source.connectedAccounts && connected) {
      throw DomainError.field(
        'source.connectedAccounts',
        `gateway account ${account.id} is itself a Connect account; name the platform account to read connected accounts`,
      );
    }
    if (source.apply && !source.sync) throw DomainError.field('source.apply', 'apply needs sync');
  }
  if (source.kind === 'bulk_export') {
    const target = await requireGatewayAccount(deps.db, actor.tenantId, source.targetGatewayAccountId);
    if (target.status !== 'active') {
      throw DomainError.field('source.targetGatewayAccountId', `gateway account ${target.id} is disabled`);
    }
    const refusal = deps.gateways.capabilityRefusal(target, 'exportTarget');
    if (refusal) throw DomainError.field('source.targetGatewayAccountId', refusal);
    if (
      source.createdAfter &&
      source.createdBefore &&
      Date.parse(source.createdBefore) <= Date.parse(source.createdAfter)
    ) {
      throw DomainError.field('source.createdBefore', 'must be later than createdAfter');
    }
    if (source.customerIds) {
      const known = await existingCustomerIds(deps.db, actor.tenantId, source.customerIds);
      const unknown = [...new Set(source.customerIds)].filter((id) => !known.has(id));
      if (unknown.length > 0) {
        const more = unknown.length > 10 ? ` and ${unknown.length - 10} more` : '';
        throw DomainError.field(
          'source.customerIds',
          `no customer with id ${unknown.slice(0, 10).join(', ')}${more}`,
        );
      }
    }
  }
}

function gatewayAccountOf(source: MigrationSource): number | null {
  if (source.kind === 'bulk_export') return source.targetGatewayAccountId;
  return source.gatewayAccountId ?? null;
}

export async function createMigrationJob(
  deps: AppDeps,
  actor: Actor,
  input: CreateMigrationJobInput,
): Promise<MigrationJobDto> {
  await checkSource(deps, actor, input.source);
  const job = await deps.db.transaction(async (tx) => {
    const row = await insertMigrationJob(tx, actor.tenantId, {
      kind: input.source.kind,
      dryRun: input.dryRun,
      gatewayAccountId: gatewayAccountOf(input.source),
      fileId: 'fileId' in input.source ? input.source.fileId : null,
      options: { source: input.source, scopes: [...actor.scopes] },
      requestedBy: actor.keyId,
    });
    const event = { action: 'migrations.create', targetType: 'migrations', targetId: row.id };
    return recordChange(tx, actor, event, await toJobDto(deps, row, tx));
  });
  await deps.jobs.sendSource({ tenantId: actor.tenantId, jobId: job.id });
  return job;
}

async function requireJob(deps: AppDeps, actor: Actor, id: number): Promise<MigrationJobRow> {
  const job = await getMigrationJob(deps.db, actor.tenantId, id);
  if (!job) throw jobNotFound(id);
  return job;
}

export async function getMigrationJobDto(deps: AppDeps, actor: Actor, input: { id: number }) {
  return toJobDto(deps, await requireJob(deps, actor, input.id));
}

export async function listMigrationJobs(
  deps: AppDeps,
  actor: Actor,
  input: { limit: number; startingAfter?: number; endingBefore?: number },
) {
  const page = await listJobRows(deps.db, actor.tenantId, input);
  return { data: await Promise.all(page.data.map((j) => toJobDto(deps, j))), hasMore: page.hasMore };
}

type Control = 'pause' | 'resume' | 'cancel';

const allowedFrom: Record<Control, MigrationJobRow['status'][]> = {
  pause: ['queued', 'running'],
  resume: ['paused'],
  cancel: ['queued', 'running', 'paused'],
};

/** Pause, resume or cancel, under the job's lock; every worker sees it at its next row. */
export async function controlMigrationJob(
  deps: AppDeps,
  actor: Actor,
  input: { id: number },
  control: Control,
): Promise<MigrationJobDto> {
  const job = await deps.db.transaction(async (tx) => {
    const current = await lockMigrationJob(tx, actor.tenantId, input.id);
    if (!current) throw jobNotFound(input.id);
    if (!allowedFrom[control].includes(current.status)) {
      throw new DomainError(
        'CONFLICT',
        `Cannot ${control} migration job ${input.id}: it is ${current.status}.`,
      );
    }
    const status =
      control === 'pause'
        ? 'paused'
        : control === 'cancel'
          ? 'cancelled'
          : current.startedAt
            ? 'running'
            : 'queued';
    if (control === 'cancel') await cancelPendingMigrationChunks(tx, actor.tenantId, input.id);
    const row = (await updateMigrationJob(tx, actor.tenantId, input.id, {
      status,
      ...(control === 'cancel' ? { finishedAt: new Date() } : {}),
    }))!;
    const event = { action: `migrations.${control}`, targetType: 'migrations', targetId: row.id };
    return { row, dto: await recordChange(tx, actor, event, await toJobDto(deps, row, tx)) };
  });
  if (control === 'resume') await requeue(deps, job.row);
  return job.dto;
}

/** Queues what a job still has to do; the handlers skip what is done, so sending twice is harmless. */
async function requeue(deps: AppDeps, job: MigrationJobRow): Promise<void> {
  const round = Date.now();
  // The source task reads on from the checkpoint or, once the source is read, queues the
  // pending chunks and completes a job that has nothing left.
  await deps.jobs.sendSource({ tenantId: job.tenantId, jobId: job.id }, round);
  if (!job.sourceRead) return;
  for (const chunkNo of await pendingMigrationChunks(deps.db, job.tenantId, job.id)) {
    await deps.jobs.sendChunk({ tenantId: job.tenantId, jobId: job.id, chunkNo }, round);
  }
}

/** At a worker's start: queue again the work of unfinished jobs (what a crash may have left unsent). */
export async function requeueUnfinishedJobs(deps: AppDeps): Promise<number> {
  const jobs = await unfinishedMigrationJobs(deps.db);
  for (const job of jobs) await requeue(deps, job);
  return jobs.length;
}

/** `db`: the transaction of a change, whose answer this is (PGlite has one connection). */
export async function toJobDto(
  deps: AppDeps,
  job: MigrationJobRow,
  db: Db = deps.db,
): Promise<MigrationJobDto> {
  const counts = await countMigrationItems(db, job.tenantId, job.id);
  const done = Object.values(counts).reduce((a, b) => a + b, 0);
  const started = job.startedAt?.getTime();
  const end = job.finishedAt?.getTime() ?? deps.clock().getTime();
  const seconds = started !== undefined ? Math.max((end - started) / 1000, 0.001) : null;
  const rowsPerSecond = seconds !== null && done > 0 ? done / seconds : null;
  const left = Math.max(job.total - done, 0);
  const source = job.options.source as Record<string, unknown>;
  let estimate: MigrationJobDto['estimate'] = null;
  if (job.dryRun && job.status === 'completed' && job.gatewayAccountId !== null) {
    const account = await requireGatewayAccount(db, job.tenantId, job.gatewayAccountId);
    const rate = budgetRateFor(account, source.requestsPerSecond).perSecond;
    estimate = { requests: job.requests, requestsPerSecond: rate, seconds: job.requests / rate };
  }
  return {
    id: job.id,
    kind: job.kind,
    dryRun: job.dryRun,
    status: job.status,
    source,
    progress: {
      total: job.total,
      done,
      sourceRead: job.sourceRead,
      counts,
      requests: job.requests,
      rowsPerSecond,
      etaSeconds: job.sourceRead && rowsPerSecond ? left / rowsPerSecond : null,
    },
    estimate,
    error: job.error,
    createdDate: job.createdAt.toISOString(),
    startedDate: job.startedAt?.toISOString() ?? null,
    finishedDate: job.finishedAt?.toISOString() ?? null,
  };
}

export const toItemDto = (r: MigrationItemRow): MigrationItemDto => ({
  seq: r.seq,
  key: r.itemKey,
  position: r.position,
  sourceCustomerId: r.sourceCustomerId,
  sourceCardId: r.sourceCardId,
  outcome: r.outcome,
  reason: r.reason,
  customerId: r.customerId,
  paymentMethodId: r.paymentMethodId,
  customerCreated: r.customerCreated,
  details: r.details ?? null,
});

export async function listMigrationJobItems(
  deps: AppDeps,
  actor: Actor,
  input: { id: number; after?: number; limit: number; outcome?: MigrationItemRow['outcome'] },
) {
  await requireJob(deps, actor, input.id);
  const rows = await listMigrationItems(deps.db, actor.tenantId, input.id, {
    limit: input.limit + 1,
    ...(input.after !== undefined ? { afterSeq: input.after } : {}),
    ...(input.outcome ? { outcome: input.outcome } : {}),
  });
  return { data: rows.slice(0, input.limit).map(toItemDto), hasMore: rows.length > input.limit };
}

/** Every item of the job in source order, a page at a time (reports, id maps). */
export async function* migrationItems(
  deps: AppDeps,
  actor: Actor,
  id: number,
): AsyncGenerator<MigrationItemRow> {
  await requireJob(deps, actor, id);
  let after: number | undefined;
  for (;;) {
    const rows = await listMigrationItems(deps.db, actor.tenantId, id, {
      limit: 1000,
      ...(after !== undefined ? { afterSeq: after } : {}),
    });
    yield* rows;
    if (rows.length < 1000) return;
    after = rows.at(-1)!.seq;
  }
}
