import type { GatewayCard, ListedCustomer, PaymentGateway } from '@cardbridge/core';
import {
  findPaymentMethodByExternalCard,
  type GatewayAccountRow,
  growMigrationChunkRows,
  insertMigrationItem,
  listGatewayAccounts,
  type MigrationChunkRow,
  paymentMethodsNotSeenByJob,
  settledMigrationItems,
} from '@cardbridge/db';
import { requireGatewayAccount } from '../gateway-accounts.js';
import { deletedAtGateway, followGatewayCard, importListedCard } from '../payment-methods/index.js';
import { rowActor } from './actor.js';
import { atOnce } from './at-once.js';
import { accountLivemode } from './budget.js';
import { type JobContext, JobFailure, type MigrationKindModule } from './context.js';
import { type MatchBy, resolveCustomer } from './customers.js';
import { decideListedCard } from './listed-card.js';
import { rowFailure, settledElsewhere } from './row-errors.js';
import { importChunkAtOnce, type ListedWithCards } from './stripe-account-batch.js';

/*
 * A whole Stripe account, by reference (cards stay at Stripe): customer pages of 100 with
 * their sources expanded (one request per 100 customers), a customer's further sources or
 * its PaymentMethods only where needed. With `connectedAccounts`, each connected account is
 * read through the tenant's Connect gateway account for it.
 */

type Source = Extract<JobContext['source'], { kind: 'stripe_account' }>;

interface Checkpoint {
  /** The gateway accounts to read, in order (resolved once: the Connect accounts). */
  accounts?: number[];
  accountIndex?: number;
  /** The current account's `created` windows, read at once: `w0`, `w1`, … */
  windows?: number;
  [window: `w${number}`]: WindowState | undefined;
}

/** One slice of an account by customer `created` (Unix seconds, [gte, lt); null: unbounded). */
interface WindowState {
  gte: number | null;
  lt: number | null;
  startingAfter: string | null;
  done: boolean;
}

/**
 * Listing is sequential within a window (each page names the next), so an account is cut into
 * windows by customer `created`, read at once: enough requests in flight to use the account's
 * budget at the gateway's latency, for at most one extra request per window.
 */
const WINDOWS = 8;

function windowsOf(created: number, end: number, n: number): WindowState[] {
  const start = Math.min(created, end);
  const step = Math.max(1, Math.ceil((end - start) / n));
  return Array.from({ length: n }, (_, i) => ({
    gte: i === 0 ? null : start + i * step,
    lt: i === n - 1 ? null : start + (i + 1) * step,
    startingAfter: null,
    done: false,
  }));
}

interface ChunkPayload {
  gatewayAccountId: number;
  customers: ListedCustomer[];
}

const PAGE = 100;

/**
 * Customers of a chunk whose further cards are asked for at once: with a PaymentMethod list per
 * customer at the gateway's latency, one at a time would leave most of the budget unused.
 */
const CUSTOMERS_AT_ONCE = 8;

function sourceOf(ctx: JobContext): Source {
  if (ctx.source.kind !== 'stripe_account') throw new JobFailure('not a Stripe account job');
  return ctx.source;
}

async function stripeAccount(ctx: JobContext, id: number): Promise<GatewayAccountRow> {
  const account = await requireGatewayAccount(ctx.deps.db, ctx.job.tenantId, id);
  if (account.kind !== 'stripe') throw new JobFailure(`gateway account ${id} is not a Stripe account`);
  return account;
}

async function listingOf(ctx: JobContext, account: GatewayAccountRow) {
  const gateway = await ctx.gatewayFor(account);
  if (!gateway.listing) throw new JobFailure(`gateway account ${account.id} cannot list its customers`);
  return { gateway, listing: gateway.listing };
}

