import type { MigrationJobRow } from '@cardbridge/db';
import type { Actor } from '../../actor.js';

/**
 * A job acts as itself: `job:<id>` in the audit trail, with the scopes the job was created
 * with (the key that started it needed them), so a job and a request run the same pipeline.
 */
export function jobActor(job: MigrationJobRow): Actor {
  const scopes = Array.isArray(job.options.scopes) ? (job.options.scopes as string[]) : [];
  return {
    kind: 'job',
    tenantId: job.tenantId,
    apiKeyId: null,
    keyId: `job:${job.id}`,
    scopes,
    origin: `job ${job.id} (requested by ${job.requestedBy})`,
    requestId: `job-${job.id}`,
  };
}

/** The job's actor for one row: its result is written in the transaction of the row's change. */
export function rowActor(base: Actor, onCommit: NonNullable<Actor['onCommit']>): Actor {
  return { ...base, onCommit };
}
