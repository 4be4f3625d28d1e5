import type { Db } from '@cardbridge/db';

/**
 * Who makes a change: an API key today, a job tomorrow. Services take an Actor, never a tRPC
 * context, so a request and a bulk job run the same code and leave the same audit trail.
 */
export interface Actor {
  kind: 'api_key' | 'job';
  tenantId: number;
  /** The API key's row id (null for a job). */
  apiKeyId: number | null;
  /** Who, in the audit trail: the key's public id, or `job:<id>`. */
  keyId: string;
  scopes: readonly string[];
  /** Where the call came from (address and user agent), for the audit trail. */
  origin: string;
  requestId: string;
  /**
   * Runs inside the transaction that commits a change, right after its audit row, with the
   * result the caller will receive: the Idempotency-Key record is completed there, so a
   * committed change always has its stored response (and a failed write of it fails the change).
   */
  onCommit?: (tx: Db, output: unknown) => Promise<void>;
}