/** The Connect gateway accounts the job reads: every listed connected account must have one. */
async function connectAccounts(ctx: JobContext, platform: GatewayAccountRow, wanted: 'all' | string[]) {
  let ids = wanted === 'all' ? [] : [...wanted];
  if (wanted === 'all') {
    const { listing } = await listingOf(ctx, platform);
    let startingAfter: string | undefined;
    for (;;) {
      const page = await listing.listConnectedAccounts({
        limit: 100,
        ...(startingAfter ? { startingAfter } : {}),
      });
      ids.push(...page.data.map((a) => a.id));
      if (!page.hasMore || page.data.length === 0) break;
      startingAfter = page.data.at(-1)!.id;
    }
  }
  ids = [...new Set(ids)];
  const mine = (await listGatewayAccounts(ctx.deps.db, ctx.job.tenantId)).filter(
    (a) => a.kind === 'stripe' && a.status === 'active',
  );
  const accounts: number[] = [];
  for (const acct of ids) {
    const match = mine.find((a) => (a.config as { connectedAccountId?: string }).connectedAccountId === acct);
    if (!match) {
      await ctx.note({
        itemKey: `account:${acct}`,
        sourceCustomerId: null,
        sourceCardId: null,
        outcome: 'failed',
        reason: `no Connect gateway account of the tenant for ${acct}: add one (gatewayAccounts.create with connectedAccountId ${acct})`,
      });
      continue;
    }
    accounts.push(match.id);
  }
  return accounts;
}

type Listing = NonNullable<PaymentGateway['listing']>;
type CustomerPage = Awaited<ReturnType<Listing['listCustomers']>>;

/** A window's next page: after `w.startingAfter`, or its first. */
const pageOf = (listing: Listing, w: WindowState): Promise<CustomerPage> =>
  listing.listCustomers({
    limit: PAGE,
    ...(w.gte !== null ? { createdGte: w.gte } : {}),
    ...(w.lt !== null ? { createdLt: w.lt } : {}),
    ...(w.startingAfter ? { startingAfter: w.startingAfter } : {}),
  });

/**
 * Reads a window to its end, from `first` (its next page, already asked for). Each next page
 * is asked for before the last one is written, so a window's pace is the gateway's latency,
 * not latency plus our writes; an answer counts only once the checkpoint before it is written.
 * Stops (false) when the job is paused or cancelled, one request spent in vain at most.
 */
async function readWindow(
  ctx: JobContext,
  account: GatewayAccountRow,
  listing: Listing,
  key: `w${number}`,
  start: WindowState,
  first: Promise<CustomerPage>,
): Promise<boolean> {
  const w = { ...start };
  let next: Promise<CustomerPage> | undefined = first;
  try {
    while (next) {
      const page: CustomerPage = await next;
      next = undefined;
      const last = page.data.at(-1);
      w.done = !page.hasMore || last === undefined;
      w.startingAfter = last?.externalCustomerId ?? w.startingAfter;
      if (!w.done) next = pageOf(listing, w);
      if (page.data.length > 0) {
        const payload: ChunkPayload = { gatewayAccountId: account.id, customers: page.data };
        const rows = page.data.reduce((n, c) => n + c.cards.length, 0);
        await ctx.appendChunk({ payload, rows }, { [key]: w });
      } else {
        await ctx.patchCheckpoint({ [key]: w });
      }
      if (next && (await ctx.stopped())) return false;
    }
  } finally {
    // No request of this attempt outlives it (a failed task is retried meanwhile).
    await next?.catch(() => {});
  }
  return true;
}

/**
 * Cuts the account into windows, from its creation to its newest customer. Rather than wait for
 * the account before listing, its newest page is asked for alongside: when it lies in the last
 * window it is that window's first page (and when it is the whole account, the whole listing);
 * otherwise it is dropped, one request spent. Returns the windows and how to record them.
 */
async function planWindows(ctx: JobContext, account: GatewayAccountRow, listing: Listing) {
  const [created, newest] = await Promise.all([
    listing.accountCreated(),
    listing.listCustomers({ limit: PAGE }),
  ]);
  // Up to the newest customer, not to now: no window is spent on a stretch nobody joined in,
  // and the newest page falls in the last window (unbounded above) unless that one is small.
  const end = (newest.data[0]?.created ?? Math.floor(Date.now() / 1000)) + 1;
  const windows = windowsOf(created, end, WINDOWS);
  const last = windows.at(-1)!;
  const tail = newest.data.at(-1);
  const whole = !newest.hasMore;
  const inLast = tail !== undefined && newest.data.every((c) => last.gte === null || c.created >= last.gte);
  if (whole) for (const w of windows) w.done = true;
  else if (inLast) last.startingAfter = tail.externalCustomerId;
  const patch: Checkpoint = { windows: windows.length };
  windows.forEach((w, i) => {
    patch[`w${i}`] = w;
  });
  const record = async () => {
    if ((whole || inLast) && newest.data.length > 0) {
      const payload: ChunkPayload = { gatewayAccountId: account.id, customers: newest.data };
      const rows = newest.data.reduce((n, c) => n + c.cards.length, 0);
      await ctx.appendChunk({ payload, rows }, patch as Record<string, unknown>);
    } else {
      await ctx.patchCheckpoint(patch as Record<string, unknown>);
    }
  };
  return { patch, record };
}

