import { scrubCardNumbers } from '@cardbridge/core';
import {
  type GatewayAccountRow,
  insertMigrationItems,
  type MigrationChunkRow,
  type NewMigrationItem,
  noteMigrationItems,
  settledMigrationItems,
  stagedPaymentMethodRecords,
} from '@cardbridge/db';
import {
  type ExportCardRecord,
  type ExportInvalidRecord,
  isExportFileError,
  readStripeExportFile,
  type StripeExportRecord,
} from '@cardbridge/jobs';
import { requireGatewayAccount } from '../gateway-accounts.js';
import {
  decideFileCards,
  type FileCardResult,
  fileCardIntake,
  importVaultedFileCards,
  type VaultedFileCard,
  vaultFileCards,
} from '../payment-methods/index.js';
import { rowActor } from './actor.js';
import { type JobContext, JobFailure, type MigrationKindModule } from './context.js';
import { gatewayText, type MatchBy, type ResolvedCustomer } from './customers.js';
import { resolveFileCustomers } from './file-customers.js';
import { readMigrationFile, requireMigrationFile } from './files.js';
import { IdsAhead } from './ids-ahead.js';
import { rowFailure, settledElsewhere } from './row-errors.js';
import { type StagedChunk, StagedChunks } from './staging.js';

/*
 * A Stripe card-data export (CSV or JSON, usually OpenPGP-encrypted) into our vault. The read
 * stages the file in chunks of rows — each valid card fingerprinted and its number sealed by the
 * vault for the payment method row reserved for it, so no chunk ever holds a clear number; the
 * engine queues them once the whole file was read without error, and a file that fails (its
 * integrity is known only at the end) is discarded with all it staged (staging.ts). A chunk's
 * payload is what its run decides by (ids, fingerprints, customers); the sealed rows themselves
 * wait in the chunk's records, read by the database when they go in. A chunk's rows go in
 * together: customers resolved for the chunk at once, cards decided and inserted in one
 * transaction with their audit rows and report rows.
 *
 * With `gatewayAccountId` each card keeps its Stripe card and customer ids on that account and
 * the Stripe customer is remembered, so a later import of the account by reference finds the
 * card instead of copying it.
 */

type Source = Extract<JobContext['source'], { kind: 'export_file' }>;

/**
 * Rows per chunk: one transaction of a few statements each. Measured with bench:migrate-file:
 * at 1,000 rows the statements' fixed costs show (10 % slower), and six chunks of 2,000 at once
 * still fit a 128 MB heap.
 */
const CHUNK_ROWS = 2000;

/**
 * Where a chunk ends: once it is full, before the next customer's first row (up to twice full
 * for a customer with that many cards). A customer's cards, one after another in Stripe's
 * export, then stay in one chunk: chunks worked on at once never wait for each other's locks
 * on a customer they share. The cuts follow the file alone, so a read that starts over makes
 * the same chunks.
 */
function chunkEndsBefore(batch: readonly StripeExportRecord[], next: StripeExportRecord): boolean {
  if (batch.length < CHUNK_ROWS) return false;
  return batch.length >= 2 * CHUNK_ROWS || batch.at(-1)!.customer.id !== next.customer.id;
}

interface StagedCard {
  ok: true;
  key: string;
  position: number;
  customer: { id: string; email: string | null; name: string | null };
  cardId: string;
  isDefault: boolean;
  fingerprint: string;
  /** The id a run's vaulted row was sealed for (its row is in the chunk's records); a plan has none. */
  id?: number;
}

interface StagedProblem {
  ok: false;
  key: string;
  position: number;
  sourceCustomerId: string | null;
  sourceCardId: string | null;
  reason: string;
}

type StagedRow = StagedCard | StagedProblem;

interface ChunkPayload {
  gatewayAccountId: number | null;
  rows: StagedRow[];
}

function sourceOf(ctx: JobContext): Source {
  if (ctx.source.kind !== 'export_file') throw new JobFailure('not an export file job');
  return ctx.source;
}

async function stripeAccount(ctx: JobContext, id: number): Promise<GatewayAccountRow> {
  const account = await requireGatewayAccount(ctx.deps.db, ctx.job.tenantId, id);
  if (account.kind !== 'stripe') throw new JobFailure(`gateway account ${id} is not a Stripe account`);
  return account;
}

