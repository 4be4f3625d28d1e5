import { getTableColumns, sql } from 'drizzle-orm';
import type { Db } from '../client.js';
import { paymentMethods } from '../schema.js';
import type { NewPaymentMethod } from './payment-methods.js';
import { tableRecords } from './recordset.js';
import { rowsOf } from './result-rows.js';

/*
 * Payment methods a bulk job stages before they go in: a file's cards are sealed (for ids
 * reserved for them) while the file is read, but whose they are and which is the default is
 * decided only when their chunk runs. The staged rows wait in the chunk (`records`), and the
 * chunk's insert reads them there: the widest rows a job writes are sent to the database once,
 * not read back by a worker and sent again.
 */

/**
 * The columns a staged payment method holds: a vaulted card's, and where it lives at a gateway.
 * Those its chunk decides (customer, default) come with the insert; the rest take their defaults.
 */
const stagedKeys = [
  'id',
  'gatewayAccountId',
  'externalCustomerId',
  'externalCardId',
  'storedInVault',
  'fingerprint',
  'panCiphertext',
  'panKeyVersion',
  'cardType',
  'maskedCardNumber',
  'expirationMonth',
  'expirationYear',
  'firstName',
  'lastName',
  'address1',
  'address2',
  'countryId',
  'country',
  'stateId',
  'state',
  'city',
  'postalZip',
] as const satisfies readonly (keyof NewPaymentMethod)[];

/** A payment method staged for a chunk, its id reserved (its number is sealed for it). */
export type StagedPaymentMethod = Pick<NewPaymentMethod, (typeof stagedKeys)[number]> & { id: number };

/** What a chunk's run decides of each staged row it inserts. */
export interface StagedPlacement {
  id: number;
  customerId: number;
  isDefault: boolean;
}

const columns = getTableColumns(paymentMethods);

/** The records a chunk keeps for its staged payment methods. */
export function stagedPaymentMethodRecords(rows: readonly StagedPaymentMethod[]): Record<string, unknown>[] {
  return tableRecords(paymentMethods, stagedKeys, rows);
}

/**
 * Inserts these of a chunk's staged payment methods, each with its customer and default flag,
 * in the caller's transaction. Every one must be there: a chunk whose records were let go (its
 * run finished elsewhere) fails the statement rather than insert less than asked.
 */
export async function insertStagedPaymentMethods(
  db: Db,
  tenantId: number,
  chunk: { jobId: number; chunkNo: number },
  placements: readonly StagedPlacement[],
): Promise<void> {
  if (placements.length === 0) return;
  const names = stagedKeys.map((key) => sql.identifier(columns[key].name));
  const staged = sql.join(
    stagedKeys.map((key) => sql`r.${sql.identifier(columns[key].name)}`),
    sql`, `,
  );
  const json = JSON.stringify(
    placements.map((p) => ({ id: p.id, customer_id: p.customerId, is_default: p.isDefault })),
  );
  const result = await db.execute<{ n: number }>(
    sql`with placed as (
          insert into payment_methods (tenant_id, customer_id, is_default, ${sql.join(names, sql`, `)})
          overriding system value
          select c.tenant_id, p.customer_id, p.is_default, ${staged}
          from migration_job_chunks c
          cross join lateral json_populate_recordset(null::payment_methods, c.records) as r
          join json_to_recordset(${json}::json) as p(id integer, customer_id integer, is_default boolean)
            on p.id = r.id
          where c.tenant_id = ${tenantId} and c.job_id = ${chunk.jobId} and c.chunk_no = ${chunk.chunkNo}
          returning 1
        )
        select count(*)::int as n from placed`,
  );
  const inserted = Number(rowsOf<{ n: number }>(result)[0]?.n ?? 0);
  if (inserted !== placements.length) {
    throw new Error(
      `chunk ${chunk.chunkNo} of job ${chunk.jobId} holds ${inserted} of the ${placements.length} staged payment methods to insert`,
    );
  }
}
