import { pipeline, Readable } from 'node:stream';
import { importStripeCardInput, scrubCardNumbers } from '@cardbridge/core';
import {
  findCustomerForMatch,
  findPaymentMethodByExternalCard,
  type GatewayAccountRow,
  getCustomer,
  insertMigrationItem,
  type MigrationChunkRow,
  settledMigrationItems,
} from '@cardbridge/db';
import { CsvError, parse } from 'csv-parse';
import { requireGatewayAccount } from '../gateway-accounts.js';
import { importStripeCard } from '../payment-methods/index.js';
import { cardHeldElsewhere } from '../payment-methods/rows.js';
import { rowActor } from './actor.js';
import { type JobContext, JobFailure, type MigrationKindModule } from './context.js';
import { readMigrationFile, requireMigrationFile } from './files.js';
import { rowFailure, settledElsewhere } from './row-errors.js';
import { StagedChunks } from './staging.js';

/*
 * A mapping file: which Stripe card (by customer and card id) belongs to which customer of ours,
 * one CSV row each — the seed's single-card Stripe import (`importStripeCard`, which retrieves the
 * card from Stripe) in bulk, through the job's throttled gateway. A header row names the columns,
 * whatever their case: `customer_id` or `customer_reference` (ours), `stripe_customer_id`,
 * `stripe_card_id`; other columns are ignored. A CSV that does not parse fails the job with the
 * line (and column) before any row is done; a bad value fails only its row.
 */

type Source = Extract<JobContext['source'], { kind: 'mapping_file' }>;

const CHUNK_ROWS = 100;
/** A mapping row is a few ids: a longer record is a broken file (an unclosed quote). */
const MAX_RECORD_BYTES = 64 * 1024;

const columnNames = ['customer_id', 'customer_reference', 'stripe_customer_id', 'stripe_card_id'] as const;
type Column = (typeof columnNames)[number];

interface MappingRow {
  line: number;
  values: Partial<Record<Column, string>>;
}

interface ChunkPayload {
  rows: MappingRow[];
}

function sourceOf(ctx: JobContext): Source {
  if (ctx.source.kind !== 'mapping_file') throw new JobFailure('not a mapping file job');
  return ctx.source;
}

async function stripeAccount(ctx: JobContext, id: number): Promise<GatewayAccountRow> {
  const account = await requireGatewayAccount(ctx.deps.db, ctx.job.tenantId, id);
  if (account.kind !== 'stripe') throw new JobFailure(`gateway account ${id} is not a Stripe account`);
  return account;
}

const fileError = (what: string, where: { line?: number; field?: string } = {}) => {
  const parts = [
    ...(where.line !== undefined ? [`line ${where.line}`] : []),
    ...(where.field !== undefined ? [`field ${where.field}`] : []),
  ];
  return new JobFailure(
    scrubCardNumbers(`Mapping file${parts.length ? `, ${parts.join(', ')}` : ''}: ${what}`),
  );
};

/** Our names for the header's columns (`false`: a column we ignore); the required ones must be there. */
function headerColumns(header: string[]): (Column | false)[] {
  const seen = new Set<Column>();
  const columns = header.map((raw) => {
    const name = raw.trim().toLowerCase();
    const column = columnNames.find((c) => c === name);
    if (!column) return false;
    if (seen.has(column)) throw fileError('the header names this column twice', { line: 1, field: column });
    seen.add(column);
    return column;
  });
  for (const required of ['stripe_customer_id', 'stripe_card_id'] as const) {
    if (!seen.has(required)) {
      throw fileError(`the header has no ${required} column`, { line: 1, field: required });
    }
  }
  if (!seen.has('customer_id') && !seen.has('customer_reference')) {
    throw fileError('the header has neither a customer_id nor a customer_reference column', {
      line: 1,
      field: 'customer_id',
    });
  }
  return columns;
}

