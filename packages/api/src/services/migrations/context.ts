import { DomainError, type MigrationSource, migrationSource, type PaymentGateway } from '@cardbridge/core';
import {
  addMigrationJobRequests,
  appendMigrationChunk,
  type Db,
  type GatewayAccountRow,
  getMigrationJob,
  insertMigrationChunk,
  type MigrationChunkRow,
  type MigrationJobRow,
  type NewMigrationItem,
  noteMigrationItem,
  patchMigrationCheckpoint,
  reserveMigrationChunkNo,
} from '@cardbridge/db';
import { RateBudget } from '@cardbridge/jobs';
import type { Actor } from '../../actor.js';
import type { AppDeps } from '../../context.js';
import { jobActor } from './actor.js';
import { budgetRateFor } from './budget.js';

/** What a source kind's code gets while it works on a job. */
export class JobContext {
  readonly actor: Actor;
  readonly source: MigrationSource;
  #requests = 0;
  readonly #budget: RateBudget;

  constructor(
    readonly deps: AppDeps,
    readonly job: MigrationJobRow,
  ) {
    this.actor = jobActor(job);
    this.source = migrationSource.parse(job.options.source);
    this.#budget = new RateBudget(deps.db);
  }

  get dryRun(): boolean {
    return this.job.dryRun;
  }

  /** Paused or cancelled since the job was loaded: stop at the next row (the rest stays pending). */
  async stopped(): Promise<boolean> {
    const now = await getMigrationJob(this.deps.db, this.job.tenantId, this.job.id);
    return now?.status !== 'running';
  }

  /** The account's gateway for this job: every request waits for the account's shared budget. */
  async gatewayFor(account: GatewayAccountRow): Promise<PaymentGateway> {
    const rate = budgetRateFor(account, (this.source as { requestsPerSecond?: number }).requestsPerSecond);
    const hooks = this.#budget.hooksFor(account.id, rate);
    return this.deps.gateways.forJob(account, {
      throttle: async () => {
        this.#requests += 1;
        await hooks.throttle();
      },
      onRateLimited: hooks.onRateLimited,
    });
  }

  /** Adds the requests made since the last flush to the job's count. */
  async flushRequests(): Promise<void> {
    const n = this.#requests;
    this.#requests = 0;
    if (n > 0) await addMigrationJobRequests(this.deps.db, this.job.tenantId, this.job.id, n);
  }

  /**
   * Writes a chunk with the checkpoint past it (one transaction). Chunks are queued once the
   * whole source is read (runner.ts): a file is only known sound at its end, and a listing
   * keeps the account's budget to itself while it lasts.
   */
  async writeChunk(
    chunk: { chunkNo: number; payload: unknown; rows: number; records?: unknown[] },
    checkpoint: Record<string, unknown>,
  ) {
    await this.deps.db.transaction((tx) =>
      insertMigrationChunk(tx, this.job.tenantId, this.job.id, chunk, checkpoint),
    );
  }

  /**
   * Appends a chunk for one of several readers running at once: `patch` (that reader's place)
   * is merged into the checkpoint in the chunk's transaction. Queued like `writeChunk`'s.
   */
  async appendChunk(
    chunk: { payload: unknown; rows: number },
    patch: Record<string, unknown>,
  ): Promise<void> {
    const chunkNo = await reserveMigrationChunkNo(this.deps.db, this.job.tenantId, this.job.id);
    await this.deps.db.transaction((tx) =>
      appendMigrationChunk(tx, this.job.tenantId, this.job.id, { ...chunk, chunkNo }, patch),
    );
  }

  /** Merges `patch` into the job's checkpoint; returns the whole checkpoint. */
  patchCheckpoint(patch: Record<string, unknown>): Promise<Record<string, unknown>> {
    return patchMigrationCheckpoint(this.deps.db, this.job.tenantId, this.job.id, patch);
  }

  /** A row's result that changed nothing; a repeat of the row keeps the first. */
  async note(item: NewMigrationItem, db: Db = this.deps.db): Promise<void> {
    await noteMigrationItem(db, this.job.tenantId, this.job.id, item);
  }
}

/** What one source kind does: read its source into chunks, do a chunk, finish. */
export interface MigrationKindModule {
  /** Reads the source from the job's checkpoint on, writing chunks; false when it stopped early. */
  readSource(ctx: JobContext): Promise<boolean>;
  /** Does one chunk's rows; false when the job was paused or cancelled meanwhile. */
  runChunk(ctx: JobContext, chunk: MigrationChunkRow): Promise<boolean>;
  /** After every chunk: e.g. sync's cards gone at the gateway. False when it stopped early. */
  finish?(ctx: JobContext): Promise<boolean>;
}

/** An error that no retry can mend (a malformed file, a missing account): the job fails with it. */
export class JobFailure extends DomainError {
  constructor(message: string) {
    super('VALIDATION_FAILED', message);
  }
}
