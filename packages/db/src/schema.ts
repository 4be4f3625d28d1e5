import {
  exportStatuses,
  migrationItemOutcomes,
  migrationJobKinds,
  migrationJobStatuses,
  paymentMethodStatuses,
} from '@cardbridge/core/schemas';
import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  check,
  foreignKey,
  index,
  integer,
  json,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  unique,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';

/*
 * Every tenant-owned table carries tenant_id and a UNIQUE (tenant_id, id), so foreign keys
 * can be composite: a row can only ever point at a row of its own tenant (OWASP API1).
 * Ids are integers, as in the seeds.
 */

const createdAt = () => timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow();
const modifiedAt = () =>
  timestamp('modified_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow();

export const tenants = pgTable('tenants', {
  id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
  name: text('name').notNull(),
  createdAt: createdAt(),
});

export const apiKeys = pgTable(
  'api_keys',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    tenantId: integer('tenant_id')
      .notNull()
      .references(() => tenants.id),
    /** Public lookup prefix, e.g. `cbk_3f9a…`; the secret part is only ever stored hashed. */
    keyId: text('key_id').notNull().unique(),
    secretHash: text('secret_hash').notNull(),
    name: text('name').notNull(),
    scopes: text('scopes').array().notNull(),
    createdAt: createdAt(),
    revokedAt: timestamp('revoked_at', { withTimezone: true, mode: 'date' }),
    lastUsedAt: timestamp('last_used_at', { withTimezone: true, mode: 'date' }),
  },
  (t) => [unique('api_keys_tenant_id_id_key').on(t.tenantId, t.id)],
);

export const customers = pgTable(
  'customers',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    tenantId: integer('tenant_id')
      .notNull()
      .references(() => tenants.id),
    firstName: text('first_name'),
    lastName: text('last_name'),
    email: text('email'),
    companyName: text('company_name'),
    reference: text('reference'),
    createdAt: createdAt(),
    modifiedAt: modifiedAt(),
  },
  (t) => [
    unique('customers_tenant_id_id_key').on(t.tenantId, t.id),
    uniqueIndex('customers_tenant_reference_key')
      .on(t.tenantId, t.reference)
      .where(sql`${t.reference} is not null`),
    index('customers_tenant_id_desc_idx').on(t.tenantId, t.id.desc()),
  ],
);

export const credentialsFormats = ['json', 'legacy'] as const;

export const gatewayAccounts = pgTable(
  'gateway_accounts',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    tenantId: integer('tenant_id')
      .notNull()
      .references(() => tenants.id),
    /** The gateway kind ('stripe', 'sandbox', …): packages/api/src/gateways/kinds.ts lists them. */
    kind: text('kind').notNull(),
    name: text('name').notNull(),
    status: text('status', { enum: ['active', 'disabled'] })
      .notNull()
      .default('active'),
    isDefault: boolean('is_default').notNull().default(false),
    /**
     * The kind's credentials, envelope-encrypted (vault `sealGatewaySecret`, bound to tenant,
     * row and key version); never returned, only `credentialsHint` is shown.
     */
    credentialsCiphertext: text('credentials_ciphertext'),
    credentialsKeyVersion: integer('credentials_key_version'),
    /**
     * 'json': the sealed plaintext is the kind's credentials as JSON. 'legacy': sealed before
     * gateway kinds (a Stripe account's bare secret key); the kind's `legacyCredentials` reads it.
     */
    credentialsFormat: text('credentials_format', { enum: credentialsFormats }),
    /** e.g. the last four characters of a secret key. */
    credentialsHint: text('credentials_hint'),
    /** The kind's non-secret config document (its `config` schema). */
    config: jsonb('config').$type<Record<string, unknown>>().notNull().default({}),
    createdAt: createdAt(),
  },
  (t) => [
    unique('gateway_accounts_tenant_id_id_key').on(t.tenantId, t.id),
    uniqueIndex('gateway_accounts_one_default_per_tenant').on(t.tenantId).where(sql`${t.isDefault}`),
    check(
      'gateway_accounts_credentials_consistent',
      sql`(${t.credentialsCiphertext} is null) = (${t.credentialsKeyVersion} is null) and (${t.credentialsCiphertext} is null) = (${t.credentialsFormat} is null)`,
    ),
  ],
);