/**
 * Reads an account's windows at once, each from its checkpoint; false when the job stopped.
 * The windows' first pages are asked for at once, then `recorded` (the windows' checkpoint
 * being written, for a first read) is awaited before any answer is used.
 */
async function readWindows(
  ctx: JobContext,
  cp: Checkpoint,
  account: GatewayAccountRow,
  listing: Listing,
  recorded: () => Promise<void> = async () => {},
) {
  const open = Array.from({ length: cp.windows ?? 0 }, (_, i) => `w${i}` as const).flatMap((key) => {
    const w = cp[key];
    return w && !w.done ? [{ key, w, first: pageOf(listing, w) }] : [];
  });
  try {
    await recorded();
  } catch (error) {
    await Promise.allSettled(open.map((o) => o.first));
    throw error;
  }
  // Every reader ends before the task does (a failed task is retried: no reader of this
  // attempt may still be appending then).
  const results = await Promise.allSettled(
    open.map(({ key, w, first }) => readWindow(ctx, account, listing, key, w, first)),
  );
  const failed = results.find((r) => r.status === 'rejected');
  if (failed) throw failed.reason;
  return results.every((r) => r.status === 'fulfilled' && r.value);
}

async function readSource(ctx: JobContext): Promise<boolean> {
  const source = sourceOf(ctx);
  let cp: Checkpoint = { ...(ctx.job.checkpoint as Checkpoint) };
  if (!cp.accounts) {
    const first = await stripeAccount(ctx, source.gatewayAccountId);
    const accounts = source.connectedAccounts
      ? await connectAccounts(ctx, first, source.connectedAccounts)
      : [first.id];
    cp = (await ctx.patchCheckpoint({ accounts, accountIndex: 0 })) as Checkpoint;
  }
  const accounts = cp.accounts ?? [];
  while ((cp.accountIndex ?? 0) < accounts.length) {
    if (await ctx.stopped()) return false;
    const index = cp.accountIndex ?? 0;
    const account = await stripeAccount(ctx, accounts[index]!);
    const { listing } = await listingOf(ctx, account);
    let recorded: (() => Promise<void>) | undefined;
    if (cp.windows == null) {
      const plan = await planWindows(ctx, account, listing);
      cp = { ...cp, ...plan.patch };
      recorded = plan.record;
    }
    if (!(await readWindows(ctx, cp, account, listing, recorded))) return false;
    const next: Record<string, unknown> = { accountIndex: index + 1, windows: null };
    for (let i = 0; i < (cp.windows ?? 0); i++) next[`w${i}`] = null;
    cp = (await ctx.patchCheckpoint(next)) as Checkpoint;
  }
  return true;
}

/** Every card of a listed customer: the ones that came with the page, then what it needs besides. */
async function cardsOf(gateway: PaymentGateway, customer: ListedCustomer, source: Source) {
  const { paymentMethods } = source;
  const listing = gateway.listing!;
  const cards: GatewayCard[] = [...customer.cards];
  if (customer.moreCards) {
    let after = cards.at(-1)?.externalCardId;
    for (;;) {
      const page = await listing.listSourceCards({
        externalCustomerId: customer.externalCustomerId,
        limit: 100,
        ...(after ? { startingAfter: after } : {}),
      });
      cards.push(...page.data);
      if (!page.hasMore || page.data.length === 0) break;
      after = page.data.at(-1)!.externalCardId;
    }
  }
  const defaultPm = customer.defaultPaymentMethodId;
  // Sync must see every card to tell which are gone: every customer's PaymentMethods too.
  const wantPms =
    paymentMethods === 'all' ||
    (source.sync && paymentMethods !== 'none') ||
    (paymentMethods === 'default' &&
      defaultPm !== null &&
      !cards.some((c) => c.externalCardId === defaultPm));
  if (wantPms) {
    let after: string | undefined;
    for (;;) {
      const page = await listing.listPaymentMethodCards({
        externalCustomerId: customer.externalCustomerId,
        limit: 100,
        ...(after ? { startingAfter: after } : {}),
      });
      // A card source also shows up as a PaymentMethod with the same id: once is enough.
      for (const card of page.data)
        if (!cards.some((c) => c.externalCardId === card.externalCardId)) cards.push(card);
      if (!page.hasMore || page.data.length === 0) break;
      after = page.data.at(-1)!.externalCardId;
    }
  }
  return cards;
}

