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

/** A chunk as a read builds it: what its worker reads, and rows its insert reads in the database. */
export interface StagedChunk {
  payload: unknown;
  records?: unknown[];
}

export class StagedChunks {
  #count = 0;
  readonly #stagedBefore: number;
  /** The chunk being written (at most one). */
  #writes: Promise<void>[] = [];

  constructor(private readonly ctx: JobContext) {
    const staged = (ctx.job.checkpoint as Checkpoint).stagedChunks;
    this.#stagedBefore = typeof staged === 'number' ? staged : 0;
  }

  /**
   * Stages the next chunk: once the chunk before is written, `build` runs (only when an earlier
   * read has not staged it already) and the chunk's write starts; the read goes on meanwhile,
   * gathering the next chunk's rows. So a read holds one built chunk at a time (measured: letting
   * two writes wait while the next is built was no faster and held ~15 MB more). A read ends
   * with `finish()` (its chunks are queued only once they are all written) or, failing,
   * `settle()`/`discard()`.
   */
  async stage(rows: number, build: () => Promise<StagedChunk>): Promise<void> {
    const chunkNo = this.#count++;
    if (chunkNo < this.#stagedBefore) return;
    await this.#writes.shift();
    const chunk = await build();
    const write = this.ctx.writeChunk({ chunkNo, rows, ...chunk }, {
      stagedChunks: chunkNo + 1,
    } satisfies Checkpoint);
    write.catch(() => {}); // awaited by the next stage, finish or settle; never left unhandled
    this.#writes.push(write);
  }

  /** Every staged chunk is written (the first failed write's error, if any). */
  async finish(): Promise<void> {
    while (this.#writes.length > 0) await this.#writes.shift();
  }

  /** No write is under way any more, whatever became of them. */
  async settle(): Promise<void> {
    await Promise.allSettled(this.#writes.splice(0));
  }

  /** The file cannot be read: nothing of it stays. */
  async discard(): Promise<void> {
    await this.settle();
    const { deps, job } = this.ctx;
    await deps.db.transaction((tx) => discardMigrationChunks(tx, job.tenantId, job.id));
  }
}