export const paymentMethods = pgTable(
  'payment_methods',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    tenantId: integer('tenant_id').notNull(),
    customerId: integer('customer_id').notNull(),
    gatewayAccountId: integer('gateway_account_id'),
    status: text('status', { enum: paymentMethodStatuses }).notNull().default('active'),
    originalPaymentMethodId: integer('original_payment_method_id'),
    externalCustomerId: text('external_customer_id'),
    externalCardId: text('external_card_id'),
    storedInVault: boolean('stored_in_vault').notNull().default(false),
    fingerprint: text('fingerprint'),
    /** Vaulted card number: AES-256-GCM under the tenant data key `panKeyVersion`, bound to this row. */
    panCiphertext: text('pan_ciphertext'),
    panKeyVersion: integer('pan_key_version'),
    cardType: text('card_type').notNull(),
    maskedCardNumber: text('masked_card_number').notNull(),
    expirationMonth: integer('expiration_month').notNull(),
    /** Four-digit year; the DTO carries YY as the seeds do. */
    expirationYear: integer('expiration_year').notNull(),
    firstName: text('first_name').notNull().default(''),
    lastName: text('last_name').notNull().default(''),
    address1: text('address1').notNull().default(''),
    address2: text('address2').notNull().default(''),
    countryId: integer('country_id'),
    country: text('country').notNull().default(''),
    stateId: integer('state_id'),
    state: text('state').notNull().default(''),
    city: text('city').notNull().default(''),
    postalZip: text('postal_zip').notNull().default(''),
    email: text('email'),
    isDefault: boolean('is_default').notNull().default(false),
    /**
     * The operation (replace) that holds this card until `claimedUntil`: concurrent replaces
     * of one card claim it before any gateway call, so only one of them can charge.
     */
    claimOperationId: uuid('claim_operation_id'),
    claimedUntil: timestamp('claimed_until', { withTimezone: true, mode: 'date' }),
    createdAt: createdAt(),
    modifiedAt: modifiedAt(),
  },
  (t) => [
    unique('payment_methods_tenant_id_id_key').on(t.tenantId, t.id),
    foreignKey({
      name: 'payment_methods_customer_fk',
      columns: [t.tenantId, t.customerId],
      foreignColumns: [customers.tenantId, customers.id],
    }),
    foreignKey({
      name: 'payment_methods_gateway_account_fk',
      columns: [t.tenantId, t.gatewayAccountId],
      foreignColumns: [gatewayAccounts.tenantId, gatewayAccounts.id],
    }),
    foreignKey({
      name: 'payment_methods_original_fk',
      columns: [t.tenantId, t.originalPaymentMethodId],
      foreignColumns: [t.tenantId, t.id],
    }),
    // The database, not only the code, guarantees at most one default card per customer.
    uniqueIndex('payment_methods_one_default_per_customer')
      .on(t.tenantId, t.customerId)
      .where(sql`${t.isDefault}`),
    // Importing the same gateway card twice finds the existing row instead of copying it.
    uniqueIndex('payment_methods_external_card_key')
      .on(t.tenantId, t.gatewayAccountId, t.externalCardId)
      .where(sql`${t.externalCardId} is not null and ${t.status} <> 'deleted'`),
    // Keyset pagination over a customer's active cards, newest first.
    index('payment_methods_active_list_idx')
      .on(t.tenantId, t.customerId, t.id.desc())
      .where(sql`${t.status} = 'active'`),
    // The tenant's active cards by expiry, soonest first (paymentMethods.expiring): a range scan
    // up to the cutoff month that stops after one page, in order, without a sort.
    index('payment_methods_expiring_idx')
      .on(t.tenantId, t.expirationYear, t.expirationMonth, t.id)
      .where(sql`${t.status} = 'active'`),
    check('payment_methods_default_is_active', sql`not ${t.isDefault} or ${t.status} = 'active'`),
    check(
      'payment_methods_vault_consistent',
      sql`${t.storedInVault} = (${t.panCiphertext} is not null) and (${t.panCiphertext} is null) = (${t.panKeyVersion} is null)`,
    ),
    index('payment_methods_pan_key_version_idx')
      .on(t.tenantId, t.panKeyVersion, t.id)
      .where(sql`${t.panCiphertext} is not null`),
    check('payment_methods_expiration_month', sql`${t.expirationMonth} between 1 and 12`),
  ],
);

