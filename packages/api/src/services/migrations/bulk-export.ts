import { DomainError, type PaymentGateway, type PaymentMethodExportDto } from '@cardbridge/core';
import {
  type GatewayAccountRow,
  getGatewayAccount,
  getPaymentMethodsByIds,
  listPaymentMethodIdsAfter,
  type MigrationChunkRow,
  type NewMigrationItem,
  type PaymentMethodExportRow,
  type PaymentMethodRow,
  type PaymentMethodSelection,
  putMigrationItem,
  settledMigrationItems,
  succeededExportsTo,
} from '@cardbridge/db';
import {
  exportPaymentMethod,
  exportRefusal,
  requireEditablePaymentMethod,
} from '../payment-methods/index.js';
import { rowActor } from './actor.js';
import { atOnce } from './at-once.js';
import { type JobContext, JobFailure, type MigrationKindModule } from './context.js';
import { rowFailure, settledElsewhere } from './row-errors.js';

/*
 * A bulk export: the tenant's vaulted cards (all, or those a filter selects) copied to another
 * gateway account, each through the single export (`exportPaymentMethod`: an intent, the copy,
 * an export alias), with the job as its Actor and the job's throttled gateway.
 *
 * The source is our own table, read in keyset pages of ids (the checkpoint is the last id), so
 * a crash resumes where reading stopped. A row is decided the same way by a plan and a run
 * (`decide`): skipped (the single export's refusal, word for word), unchanged (the alias is
 * there), or created; only the run then copies. Its item is written in the transaction that
 * commits the alias, so a repeated chunk or a second job finds the row settled or the alias
 * there and never asks the gateway again.
 *
 * An item's `sourceCustomerId`/`sourceCardId` are the copy's ids at the target (the id map of
 * an export pairs our payment methods with them); `customerId`/`paymentMethodId` are ours.
 */

type Source = Extract<JobContext['source'], { kind: 'bulk_export' }>;

interface Checkpoint {
  /** The last payment method id written into a chunk. */
  afterId?: number;
  nextChunkNo?: number;
}

interface ChunkPayload {
  ids: number[];
}

/**
 * A row costs the target two or three requests one after another (customer, token, card), so a
 * chunk's time is latency, not work: small chunks let every worker slot keep requests in flight,
 * which is what fills the target's budget.
 */
export const BULK_EXPORT_CHUNK = 20;

/** The customers of a chunk exported at once (each a few requests in a row, at the target's latency). */
const CUSTOMERS_AT_ONCE = 5;

const itemKey = (paymentMethodId: number) => `pm:${paymentMethodId}`;

function sourceOf(ctx: JobContext): Source {
  if (ctx.source.kind !== 'bulk_export') throw new JobFailure('not a bulk export job');
  return ctx.source;
}

function selectionOf(source: Source): PaymentMethodSelection {
  return {
    ...(source.customerIds ? { customerIds: source.customerIds } : {}),
    ...(source.createdAfter ? { createdAfter: new Date(source.createdAfter) } : {}),
    ...(source.createdBefore ? { createdBefore: new Date(source.createdBefore) } : {}),
    ...(source.brand ? { cardType: source.brand } : {}),
  };
}

/** The target, as the job was checked against: gone or disabled since, no row can succeed. */
async function targetAccount(ctx: JobContext): Promise<GatewayAccountRow> {
  const id = sourceOf(ctx).targetGatewayAccountId;
  const account = await getGatewayAccount(ctx.deps.db, ctx.job.tenantId, id);
  if (!account) throw new JobFailure(`gateway account ${id} no longer exists`);
  if (account.status !== 'active') throw new JobFailure(`gateway account ${id} is disabled`);
  return account;
}

async function readSource(ctx: JobContext): Promise<boolean> {
  const selection = selectionOf(sourceOf(ctx));
  const cp: Checkpoint = { ...(ctx.job.checkpoint as Checkpoint) };
  for (;;) {
    if (await ctx.stopped()) return false;
    const ids = await listPaymentMethodIdsAfter(ctx.deps.db, ctx.job.tenantId, selection, {
      ...(cp.afterId !== undefined ? { afterId: cp.afterId } : {}),
      limit: BULK_EXPORT_CHUNK,
    });
    if (ids.length === 0) return true;
    const chunkNo = cp.nextChunkNo ?? 0;
    const next: Checkpoint = { afterId: ids.at(-1)!, nextChunkNo: chunkNo + 1 };
    const payload: ChunkPayload = { ids };
    await ctx.writeChunk({ chunkNo, payload, rows: ids.length }, next as Record<string, unknown>);
    if (ids.length < BULK_EXPORT_CHUNK) return true;
    Object.assign(cp, next);
  }
}

type Decision =
  | { outcome: 'skipped'; reason: string }
  | { outcome: 'unchanged'; alias: PaymentMethodExportRow }
  | { outcome: 'created'; card: PaymentMethodRow };

