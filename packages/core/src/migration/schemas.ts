import { z } from 'zod';
import { cardTypes } from '../card/brand.js';
import { idSchema } from '../ids.js';
import { bothCursorsMessage, listOutput, noBothCursors, paginationInput } from '../pagination.js';
import { freeText, inputString } from '../text.js';

/*
 * Bulk migration jobs: what a caller asks for and what it sees. A job reads a source (a whole
 * Stripe account, an export file, a mapping file, or our vault for a bulk export), splits it
 * into chunks that workers do at the gateway's rate, and reports every row.
 */

export const migrationJobKinds = ['stripe_account', 'export_file', 'mapping_file', 'bulk_export'] as const;
export const migrationJobStatuses = [
  'queued',
  'running',
  'paused',
  'cancelled',
  'completed',
  'failed',
] as const;
export const migrationItemOutcomes = [
  /** A payment method was created (a plan: would be). */
  'created',
  /** We already hold it as the source says. */
  'unchanged',
  /** Sync: our copy followed the source (expiry, default). */
  'updated',
  /** Sync without apply: the source differs from our copy; nothing changed. */
  'drift',
  /** Sync: gone at the source, so deleted here (or, without apply, reported as drift). */
  'deleted',
  /** Not imported, for a reason that is not an error (not a card, live/test mix, held elsewhere). */
  'skipped',
  /** An error; the reason says which. */
  'failed',
] as const;
export type MigrationItemOutcome = (typeof migrationItemOutcomes)[number];

const stripeAccountId = inputString().regex(/^acct_[A-Za-z0-9]+$/, 'must be a Stripe account id (acct_…)');

/** Requests per second for the whole account across all workers; default Stripe's documented limits. */
const requestsPerSecond = z.number().positive().max(10_000).optional();

export const stripeAccountSource = z.strictObject({
  kind: z.literal('stripe_account'),
  /** A Stripe gateway account of the tenant: the account read (or, with `connectedAccounts`, the platform). */
  gatewayAccountId: idSchema,
  /**
   * Stripe Connect: read these connected accounts ('all': every account the platform lists),
   * each through the tenant's Connect gateway account for it.
   */
  connectedAccounts: z.union([z.literal('all'), z.array(stripeAccountId).min(1).max(1000)]).optional(),
  /** How a Stripe customer finds our customer when no earlier import linked them. */
  matchBy: z.enum(['gateway_customer', 'reference', 'email']).default('gateway_customer'),
  /**
   * PaymentMethods (`pm_…`) are listed per customer, one request each: 'default' only for
   * customers whose default is one (the fewest requests), 'all' for every customer, or 'none'.
   * A sync lists them for every customer (unless 'none'): it must see every card to tell which are gone.
   */
  paymentMethods: z.enum(['default', 'all', 'none']).default('default'),
  /** Compare with what we hold: expiry, cards gone at Stripe, new cards, default. */
  sync: z.boolean().default(false),
  /** With `sync`: apply the differences (otherwise only report them as drift). */
  apply: z.boolean().default(false),
  requestsPerSecond,
});

export const exportFileSource = z.strictObject({
  kind: z.literal('export_file'),
  /** An uploaded file (`migrations.uploadFile`): Stripe's card export, CSV or JSON, usually PGP-encrypted. */
  fileId: idSchema,
  format: z.enum(['auto', 'csv', 'json']).default('auto'),
  /**
   * The Stripe gateway account the file came from: each card keeps its Stripe card and customer
   * ids there, so a later import of that account by reference links instead of duplicating.
   */
  gatewayAccountId: idSchema.optional(),
  matchBy: z.enum(['gateway_customer', 'reference', 'email']).default('gateway_customer'),
});

export const mappingFileSource = z.strictObject({
  kind: z.literal('mapping_file'),
  /** CSV: our customer id or reference, Stripe customer id, Stripe card id (a header row names them). */
  fileId: idSchema,
  gatewayAccountId: idSchema,
  requestsPerSecond,
});