export const auditEvents = pgTable(
  'audit_events',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    /** Null only for events with no tenant yet, such as a failed authentication. */
    tenantId: integer('tenant_id').references(() => tenants.id),
    actorKeyId: text('actor_key_id'),
    action: text('action').notNull(),
    targetType: text('target_type'),
    targetId: text('target_id'),
    outcome: text('outcome', { enum: ['success', 'failure'] }).notNull(),
    origin: text('origin'),
    details: jsonb('details').$type<Record<string, unknown>>(),
    createdAt: createdAt(),
  },
  (t) => [index('audit_events_tenant_created_idx').on(t.tenantId, t.id.desc())],
);

/** Per-tenant data keys, wrapped by the master key (which never touches the database). */
export const tenantDataKeys = pgTable(
  'tenant_data_keys',
  {
    tenantId: integer('tenant_id')
      .notNull()
      .references(() => tenants.id),
    version: integer('version').notNull(),
    wrappedKey: text('wrapped_key').notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.version] })],
);

/** Which gateway customer (e.g. Stripe `cus_…`) stands for our customer on a gateway account. */
export const gatewayCustomers = pgTable(
  'gateway_customers',
  {
    tenantId: integer('tenant_id').notNull(),
    customerId: integer('customer_id').notNull(),
    gatewayAccountId: integer('gateway_account_id').notNull(),
    externalCustomerId: text('external_customer_id').notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.customerId, t.gatewayAccountId] }),
    // Our customer for a gateway customer: every imported page of customers asks.
    index('gateway_customers_external_idx').on(t.tenantId, t.gatewayAccountId, t.externalCustomerId),
    foreignKey({
      name: 'gateway_customers_customer_fk',
      columns: [t.tenantId, t.customerId],
      foreignColumns: [customers.tenantId, customers.id],
    }),
    foreignKey({
      name: 'gateway_customers_gateway_account_fk',
      columns: [t.tenantId, t.gatewayAccountId],
      foreignColumns: [gatewayAccounts.tenantId, gatewayAccounts.id],
    }),
  ],
);

/**
 * A vaulted card copied to another gateway account: an alias of the same payment method, so
 * the customer still has one card (one list entry, one default) known to several gateways.
 * `unknown` is a destination call that timed out: reconciled by looking the card up.
 */
export const paymentMethodExports = pgTable(
  'payment_method_exports',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    tenantId: integer('tenant_id').notNull(),
    paymentMethodId: integer('payment_method_id').notNull(),
    gatewayAccountId: integer('gateway_account_id').notNull(),
    status: text('status', { enum: exportStatuses }).notNull().default('pending'),
    /** Deterministic: the gateway idempotency key and the metadata the copy is found by. */
    exportKey: text('export_key').notNull(),
    externalCustomerId: text('external_customer_id'),
    externalCardId: text('external_card_id'),
    error: text('error'),
    createdAt: createdAt(),
    modifiedAt: modifiedAt(),
  },
  (t) => [
    unique('payment_method_exports_tenant_id_id_key').on(t.tenantId, t.id),
    foreignKey({
      name: 'payment_method_exports_payment_method_fk',
      columns: [t.tenantId, t.paymentMethodId],
      foreignColumns: [paymentMethods.tenantId, paymentMethods.id],
    }),
    foreignKey({
      name: 'payment_method_exports_gateway_account_fk',
      columns: [t.tenantId, t.gatewayAccountId],
      foreignColumns: [gatewayAccounts.tenantId, gatewayAccounts.id],
    }),
    uniqueIndex('payment_method_exports_one_live_per_destination')
      .on(t.tenantId, t.paymentMethodId, t.gatewayAccountId)
      .where(sql`${t.status} <> 'failed'`),
  ],
);

export const gatewayIntentActions = [
  'create_customer',
  'create_card',
  'update_card',
  'charge',
  'delete_card',
  'export_card',
] as const;

/**
 * See README "Gateway intents". pending: recorded, the call may or may not have reached the
 * gateway. committed: its outcome is part of a committed change. failed: the gateway refused
 * (nothing to undo). compensated: the change did not commit and the side effect was undone
 * (refund, card removed) or was found never to have happened. completed: a forward-only step
 * (delete at the gateway) finished after the change committed.
 */
export const gatewayIntentStates = ['pending', 'committed', 'failed', 'compensated', 'completed'] as const;