const itemKey = (account: GatewayAccountRow, card: GatewayCard) =>
  `card:${account.id}:${card.externalCardId}`;

/** One customer's cards, one row per transaction: sync, and the fallback of a chunk that failed as a batch. */
async function importCustomer(
  ctx: JobContext,
  account: GatewayAccountRow,
  customer: ListedCustomer,
  cards: GatewayCard[],
  chunkNo: number,
): Promise<void> {
  const source = sourceOf(ctx);
  const { tenantId } = ctx.job;
  const settled = await settledMigrationItems(
    ctx.deps.db,
    tenantId,
    ctx.job.id,
    cards.map((c) => itemKey(account, c)),
  );
  const todo = cards.filter((c) => !settled.has(itemKey(account, c)));
  if (todo.length === 0) return;
  const base = (card: GatewayCard) => ({
    itemKey: itemKey(account, card),
    chunkNo,
    sourceCustomerId: customer.externalCustomerId,
    sourceCardId: card.externalCardId,
  });
  const livemode = accountLivemode(account);
  if (livemode !== null && customer.livemode !== livemode) {
    for (const card of todo) {
      await ctx.note({
        ...base(card),
        outcome: 'skipped',
        reason: `a ${customer.livemode ? 'live' : 'test'}-mode object on a ${livemode ? 'live' : 'test'}-mode account: live and test data never mix`,
      });
    }
    return;
  }
  const resolved = await resolveCustomer(ctx.deps, ctx.actor, account, customer, {
    matchBy: source.matchBy as MatchBy,
    dryRun: ctx.dryRun,
  });
  if ('refusal' in resolved) {
    for (const card of todo) await ctx.note({ ...base(card), outcome: 'skipped', reason: resolved.refusal });
    return;
  }
  // Stripe bills with invoice_settings.default_payment_method first, then default_source.
  const defaultId = customer.defaultPaymentMethodId ?? customer.defaultSourceId;
  for (const card of todo) {
    try {
      await importOne(ctx, account, card, {
        customerId: resolved.customerId,
        customerCreated: resolved.created,
        isDefault: card.externalCardId === defaultId,
        base: base(card),
      });
    } catch (error) {
      if (settledElsewhere(error)) continue;
      await ctx.note({ ...base(card), customerId: resolved.customerId, ...rowFailure(error) });
    }
  }
}

async function importOne(
  ctx: JobContext,
  account: GatewayAccountRow,
  card: GatewayCard,
  row: {
    customerId: number | null;
    customerCreated: boolean;
    isDefault: boolean;
    base: { itemKey: string; chunkNo: number; sourceCustomerId: string; sourceCardId: string };
  },
): Promise<void> {
  const { tenantId } = ctx.job;
  const source = sourceOf(ctx);
  const decision = decideListedCard({
    card,
    customerId: row.customerId,
    ours: await findPaymentMethodByExternalCard(ctx.deps.db, tenantId, account.id, card.externalCardId),
    isDefault: row.isDefault,
    sync: Boolean(source.sync),
    apply: Boolean(source.apply),
    dryRun: ctx.dryRun,
  });
  switch (decision.outcome) {
    case 'skipped':
      await ctx.note({
        ...row.base,
        customerId: row.customerId,
        ...(decision.ours ? { paymentMethodId: decision.ours.id } : {}),
        outcome: 'skipped',
        reason: decision.reason,
      });
      return;
    case 'unchanged':
      await ctx.note({
        ...row.base,
        customerId: decision.ours.customerId,
        paymentMethodId: decision.ours.id,
        outcome: 'unchanged',
      });
      return;
    case 'drift': {
      const { ours, drift } = decision;
      const changed = Object.keys(drift).join(', ');
      if (!source.apply || ctx.dryRun) {
        await ctx.note({
          ...row.base,
          customerId: ours.customerId,
          paymentMethodId: ours.id,
          outcome: source.apply ? 'updated' : 'drift',
          reason: changed,
          details: drift,
        });
        return;
      }
      await followGatewayCard(
        ctx.deps,
        rowActor(ctx.actor, async (tx) => {
          await insertMigrationItem(tx, tenantId, ctx.job.id, {
            ...row.base,
            customerId: ours.customerId,
            paymentMethodId: ours.id,
            outcome: 'updated',
            reason: changed,
            details: drift,
          });
        }),
        { paymentMethodId: ours.id, customerId: ours.customerId, card, makeDefault: Boolean(drift.default) },
      );
      return;
    }
    case 'new':
      await ctx.note({
        ...row.base,
        customerId: row.customerId,
        outcome: 'drift',
        reason: 'new card at Stripe',
      });
      return;
    case 'created': {
      if (!decision.write) {
        await ctx.note({
          ...row.base,
          customerId: row.customerId,
          customerCreated: row.customerCreated,
          outcome: 'created',
        });
        return;
      }
      const customerId = row.customerId!;
      await importListedCard(
        ctx.deps,
        rowActor(ctx.actor, async (tx, output) => {
          await insertMigrationItem(tx, tenantId, ctx.job.id, {
            ...row.base,
            customerId,
            paymentMethodId: (output as { id: number }).id,
            customerCreated: row.customerCreated,
            outcome: 'created',
          });
        }),
        { customerId, account, card, isDefault: row.isDefault },
      );
    }
  }
}