async function readSource(ctx: JobContext): Promise<boolean> {
  const source = sourceOf(ctx);
  const { deps, job } = ctx;
  const file = await requireMigrationFile(deps, job.tenantId, source.fileId);
  const account =
    source.gatewayAccountId !== undefined ? await stripeAccount(ctx, source.gatewayAccountId) : null;
  const key = deps.importKey;
  if (file.storage === 'pgp' && !key) {
    throw new JobFailure(
      `file ${file.id} is OpenPGP-encrypted and this server has no import key to decrypt it: set CARDBRIDGE_IMPORT_PGP_KEY_FILE to the armored private key the export was encrypted to`,
    );
  }
  const records = readStripeExportFile(readMigrationFile(deps, job.tenantId, file.id), {
    format: source.format,
    // A clear file was sealed by the vault at upload; only its decrypted bytes arrive here.
    allowPlaintext: file.storage === 'sealed',
    ...(key ? { privateKeyArmored: key.armored } : {}),
    ...(key?.passphrase !== undefined ? { passphrase: key.passphrase } : {}),
    clock: deps.clock,
  });
  const staged = new StagedChunks(ctx);
  const ids = new IdsAhead(deps.db, CHUNK_ROWS);
  let batch: StripeExportRecord[] = [];
  const flush = async () => {
    const rows = batch;
    batch = [];
    await staged.stage(rows.length, () => stageRows(ctx, account, rows, ids));
  };
  try {
    for await (const record of records) {
      if (chunkEndsBefore(batch, record)) {
        await flush();
        if (await ctx.stopped()) {
          await staged.finish();
          return false;
        }
      }
      batch.push(record);
    }
    if (batch.length > 0) await flush();
    await staged.finish();
  } catch (error) {
    await staged.settle();
    if (!isExportFileError(error)) throw error;
    await staged.discard();
    throw new JobFailure(error.message);
  }
  return true;
}

const itemKeyOf = (record: StripeExportRecord) => `record:${record.position.record}`;
/** Where a row is, for people: the CSV line, or the record's number in a JSON file. */
const positionOf = (record: StripeExportRecord) => record.position.line ?? record.position.record;
const placeOf = (record: StripeExportRecord) =>
  record.position.line !== undefined ? `line ${record.position.line}` : `record ${record.position.record}`;

function problemOf(record: ExportInvalidRecord): StagedProblem {
  const reasons = record.problems.map((p) => `${p.field}: ${p.reason}`).join('; ');
  return {
    ok: false,
    key: itemKeyOf(record),
    position: positionOf(record),
    sourceCustomerId: record.customer.id,
    sourceCardId: record.card.id,
    reason: scrubCardNumbers(`${placeOf(record)}: ${reasons}`),
  };
}

function fileCardOf(record: ExportCardRecord) {
  const { card } = record;
  return {
    number: card.number,
    expMonth: card.expMonth,
    expYear: card.expYear,
    name: gatewayText(card.name, 100),
    address: {
      line1: gatewayText(card.addressLine1, 200),
      line2: gatewayText(card.addressLine2, 200),
      city: gatewayText(card.addressCity, 100),
      state: gatewayText(card.addressState, 100),
      zip: gatewayText(card.addressZip, 20),
      country: card.addressCountry,
    },
  };
}

/** A chunk's rows as the workers get them: fingerprints, and for a run the sealed rows. */
async function stageRows(
  ctx: JobContext,
  account: GatewayAccountRow | null,
  records: readonly StripeExportRecord[],
  ids: IdsAhead,
): Promise<StagedChunk> {
  const { deps, job } = ctx;
  const intake = fileCardIntake(deps, job.tenantId);
  const rows: StagedRow[] = [];
  const toVault: Parameters<typeof vaultFileCards>[2][number][] = [];
  const vaulted: StagedCard[] = [];
  for (const record of records) {
    if (!record.ok) {
      rows.push(problemOf(record));
      continue;
    }
    const file = fileCardOf(record);
    const card = intake(file);
    const row: StagedCard = {
      ok: true,
      key: itemKeyOf(record),
      position: positionOf(record),
      customer: {
        id: record.customer.id,
        email: gatewayText(record.customer.email, 255) || null,
        name: gatewayText(record.customer.name, 200) || null,
      },
      cardId: record.card.id,
      isDefault: record.isDefault,
      fingerprint: card.fingerprint,
    };
    rows.push(row);
    if (ctx.dryRun) continue;
    vaulted.push(row);
    toVault.push({
      card,
      state: file.address.state,
      placement: account
        ? {
            gatewayAccountId: account.id,
            externalCustomerId: record.customer.id,
            externalCardId: record.card.id,
          }
        : null,
    });
  }
  const payload: ChunkPayload = { gatewayAccountId: account?.id ?? null, rows };
  if (ctx.dryRun) return { payload };
  const columns = await vaultFileCards(deps, job.tenantId, toVault, (n) => ids.take(n));
  for (const [i, row] of vaulted.entries()) row.id = columns[i]!.id;
  return { payload, records: stagedPaymentMethodRecords(columns) };
}

const baseItem = (row: StagedRow, chunkNo: number) => ({
  itemKey: row.key,
  chunkNo,
  position: row.position,
  sourceCustomerId: row.ok ? row.customer.id : row.sourceCustomerId,
  sourceCardId: row.ok ? row.cardId : row.sourceCardId,
});