/**
 * A side effect at a gateway, recorded before it happens. Its id is the gateway idempotency
 * key, so a retry or a recovery lookup can only ever find this one attempt.
 */
export const gatewayIntents = pgTable(
  'gateway_intents',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    tenantId: integer('tenant_id')
      .notNull()
      .references(() => tenants.id),
    /** Groups the steps of one of our operations (a replace: create card, then charge). */
    operationId: uuid('operation_id').notNull(),
    action: text('action', { enum: gatewayIntentActions }).notNull(),
    gatewayAccountId: integer('gateway_account_id').notNull(),
    /** Our payment method the step is for (may be a reserved id whose row never commits). */
    paymentMethodId: integer('payment_method_id'),
    customerId: integer('customer_id'),
    state: text('state', { enum: gatewayIntentStates }).notNull().default('pending'),
    externalCustomerId: text('external_customer_id'),
    /** What the gateway made: a card, a charge. */
    externalObjectId: text('external_object_id'),
    /** Amounts and such; never card data. */
    details: jsonb('details').$type<Record<string, unknown>>().notNull().default({}),
    attempts: integer('attempts').notNull().default(0),
    lastError: text('last_error'),
    /** The request that recorded it owns it until then; afterwards the recovery sweep may. */
    leaseUntil: timestamp('lease_until', { withTimezone: true, mode: 'date' }).notNull(),
    createdAt: createdAt(),
    modifiedAt: modifiedAt(),
  },
  (t) => [
    foreignKey({
      name: 'gateway_intents_gateway_account_fk',
      columns: [t.tenantId, t.gatewayAccountId],
      foreignColumns: [gatewayAccounts.tenantId, gatewayAccounts.id],
    }),
    index('gateway_intents_open_idx').on(t.leaseUntil).where(sql`${t.state} = 'pending'`),
    index('gateway_intents_operation_idx').on(t.operationId),
  ],
);

export const idempotencyStates = ['in_flight', 'completed'] as const;

/**
 * Stripe-style Idempotency-Key records, per tenant, kept 24 hours. `requestHash` is an HMAC of
 * the procedure and its input (never the raw body: it may hold a card number). The response
 * is the procedure's output or its domain error, both free of card data.
 */
export const idempotencyKeys = pgTable(
  'idempotency_keys',
  {
    tenantId: integer('tenant_id')
      .notNull()
      .references(() => tenants.id),
    key: text('key').notNull(),
    requestHash: text('request_hash').notNull(),
    procedure: text('procedure').notNull(),
    state: text('state', { enum: idempotencyStates }).notNull().default('in_flight'),
    response: jsonb('response').$type<Record<string, unknown>>(),
    /** An in-flight record whose lease has passed belongs to a request that died. */
    leaseUntil: timestamp('lease_until', { withTimezone: true, mode: 'date' }).notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.key] }),
    index('idempotency_keys_created_idx').on(t.createdAt),
  ],
);

/*
 * The sandbox gateway kind's state (@cardbridge/gateway-sandbox): what a gateway would keep on
 * its side, kept here so sandbox cards outlive a restart. Per gateway account (and tenant);
 * each object is the sandbox engine's JSON document (core's TestGateway), keyed by its id;
 * `customerId` indexes a customer's cards and charges, `seq` keeps insertion order. No card
 * number is ever stored: brand, last 4, an HMAC fingerprint and the test behaviour only.
 */

/** One row per sandbox account: its fingerprint secret and id counter. */
export const sandboxAccounts = pgTable(
  'sandbox_accounts',
  {
    tenantId: integer('tenant_id').notNull(),
    gatewayAccountId: integer('gateway_account_id').primaryKey(),
    /** HMAC key of card fingerprints (base64). A test gateway's, not a vault secret. */
    fingerprintSecret: text('fingerprint_secret').notNull(),
    lastId: integer('last_id').notNull().default(0),
    createdAt: createdAt(),
  },
  (t) => [
    foreignKey({
      name: 'sandbox_accounts_gateway_account_fk',
      columns: [t.tenantId, t.gatewayAccountId],
      foreignColumns: [gatewayAccounts.tenantId, gatewayAccounts.id],
    }),
  ],
);

