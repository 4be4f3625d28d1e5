import { createHash } from 'node:crypto';
import type { DatabaseHandle } from '@cardbridge/db';
import { PgBoss } from 'pg-boss';

/**
 * The distributed part of bulk migration, on pg-boss (a PostgreSQL job queue): any number of
 * workers in any processes that share the database take a job's work. Two queues:
 * - `source`: read a job's source into chunks, from the job's checkpoint on (one at a time per job);
 * - `chunk`: do one chunk's rows.
 * pg-boss delivers at least once (a dead worker's job is retried after its heartbeat stops);
 * exactly once comes from the handlers: every row's result is keyed and written in the
 * transaction of its change, so a repeat finds it done.
 */

/**
 * Chunks one process works on at once, by default. Measured with bench:migrate-file on 2 cores:
 * a chunk's statements wait on each other and on the worker's one thread, so 4 slots left a
 * third of the CPU idle (rows in 5.9 s); 6 kept it busy (4.4 s); 8 gained nothing more.
 */
export const DEFAULT_CHUNK_CONCURRENCY = 6;

export const QUEUES = { source: 'cardbridge-migration-source', chunk: 'cardbridge-migration-chunk' } as const;

export interface SourceTask {
  tenantId: number;
  jobId: number;
}
export interface ChunkTask extends SourceTask {
  chunkNo: number;
}

export interface JobHandlers {
  readSource(task: SourceTask): Promise<void>;
  runChunk(task: ChunkTask): Promise<void>;
}

export interface JobEngineOptions {
  database: Pick<DatabaseHandle, 'executeSql' | 'url'>;
  /** pg-boss's own pool on PostgreSQL (default 4 connections). */
  maxConnections?: number;
  /** Chunks one process works on at once (default `DEFAULT_CHUNK_CONCURRENCY`). */
  concurrency?: number;
  /** How often an idle worker looks for work (default 0.5 s). */
  pollingIntervalSeconds?: number;
  /** A worker that stops beating for this long is presumed dead: its task is retried (≥ 10). */
  heartbeatSeconds?: number;
  onError?: (error: unknown) => void;
}

/** The same task always gets the same pg-boss id: sending it twice queues it once. */
export function taskId(...parts: (string | number)[]): string {
  const h = createHash('sha256').update(parts.join(':')).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export class JobEngine {
  readonly #boss: PgBoss;
  readonly #opts: JobEngineOptions;
  #started = false;
  /** This process's workers by queue: on PGlite (no NOTIFY) a task sent here wakes them. */
  readonly #localWorkers = new Map<string, string[]>();

  constructor(opts: JobEngineOptions) {
    this.#opts = opts;
    this.#boss = new PgBoss({
      // PostgreSQL: pg-boss's own small pool (it opens transactions the app's pool refuses).
      // PGlite, one connection in process: through the app's handle.
      // On PostgreSQL a sent task wakes the workers of every process at once (LISTEN/NOTIFY on
      // one more connection) instead of after their next poll: half a second per hand-over.
      ...(opts.database.url
        ? { connectionString: opts.database.url, max: opts.maxConnections ?? 4, useListenNotify: true }
        : {
            db: { executeSql: (text: string, values?: unknown[]) => opts.database.executeSql(text, values) },
          }),
      schema: 'pgboss',
      schedule: false,
      // Maintenance (expiring, retrying, archiving) runs in every instance; cheap when idle.
      superviseIntervalSeconds: 5,
      monitorIntervalSeconds: 5,
      // The queues' ready counts, which let a worker with a backlog take its next chunk at once
      // (burstWhenReadyExceeds below), are at most this old.
      queueCacheIntervalSeconds: 1,
    });
    this.#boss.on('error', (error) => opts.onError?.(error));
  }

  /** Creates pg-boss's schema and our queues (idempotent); sends work from here on. */
  async start(): Promise<void> {
    if (this.#started) return;
    await this.#boss.start();
    const common = {
      retryLimit: 50,
      retryDelay: 1,
      retryBackoff: true,
      retryDelayMax: 30,
      heartbeatSeconds: Math.max(10, this.#opts.heartbeatSeconds ?? 10),
      expireInSeconds: 3600,
    };
    for (const name of Object.values(QUEUES)) {
      const existing = await this.#boss.getQueue(name);
      if (!existing) await this.#boss.createQueue(name, { ...common, notify: true });
      else if (!existing.notify) await this.#boss.updateQueue(name, { notify: true });
    }
    this.#started = true;
  }

  /** Starts taking work: this process becomes a worker. */
  async work(handlers: JobHandlers, opts: { concurrency?: number } = {}): Promise<void> {
    await this.start();
    const poll = this.#opts.pollingIntervalSeconds ?? 0.5;
    const source = await this.#boss.work<SourceTask>(
      QUEUES.source,
      // NOTIFY wakes an idle worker; a busy one misses it and polls as without NOTIFY.
      { pollingIntervalSeconds: poll, notifyPollingIntervalSeconds: poll },
      async ([job]) => {
        if (job) await handlers.readSource(job.data);
      },
    );
    this.#localWorkers.set(QUEUES.source, [source]);
    // One pg-boss worker per slot (not one with a local concurrency): each has an id to wake.
    const chunkWorkers: string[] = [];
    for (
      let slot = 0;
      slot < (opts.concurrency ?? this.#opts.concurrency ?? DEFAULT_CHUNK_CONCURRENCY);
      slot++
    ) {
      chunkWorkers.push(
        await this.#boss.work<ChunkTask>(
          QUEUES.chunk,
          {
            pollingIntervalSeconds: poll,
            notifyPollingIntervalSeconds: poll,
            // While chunks wait, a slot that finished one takes the next at once instead of after
            // its polling interval: a job's chunks run back to back.
            burstWhenReadyExceeds: 1,
          },
          async ([job]) => {
            if (job) await handlers.runChunk(job.data);
          },
        ),
      );
    }
    this.#localWorkers.set(QUEUES.chunk, chunkWorkers);
  }

  /** PGlite has no NOTIFY: what this process sends wakes its own workers (the only ones). */
  #wakeLocal(queue: string): void {
    if (this.#opts.database.url) return;
    for (const id of this.#localWorkers.get(queue) ?? []) this.#boss.notifyWorker(id);
  }

  /** Queues reading the source of a job; `round` distinguishes a resume from the first start. */
  async sendSource(task: SourceTask, round = 0): Promise<void> {
    await this.start();
    await this.#boss.send(
      QUEUES.source,
      { ...task },
      { id: taskId('source', task.tenantId, task.jobId, round) },
    );
    this.#wakeLocal(QUEUES.source);
  }

  async sendChunk(task: ChunkTask, round = 0): Promise<void> {
    await this.start();
    await this.#boss.send(
      QUEUES.chunk,
      { ...task },
      {
        id: taskId('chunk', task.tenantId, task.jobId, task.chunkNo, round),
      },
    );
    this.#wakeLocal(QUEUES.chunk);
  }

  /** Stops taking work; running handlers finish first (up to `timeoutMs`). */
  async stop(timeoutMs = 10_000): Promise<void> {
    if (!this.#started) return;
    this.#started = false;
    // Closes pg-boss's own pool (PostgreSQL); the app's handle (PGlite) stays the app's to close.
    await this.#boss.stop({ graceful: true, close: Boolean(this.#opts.database.url), timeout: timeoutMs });
  }
}