/** csv-parse's errors in our words (its own messages may quote the file). */
function csvFailure(error: unknown): unknown {
  if (!(error instanceof CsvError)) return error;
  const e = error as CsvError & { lines?: number; column?: unknown };
  const at = { line: e.lines, ...(typeof e.column === 'string' ? { field: e.column } : {}) };
  switch (e.code) {
    case 'CSV_QUOTE_NOT_CLOSED':
      return fileError('a quoted value is never closed (the file ends inside quotes)', at);
    case 'INVALID_OPENING_QUOTE':
      return fileError('a quote appears inside a value that does not start with one', at);
    case 'CSV_INVALID_CLOSING_QUOTE':
    case 'CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE':
      return fileError('a quoted value is followed by other characters before the next comma', at);
    case 'CSV_RECORD_INCONSISTENT_COLUMNS':
    case 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH':
      return fileError('the row does not have as many values as the header has columns', at);
    case 'CSV_MAX_RECORD_SIZE':
      return fileError(`a record is longer than ${MAX_RECORD_BYTES / 1024} KiB (an unclosed quote?)`, at);
    default:
      return fileError(`the CSV does not parse (${e.code})`, at);
  }
}

/** The file's rows, one at a time, each with the line it is on. */
async function* mappingRows(bytes: AsyncIterable<Uint8Array>): AsyncGenerator<MappingRow> {
  let sawHeader = false;
  const parser = parse({
    bom: true,
    trim: true,
    skip_empty_lines: true,
    max_record_size: MAX_RECORD_BYTES,
    columns: (header: string[]) => {
      sawHeader = true;
      return headerColumns(header);
    },
    on_record: (values: Partial<Record<Column, string>>, info): MappingRow => ({ line: info.lines, values }),
  });
  pipeline(Readable.from(bytes), parser, () => {
    // Errors reach the loop below through the parser.
  });
  try {
    yield* parser as AsyncIterable<MappingRow>;
  } catch (error) {
    throw csvFailure(error);
  } finally {
    parser.destroy();
  }
  if (!sawHeader) throw fileError('the file is empty (no header row)');
}

async function readSource(ctx: JobContext): Promise<boolean> {
  const source = sourceOf(ctx);
  const { deps, job } = ctx;
  const file = await requireMigrationFile(deps, job.tenantId, source.fileId);
  await stripeAccount(ctx, source.gatewayAccountId);
  if (file.storage === 'pgp') {
    throw new JobFailure(
      `file ${file.id} is OpenPGP-encrypted; a mapping file holds no card data: upload it as plain CSV`,
    );
  }
  const staged = new StagedChunks(ctx);
  let batch: MappingRow[] = [];
  const flush = async () => {
    const rows = batch;
    batch = [];
    await staged.stage(rows.length, async () => ({ payload: { rows } satisfies ChunkPayload }));
  };
  try {
    for await (const row of mappingRows(readMigrationFile(deps, job.tenantId, file.id))) {
      batch.push(row);
      if (batch.length < CHUNK_ROWS) continue;
      await flush();
      if (await ctx.stopped()) {
        await staged.finish();
        return false;
      }
    }
    if (batch.length > 0) await flush();
    await staged.finish();
  } catch (error) {
    await staged.settle();
    if (!(error instanceof JobFailure)) throw error;
    await staged.discard();
    throw error;
  }
  return true;
}

type Customer = { customerId: number } | { failure: string };

/** Our customer the row names, by id or by reference; a failure in words when there is none. */
async function customerOf(ctx: JobContext, row: MappingRow): Promise<Customer> {
  const { deps, job } = ctx;
  const id = row.values.customer_id;
  if (id) {
    if (!/^\d{1,10}$/.test(id)) return { failure: 'customer_id: must be a whole number' };
    const customer = await getCustomer(deps.db, job.tenantId, Number(id));
    return customer ? { customerId: customer.id } : { failure: `no customer with id ${id} here` };
  }
  const reference = row.values.customer_reference;
  if (!reference) return { failure: 'customer_id or customer_reference: one of them is required' };
  const found = await findCustomerForMatch(deps.db, job.tenantId, 'reference', reference);
  return found !== undefined
    ? { customerId: found }
    : { failure: `no customer with reference ${scrubCardNumbers(reference).slice(0, 100)} here` };
}

