import { discardMigrationChunks } from '@cardbridge/db';
import type { JobContext } from './context.js';

/*
 * A file's chunks as its read goes. The engine queues a job's chunks only once its source is
 * read whole (runner.ts): an encrypted export is checked for integrity only at the very end of
 * the stream, so every record is provisional until then. A file that fails is discarded with all
 * it staged — nothing of an unsound file stays, not even sealed.
 *
 * Chunk numbers follow the file (the first n records are chunk 0, …), so a read that starts over (a
 * crash, a pause and resume) skips the chunks it staged before (the checkpoint, written with each
 * chunk, counts them) and a chunk written twice is kept once.
 */

/** What a job's checkpoint says of its staged file: how many chunks are in the database. */
interface Checkpoint {
  stagedChunks?: number;
}

export class StagedChunks {
  #count = 0;
  readonly #stagedBefore: number;

  constructor(private readonly ctx: JobContext) {
    const staged = (ctx.job.checkpoint as Checkpoint).stagedChunks;
    this.#stagedBefore = typeof staged === 'number' ? staged : 0;
  }

  /** Stages the next chunk; `build` runs only when an earlier read has not staged it already. */
  async stage(rows: number, build: () => Promise<unknown>): Promise<void> {
    const chunkNo = this.#count++;
    if (chunkNo < this.#stagedBefore) return;
    const payload = await build();
    await this.ctx.writeChunk({ chunkNo, payload, rows }, { stagedChunks: chunkNo + 1 } satisfies Checkpoint);
  }

  /** The file cannot be read: nothing of it stays. */
  async discard(): Promise<void> {
    const { deps, job } = this.ctx;
    await deps.db.transaction((tx) => discardMigrationChunks(tx, job.tenantId, job.id));
  }
}
