import { DomainError } from '@cardbridge/core';
import { isUniqueViolation } from '@cardbridge/db';

/*
 * A bad row never stops a job: what a row's error means for its result. The gateway being
 * down or slow is not the row's fault — the chunk is retried later; a refusal (a declined
 * card, a card held elsewhere, a bad value) is the row's result, in words.
 */

const transient = new Set(['GATEWAY_UNAVAILABLE', 'GATEWAY_TIMEOUT', 'GATEWAY_RATE_LIMITED']);

/** Another attempt at the same row (a retried chunk, a second worker) settled it first. */
export const settledElsewhere = (error: unknown) =>
  isUniqueViolation(error, 'migration_job_items_job_id_item_key_pk');

export function rowFailure(error: unknown): { outcome: 'failed' | 'skipped'; reason: string } {
  if (error instanceof DomainError && !transient.has(error.code)) {
    return { outcome: error.code === 'CONFLICT' ? 'skipped' : 'failed', reason: error.message };
  }
  throw error;
}