const fieldNames: Record<string, Column> = {
  customerId: 'customer_id',
  stripeCustomerId: 'stripe_customer_id',
  stripeCardId: 'stripe_card_id',
};

async function runChunk(ctx: JobContext, chunk: MigrationChunkRow): Promise<boolean> {
  const source = sourceOf(ctx);
  const { deps, job } = ctx;
  const { rows } = chunk.payload as ChunkPayload;
  const account = await stripeAccount(ctx, source.gatewayAccountId);
  const gateway = await ctx.gatewayFor(account);
  const keyOf = (row: MappingRow) => `line:${row.line}`;
  const settled = await settledMigrationItems(deps.db, job.tenantId, job.id, rows.map(keyOf));
  for (const row of rows) {
    if (settled.has(keyOf(row))) continue;
    if (await ctx.stopped()) return false;
    const base = {
      itemKey: keyOf(row),
      chunkNo: chunk.chunkNo,
      position: row.line,
      sourceCustomerId: row.values.stripe_customer_id || null,
      sourceCardId: row.values.stripe_card_id || null,
    };
    const failed = (reason: string, customerId: number | null = null) =>
      ctx.note({ ...base, customerId, outcome: 'failed', reason: `line ${row.line}: ${reason}` });
    const customer = await customerOf(ctx, row);
    if ('failure' in customer) {
      await failed(customer.failure);
      continue;
    }
    const { customerId } = customer;
    const parsed = importStripeCardInput.safeParse({
      customerId,
      stripeCustomerId: row.values.stripe_customer_id ?? '',
      stripeCardId: row.values.stripe_card_id ?? '',
      gatewayAccountId: account.id,
    });
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      await failed(
        `${fieldNames[String(issue.path[0])] ?? String(issue.path[0])}: ${issue.message}`,
        customerId,
      );
      continue;
    }
    const input = parsed.data;
    try {
      if (ctx.dryRun) {
        const planned = await plan(ctx, account, gateway, input);
        await ctx.note({
          ...base,
          customerId,
          ...planned,
          ...('reason' in planned ? { reason: `line ${row.line}: ${planned.reason}` } : {}),
        });
        continue;
      }
      let created = false;
      const result = await importStripeCard(
        deps,
        rowActor(ctx.actor, async (tx, output) => {
          created = true;
          await insertMigrationItem(tx, job.tenantId, job.id, {
            ...base,
            customerId,
            paymentMethodId: (output as { id: number }).id,
            outcome: 'created',
          });
        }),
        input,
        { account, gateway },
      );
      if (!created) await ctx.note({ ...base, customerId, paymentMethodId: result.id, outcome: 'unchanged' });
    } catch (error) {
      if (settledElsewhere(error)) continue;
      const { outcome, reason } = rowFailure(error);
      await ctx.note({ ...base, customerId, outcome, reason: `line ${row.line}: ${reason}` });
    }
  }
  return true;
}

/**
 * What the run would do with a row, asking Stripe what the run would ask: a card we hold for
 * the customer needs no request; any other is retrieved (it must be on that Stripe customer).
 */
async function plan(
  ctx: JobContext,
  account: GatewayAccountRow,
  gateway: Awaited<ReturnType<JobContext['gatewayFor']>>,
  input: { customerId: number; stripeCustomerId: string; stripeCardId: string },
) {
  const known = await findPaymentMethodByExternalCard(
    ctx.deps.db,
    ctx.job.tenantId,
    account.id,
    input.stripeCardId,
  );
  if (known && known.customerId === input.customerId) {
    return { outcome: 'unchanged' as const, paymentMethodId: known.id };
  }
  await gateway.retrieveCard({
    externalCustomerId: input.stripeCustomerId,
    externalCardId: input.stripeCardId,
  });
  if (known) {
    return {
      outcome: 'skipped' as const,
      paymentMethodId: known.id,
      reason: cardHeldElsewhere(input.stripeCardId, known).message,
    };
  }
  return { outcome: 'created' as const };
}

export const mappingFileKind: MigrationKindModule = { readSource, runChunk };