const sandboxObjects = (name: string) =>
  pgTable(
    name,
    {
      tenantId: integer('tenant_id').notNull(),
      gatewayAccountId: integer('gateway_account_id').notNull(),
      id: text('id').notNull(),
      customerId: text('customer_id'),
      seq: bigint('seq', { mode: 'number' }).notNull().generatedAlwaysAsIdentity(),
      data: jsonb('data').$type<unknown>().notNull(),
      createdAt: createdAt(),
    },
    (t) => [
      primaryKey({ columns: [t.gatewayAccountId, t.id] }),
      foreignKey({
        name: `${name}_gateway_account_fk`,
        columns: [t.tenantId, t.gatewayAccountId],
        foreignColumns: [gatewayAccounts.tenantId, gatewayAccounts.id],
      }),
      index(`${name}_customer_idx`).on(t.gatewayAccountId, t.customerId, t.seq),
    ],
  );

export const sandboxCustomers = sandboxObjects('sandbox_customers');
export const sandboxCards = sandboxObjects('sandbox_cards');
export const sandboxCharges = sandboxObjects('sandbox_charges');
export const sandboxRefunds = sandboxObjects('sandbox_refunds');
export const sandboxIdempotencyKeys = sandboxObjects('sandbox_idempotency_keys');

/*
 * Bulk migration jobs (@cardbridge/jobs runs them on pg-boss; packages/api/src/services/migrations
 * holds what a job does). Nothing of a job lives only in memory: the job row holds its source,
 * options, status and the listing checkpoint; chunks hold the work not yet done; items are the
 * per-row report and the old→new id map, each written in the transaction of the change it
 * reports, so a crash or a second run can neither lose nor repeat a row.
 */

export const migrationJobs = pgTable(
  'migration_jobs',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    tenantId: integer('tenant_id')
      .notNull()
      .references(() => tenants.id),
    kind: text('kind', { enum: migrationJobKinds }).notNull(),
    /** A plan: reads the source and reports what would happen; writes nothing but its report. */
    dryRun: boolean('dry_run').notNull().default(false),
    status: text('status', { enum: migrationJobStatuses }).notNull().default('queued'),
    /** The source account (imports) or the target account (bulk export). */
    gatewayAccountId: integer('gateway_account_id'),
    fileId: integer('file_id'),
    /** The kind's validated options (filters, sync/apply, match rules, budget). */
    options: jsonb('options').$type<Record<string, unknown>>().notNull().default({}),
    /** Where reading the source stands (listing cursors per partition); committed with each chunk. */
    checkpoint: jsonb('checkpoint').$type<Record<string, unknown>>().notNull().default({}),
    /** Every chunk of the source has been written (the total is known). */
    sourceRead: boolean('source_read').notNull().default(false),
    /** Source rows found so far (final once `sourceRead`). */
    total: integer('total').notNull().default(0),
    /** Source requests made so far (gateway calls), for the rate figures. */
    requests: integer('requests').notNull().default(0),
    error: text('error'),
    requestedBy: text('requested_by').notNull(),
    createdAt: createdAt(),
    startedAt: timestamp('started_at', { withTimezone: true, mode: 'date' }),
    finishedAt: timestamp('finished_at', { withTimezone: true, mode: 'date' }),
    modifiedAt: modifiedAt(),
  },
  (t) => [
    unique('migration_jobs_tenant_id_id_key').on(t.tenantId, t.id),
    index('migration_jobs_tenant_id_desc_idx').on(t.tenantId, t.id.desc()),
    foreignKey({
      name: 'migration_jobs_gateway_account_fk',
      columns: [t.tenantId, t.gatewayAccountId],
      foreignColumns: [gatewayAccounts.tenantId, gatewayAccounts.id],
    }),
  ],
);

export const migrationChunkStatuses = ['pending', 'done', 'cancelled'] as const;