async function runChunk(ctx: JobContext, chunk: MigrationChunkRow): Promise<boolean> {
  const payload = chunk.payload as ChunkPayload;
  const account = await stripeAccount(ctx, payload.gatewayAccountId);
  const gateway = await ctx.gatewayFor(account);
  const source = sourceOf(ctx);
  // Each customer's cards first: the gateway is asked only where the page did not say it all,
  // for several customers at once (reads only; the account's budget paces them).
  if (await ctx.stopped()) return false;
  const gathered: ListedWithCards[] = await atOnce(
    payload.customers,
    async (customer) => ({ customer, cards: await cardsOf(gateway, customer, source) }),
    CUSTOMERS_AT_ONCE,
  );
  if (await ctx.stopped()) return false;
  const found = gathered.reduce((n, g) => n + g.cards.length, 0);
  if (found > chunk.rows)
    await growMigrationChunkRows(ctx.deps.db, ctx.job.tenantId, ctx.job.id, chunk.chunkNo, found);
  if (!source.sync) {
    try {
      await importChunkAtOnce(ctx, account, gathered, chunk.chunkNo, itemKey);
      return true;
    } catch (error) {
      // A race the batch cannot sort out (a card taken meanwhile, a row settled by another
      // attempt): the rows are done one by one, each deciding on current data.
      ctx.deps.logger.debug(
        { jobId: ctx.job.id, chunk: chunk.chunkNo, err: String(error) },
        'chunk batch fell back to rows',
      );
    }
  }
  for (const { customer, cards } of gathered) {
    if (await ctx.stopped()) return false;
    await importCustomer(ctx, account, customer, cards, chunk.chunkNo);
  }
  return true;
}

/** Sync: our active cards of the account that the listing no longer shows are gone at Stripe. */
async function finish(ctx: JobContext): Promise<boolean> {
  const source = sourceOf(ctx);
  if (!source.sync || source.connectedAccounts) return true;
  const account = await stripeAccount(ctx, source.gatewayAccountId);
  const { tenantId } = ctx.job;
  for (;;) {
    if (await ctx.stopped()) return false;
    // With PaymentMethods not listed ('none'), a pm_ card not seen is not known to be gone.
    const gone = (
      await paymentMethodsNotSeenByJob(ctx.deps.db, tenantId, account.id, ctx.job.id, 100)
    ).filter((pm) => source.paymentMethods !== 'none' || !pm.externalCardId?.startsWith('pm_'));
    if (gone.length === 0) return true;
    for (const pm of gone) {
      const base = {
        itemKey: `card:${account.id}:${pm.externalCardId}`,
        sourceCustomerId: pm.externalCustomerId,
        sourceCardId: pm.externalCardId,
        customerId: pm.customerId,
        paymentMethodId: pm.id,
      };
      if (!source.apply || ctx.dryRun) {
        await ctx.note({ ...base, outcome: source.apply ? 'deleted' : 'drift', reason: 'deleted at Stripe' });
        continue;
      }
      try {
        await deletedAtGateway(
          ctx.deps,
          rowActor(ctx.actor, async (tx) => {
            await insertMigrationItem(tx, tenantId, ctx.job.id, {
              ...base,
              outcome: 'deleted',
              reason: 'deleted at Stripe',
            });
          }),
          pm,
        );
      } catch (error) {
        if (settledElsewhere(error)) continue;
        await ctx.note({ ...base, ...rowFailure(error) });
      }
    }
  }
}

export const stripeAccountKind: MigrationKindModule = { readSource, runChunk, finish };