export const bulkExportSource = z.strictObject({
  kind: z.literal('bulk_export'),
  /** Where the cards go. */
  targetGatewayAccountId: idSchema,
  customerIds: z.array(idSchema).min(1).max(10_000).optional(),
  createdAfter: z.iso.datetime({ offset: true }).optional(),
  createdBefore: z.iso.datetime({ offset: true }).optional(),
  brand: z.enum(cardTypes).optional(),
  requestsPerSecond,
});

export const migrationSource = z.discriminatedUnion('kind', [
  stripeAccountSource,
  exportFileSource,
  mappingFileSource,
  bulkExportSource,
]);
export type MigrationSource = z.infer<typeof migrationSource>;

export const createMigrationJobInput = z.strictObject({
  source: migrationSource,
  /** A plan: read the source, report what would happen, write nothing but the report. */
  dryRun: z.boolean().default(false),
});
export type CreateMigrationJobInput = z.infer<typeof createMigrationJobInput>;

export const migrationJobIdInput = z.strictObject({ id: idSchema });

export const migrationProgress = z.strictObject({
  /** Source rows found so far; final once `sourceRead`. */
  total: z.number().int(),
  done: z.number().int(),
  sourceRead: z.boolean(),
  counts: z.partialRecord(z.enum(migrationItemOutcomes), z.number().int()),
  /** Gateway requests made on the job's behalf. */
  requests: z.number().int(),
  /** Rows per second since the job started. */
  rowsPerSecond: z.number().nullable(),
  /** Seconds left at the current rate, when the total is known. */
  etaSeconds: z.number().nullable(),
});

export const migrationJobDto = z.strictObject({
  id: idSchema,
  kind: z.enum(migrationJobKinds),
  dryRun: z.boolean(),
  status: z.enum(migrationJobStatuses),
  source: z.record(z.string(), z.unknown()),
  progress: migrationProgress,
  /** A plan's estimate of a real run at the account's request budget. */
  estimate: z
    .strictObject({ requests: z.number().int(), requestsPerSecond: z.number(), seconds: z.number() })
    .nullable(),
  error: z.string().nullable(),
  createdDate: z.string(),
  startedDate: z.string().nullable(),
  finishedDate: z.string().nullable(),
});
export type MigrationJobDto = z.infer<typeof migrationJobDto>;

export const migrationItemDto = z.strictObject({
  seq: z.number().int(),
  key: z.string(),
  position: z.number().int().nullable(),
  sourceCustomerId: z.string().nullable(),
  sourceCardId: z.string().nullable(),
  outcome: z.enum(migrationItemOutcomes),
  reason: z.string().nullable(),
  customerId: z.number().int().nullable(),
  paymentMethodId: z.number().int().nullable(),
  customerCreated: z.boolean(),
  details: z.record(z.string(), z.unknown()).nullable(),
});
export type MigrationItemDto = z.infer<typeof migrationItemDto>;

export const listMigrationItemsInput = z.strictObject({
  id: idSchema,
  /** The last `seq` of the previous page. */
  after: z.number().int().nonnegative().optional(),
  limit: z.number().int().min(1).max(1000).default(100),
  outcome: z.enum(migrationItemOutcomes).optional(),
});

export const listMigrationJobsInput = z
  .strictObject({ ...paginationInput })
  .refine(noBothCursors, bothCursorsMessage);
export const migrationJobList = listOutput(migrationJobDto);
export const migrationItemList = z.strictObject({ data: z.array(migrationItemDto), hasMore: z.boolean() });

/*
 * Source files of jobs (Stripe card exports, mapping files). They arrive as raw bytes over HTTP
 * (`POST /v1/migrations/files?name=…`): no procedure carries them, so only their name and the
 * answer have schemas.
 */
export const uploadMigrationFileInput = z.strictObject({
  /** The file's name, as the operator knows it (shown in listings; the content decides nothing by it). */
  name: freeText().trim().min(1).max(255),
});

export const migrationFileDto = z.strictObject({
  /** What a job's source names as `fileId`. */
  id: idSchema,
  name: z.string(),
  bytes: z.number().int(),
  /** An OpenPGP message, kept as it came (the import key opens it when a job reads it). */
  encrypted: z.boolean(),
  createdDate: z.string(),
});
export type MigrationFileDto = z.infer<typeof migrationFileDto>;