/** What the export of one card would do: the same answer for a plan and a run. */
async function decide(
  ctx: JobContext,
  id: number,
  card: PaymentMethodRow | undefined,
  target: GatewayAccountRow,
  alias: PaymentMethodExportRow | undefined,
): Promise<Decision> {
  if (card?.status !== 'active') {
    // Deleted or replaced since the source was read: the single export's words for it.
    try {
      await requireEditablePaymentMethod(ctx.deps.db, ctx.job.tenantId, id);
    } catch (error) {
      if (error instanceof DomainError) return { outcome: 'skipped', reason: error.message };
      throw error;
    }
  }
  const refusal = exportRefusal(card!, target.id);
  if (refusal) return { outcome: 'skipped', reason: refusal.message };
  if (alias) return { outcome: 'unchanged', alias };
  return { outcome: 'created', card: card! };
}

const aliasFields = (
  alias: Pick<PaymentMethodExportDto, 'id' | 'externalCustomerId' | 'externalCardId'>,
) => ({
  sourceCustomerId: alias.externalCustomerId,
  sourceCardId: alias.externalCardId,
  details: { exportId: alias.id },
});

/** Refusals of the single export that are a row's result, not an error (the card changed meanwhile). */
const refusalCodes = new Set(['CARD_NOT_EXPORTABLE', 'PAYMENT_METHOD_DELETED', 'PAYMENT_METHOD_REPLACED']);

/**
 * Copies one card through the single export. The item is written by the transaction that
 * commits the alias; an export that was already done returns without a change, and is noted
 * as unchanged.
 */
async function exportOne(
  ctx: JobContext,
  target: GatewayAccountRow,
  gateway: PaymentGateway,
  card: PaymentMethodRow,
  base: NewMigrationItem,
): Promise<void> {
  const { tenantId } = ctx.job;
  let recorded = false;
  const actor = rowActor(ctx.actor, async (tx, output) => {
    await putMigrationItem(tx, tenantId, ctx.job.id, {
      ...base,
      outcome: 'created',
      ...aliasFields(output as PaymentMethodExportDto),
    });
    recorded = true;
  });
  try {
    const alias = await exportPaymentMethod(
      ctx.deps,
      actor,
      { id: card.id, gatewayAccountId: target.id },
      { gateway },
    );
    if (!recorded) await ctx.note({ ...base, outcome: 'unchanged', ...aliasFields(alias) });
  } catch (error) {
    if (settledElsewhere(error)) return;
    // Another attempt (a second worker, a request) is exporting this card right now: the
    // chunk is retried later and finds its outcome, rather than a second copy or a guess.
    if (error instanceof DomainError && error.code === 'CONFLICT') throw error;
    if (error instanceof DomainError && refusalCodes.has(error.code)) {
      await ctx.note({ ...base, outcome: 'skipped', reason: error.message });
      return;
    }
    await ctx.note({ ...base, ...rowFailure(error) });
  }
}

async function runChunk(ctx: JobContext, chunk: MigrationChunkRow): Promise<boolean> {
  const { ids } = chunk.payload as ChunkPayload;
  const { tenantId } = ctx.job;
  const db = ctx.deps.db;
  const target = await targetAccount(ctx);
  const settled = await settledMigrationItems(db, tenantId, ctx.job.id, ids.map(itemKey));
  const todo = ids.filter((id) => !settled.has(itemKey(id)));
  if (todo.length === 0) return true;
  const cards = await getPaymentMethodsByIds(db, tenantId, todo);
  const aliases = await succeededExportsTo(db, tenantId, target.id, todo);
  let gateway: PaymentGateway | undefined;
  let stopped = false;
  const exportRow = async (id: number) => {
    const card = cards.get(id);
    const base: NewMigrationItem = {
      itemKey: itemKey(id),
      chunkNo: chunk.chunkNo,
      customerId: card?.customerId ?? null,
      paymentMethodId: id,
      outcome: 'created',
    };
    const decision = await decide(ctx, id, card, target, aliases.get(id));
    if (decision.outcome === 'skipped') {
      await ctx.note({ ...base, outcome: 'skipped', reason: decision.reason });
    } else if (decision.outcome === 'unchanged') {
      await ctx.note({ ...base, outcome: 'unchanged', ...aliasFields(decision.alias) });
    } else if (ctx.dryRun) {
      await ctx.note(base);
    } else {
      gateway ??= await ctx.gatewayFor(target);
      await exportOne(ctx, target, gateway, decision.card, base);
    }
  };
  // Customers at once, a customer's cards one after another: its first export creates the
  // customer at the target, which the next ones reuse instead of asking for it again.
  await atOnce(
    byCustomer(todo, cards),
    async (ids) => {
      for (const id of ids) {
        if (stopped || (await ctx.stopped())) {
          stopped = true;
          return;
        }
        await exportRow(id);
      }
    },
    CUSTOMERS_AT_ONCE,
  );
  return !stopped;
}

/** A chunk's ids grouped by their card's customer, in id order (an unknown card on its own). */
function byCustomer(ids: number[], cards: Map<number, PaymentMethodRow>): number[][] {
  const groups = new Map<string, number[]>();
  for (const id of ids) {
    const key = String(cards.get(id)?.customerId ?? `card ${id}`);
    groups.set(key, [...(groups.get(key) ?? []), id]);
  }
  return [...groups.values()];
}

export const bulkExportKind: MigrationKindModule = { readSource, runChunk };