async function runChunk(ctx: JobContext, chunk: MigrationChunkRow): Promise<boolean> {
  if (await ctx.stopped()) return false;
  const source = sourceOf(ctx);
  const { deps, job } = ctx;
  const payload = chunk.payload as ChunkPayload;
  // A first attempt has nothing settled to skip (a racing second delivery of the chunk meets the
  // items' key instead); a retry skips what an earlier attempt finished.
  const settled =
    chunk.attempts === 0
      ? new Set<string>()
      : await settledMigrationItems(
          deps.db,
          job.tenantId,
          job.id,
          payload.rows.map((r) => r.key),
        );
  const rows = payload.rows.filter((r) => !settled.has(r.key));
  if (rows.length === 0) return true;
  const base = (row: StagedRow) => baseItem(row, chunk.chunkNo);

  const problems = rows.filter((r): r is StagedProblem => !r.ok);
  await noteMigrationItems(
    deps.db,
    job.tenantId,
    job.id,
    problems.map((r) => ({ ...base(r), outcome: 'failed' as const, reason: r.reason })),
  );

  const cards = rows.filter((r): r is StagedCard => r.ok);
  if (cards.length === 0) return true;
  const account =
    payload.gatewayAccountId !== null ? await stripeAccount(ctx, payload.gatewayAccountId) : null;
  const customers = await resolveFileCustomers(
    deps,
    ctx.actor,
    account,
    cards.map((c) => ({ externalCustomerId: c.customer.id, email: c.customer.email, name: c.customer.name })),
    { matchBy: source.matchBy as MatchBy, dryRun: ctx.dryRun },
  );
  const customerOf = (c: StagedCard) => customers.get(c.customer.id)!;
  const refused = cards.filter((c) => 'refusal' in customerOf(c));
  await noteMigrationItems(
    deps.db,
    job.tenantId,
    job.id,
    refused.map((c) => ({
      ...base(c),
      outcome: 'skipped' as const,
      reason: (customerOf(c) as { refusal: string }).refusal,
    })),
  );
  const accepted = cards.filter((c) => !('refusal' in customerOf(c)));
  const resolved = (c: StagedCard) => customerOf(c) as Exclude<ResolvedCustomer, { refusal: string }>;
  // Field by field, not a spread of `base`: thousands of items a chunk.
  const itemOf = (
    c: StagedCard,
    r: Pick<FileCardResult, 'outcome' | 'paymentMethodId'> & { reason?: string },
  ): NewMigrationItem => {
    const customer = resolved(c);
    return {
      itemKey: c.key,
      chunkNo: chunk.chunkNo,
      position: c.position,
      sourceCustomerId: c.customer.id,
      sourceCardId: c.cardId,
      outcome: r.outcome,
      reason: r.reason ?? null,
      customerId: customer.customerId,
      customerCreated: customer.created,
      paymentMethodId: r.paymentMethodId,
    };
  };

  if (ctx.dryRun) {
    const { decisions } = await decideFileCards(
      deps.db,
      job.tenantId,
      accepted.map((c) => ({
        key: c.key,
        customerId: resolved(c).customerId,
        sourceCustomerId: c.customer.id,
        fingerprint: c.fingerprint,
        id: null,
        placement: account
          ? { gatewayAccountId: account.id, externalCustomerId: c.customer.id, externalCardId: c.cardId }
          : null,
      })),
    );
    await noteMigrationItems(
      deps.db,
      job.tenantId,
      job.id,
      accepted.map((c) => itemOf(c, decisions.get(c.key)!)),
    );
    return true;
  }

  const vaulted = accepted.map(
    (c): VaultedFileCard => ({
      key: c.key,
      customerId: resolved(c).customerId!,
      sourceCustomerId: c.customer.id,
      id: c.id!,
      fingerprint: c.fingerprint,
      placement: account
        ? { gatewayAccountId: account.id, externalCustomerId: c.customer.id, externalCardId: c.cardId }
        : null,
      isDefault: c.isDefault,
    }),
  );
  const byKey = new Map(accepted.map((c) => [c.key, c]));
  const store = (batch: VaultedFileCard[]) =>
    importVaultedFileCards(
      deps,
      rowActor(ctx.actor, async (tx, output) => {
        const results = output as FileCardResult[];
        await insertMigrationItems(
          tx,
          job.tenantId,
          job.id,
          results.map((r) => itemOf(byKey.get(r.key)!, r)),
        );
      }),
      batch,
      { jobId: job.id, chunkNo: chunk.chunkNo },
    );
  try {
    await store(vaulted);
  } catch {
    // Another delivery of the chunk may have done it meanwhile: what it settled stays settled.
    const settledNow = await settledMigrationItems(
      deps.db,
      job.tenantId,
      job.id,
      vaulted.map((c) => c.key),
    );
    // One bad row must not sink its neighbours: each of the rest on its own, with its own outcome.
    // A row whose error another attempt may get past is left for the chunk's retry, after the others.
    let retry: unknown;
    for (const card of vaulted.filter((c) => !settledNow.has(c.key))) {
      try {
        await store([card]);
      } catch (error) {
        if (settledElsewhere(error)) continue;
        let failure: ReturnType<typeof rowFailure>;
        try {
          failure = rowFailure(error);
        } catch {
          retry ??= error;
          continue;
        }
        const c = byKey.get(card.key)!;
        await ctx.note({
          ...base(c),
          customerId: card.customerId,
          customerCreated: resolved(c).created,
          ...failure,
        });
      }
    }
    if (retry !== undefined) throw retry;
  }
  return true;
}

export const exportFileKind: MigrationKindModule = { readSource, runChunk };