/** A slice of the source (a customer page, a range of file records) that one worker does at once. */
export const migrationJobChunks = pgTable(
  'migration_job_chunks',
  {
    tenantId: integer('tenant_id').notNull(),
    jobId: integer('job_id').notNull(),
    chunkNo: integer('chunk_no').notNull(),
    status: text('status', { enum: migrationChunkStatuses }).notNull().default('pending'),
    /**
     * What the worker needs (never a card number in clear: file rows are sealed by the vault).
     * `json`, stored uncompressed: written once and read once whole, it would spend more
     * converting to jsonb and compressing than it keeps.
     */
    payload: json('payload').$type<unknown>().notNull(),
    /**
     * Rows the chunk will insert as they are, column by column (a file's payment methods, sealed
     * and with their reserved ids): the database reads them itself when they go in, so they
     * never travel to the worker and back. Stored like `payload`.
     */
    records: json('records').$type<unknown[]>(),
    rows: integer('rows').notNull(),
    attempts: integer('attempts').notNull().default(0),
    createdAt: createdAt(),
    doneAt: timestamp('done_at', { withTimezone: true, mode: 'date' }),
  },
  (t) => [
    primaryKey({ columns: [t.jobId, t.chunkNo] }),
    foreignKey({
      name: 'migration_job_chunks_job_fk',
      columns: [t.tenantId, t.jobId],
      foreignColumns: [migrationJobs.tenantId, migrationJobs.id],
    }).onDelete('cascade'),
    index('migration_job_chunks_pending_idx').on(t.jobId, t.chunkNo).where(sql`${t.status} = 'pending'`),
  ],
);

/** One source row's result: the per-row report and, with our ids, the old→new id map. */
export const migrationJobItems = pgTable(
  'migration_job_items',
  {
    tenantId: integer('tenant_id').notNull(),
    jobId: integer('job_id').notNull(),
    /** Unique within the job: `card:<source card id>`, `line:<n>`… */
    itemKey: text('item_key').notNull(),
    seq: bigint('seq', { mode: 'number' }).notNull().generatedAlwaysAsIdentity(),
    chunkNo: integer('chunk_no'),
    /** The line or record of a file, when the source is one. */
    position: integer('position'),
    sourceCustomerId: text('source_customer_id'),
    sourceCardId: text('source_card_id'),
    outcome: text('outcome', { enum: migrationItemOutcomes }).notNull(),
    reason: text('reason'),
    customerId: integer('customer_id'),
    paymentMethodId: integer('payment_method_id'),
    /** Our customer was created by this row (or would be, in a plan). */
    customerCreated: boolean('customer_created').notNull().default(false),
    details: jsonb('details').$type<Record<string, unknown>>(),
    createdAt: createdAt(),
  },
  (t) => [
    primaryKey({ columns: [t.jobId, t.itemKey] }),
    foreignKey({
      name: 'migration_job_items_job_fk',
      columns: [t.tenantId, t.jobId],
      foreignColumns: [migrationJobs.tenantId, migrationJobs.id],
    }).onDelete('cascade'),
    index('migration_job_items_job_seq_idx').on(t.jobId, t.seq),
  ],
);

/**
 * A gateway account's request budget, shared by every worker of every process: the theoretical
 * arrival time of the next request (GCRA), and a pause after the gateway answered 429.
 */
export const gatewayRateBudgets = pgTable('gateway_rate_budgets', {
  gatewayAccountId: integer('gateway_account_id').primaryKey(),
  nextAt: timestamp('next_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  blockedUntil: timestamp('blocked_until', { withTimezone: true, mode: 'date' }),
});

/** An uploaded source file (export or mapping file), kept in parts; PGP files as they came. */
export const migrationFiles = pgTable(
  'migration_files',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    tenantId: integer('tenant_id')
      .notNull()
      .references(() => tenants.id),
    name: text('name').notNull(),
    bytes: bigint('bytes', { mode: 'number' }).notNull().default(0),
    /** 'pgp': stored as received (ciphertext). 'sealed': a clear file, each part sealed by the vault. */
    storage: text('storage', { enum: ['pgp', 'sealed'] }).notNull(),
    complete: boolean('complete').notNull().default(false),
    createdAt: createdAt(),
  },
  (t) => [unique('migration_files_tenant_id_id_key').on(t.tenantId, t.id)],
);

export const migrationFileParts = pgTable(
  'migration_file_parts',
  {
    tenantId: integer('tenant_id').notNull(),
    fileId: integer('file_id').notNull(),
    partNo: integer('part_no').notNull(),
    /** base64 of the bytes ('pgp'), or the vault's ciphertext of them ('sealed'). */
    data: text('data').notNull(),
    /** The data key version of a sealed part. */
    keyVersion: integer('key_version'),
  },
  (t) => [
    primaryKey({ columns: [t.fileId, t.partNo] }),
    foreignKey({
      name: 'migration_file_parts_file_fk',
      columns: [t.tenantId, t.fileId],
      foreignColumns: [migrationFiles.tenantId, migrationFiles.id],
    }).onDelete('cascade'),
  ],
);
