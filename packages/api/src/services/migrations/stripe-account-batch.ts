import { type GatewayCard, type ListedCustomer, paymentMethodFieldsFromGatewayCard } from '@cardbridge/core';
import {
  clearDefaultsOf,
  customersWithDefault,
  findPaymentMethodsByExternalCards,
  type GatewayAccountRow,
  insertAuditEvents,
  insertMigrationItems,
  insertPaymentMethods,
  lockCustomersById,
  type NewMigrationItem,
  noteMigrationItems,
  settledMigrationItems,
} from '@cardbridge/db';
import { accountLivemode } from './budget.js';
import type { JobContext } from './context.js';
import { type MatchBy, resolveCustomers } from './customers.js';
import { decideListedCard } from './listed-card.js';

/*
 * A chunk of an account import (a page of customers and their cards) written at once: the
 * decisions of the row-by-row path (held elsewhere, unchanged, brand, live/test, Stripe's
 * default rule), taken on the chunk's rows together, then one transaction holding the chunk's
 * customers' locks inserts the new cards, their audit rows and their items with one statement
 * each. Anything it cannot sort out throws, and the caller does the chunk row by row instead.
 */

export interface ListedWithCards {
  customer: ListedCustomer;
  cards: GatewayCard[];
}

class ChunkRace extends Error {}

export async function importChunkAtOnce(
  ctx: JobContext,
  account: GatewayAccountRow,
  gathered: readonly ListedWithCards[],
  chunkNo: number,
  keyOf: (account: GatewayAccountRow, card: GatewayCard) => string,
): Promise<void> {
  const { deps, job } = ctx;
  const { tenantId } = job;
  const source = ctx.source as { matchBy: MatchBy };
  const settled = await settledMigrationItems(
    deps.db,
    tenantId,
    job.id,
    gathered.flatMap((g) => g.cards.map((c) => keyOf(account, c))),
  );
  const todo = gathered
    .map((g) => ({ ...g, cards: g.cards.filter((c) => !settled.has(keyOf(account, c))) }))
    .filter((g) => g.cards.length > 0);
  if (todo.length === 0) return;

  const notes: NewMigrationItem[] = [];
  const base = (customer: ListedCustomer, card: GatewayCard) => ({
    itemKey: keyOf(account, card),
    chunkNo,
    sourceCustomerId: customer.externalCustomerId,
    sourceCardId: card.externalCardId,
  });
  const livemode = accountLivemode(account);
  const sameMode = todo.filter((g) => livemode === null || g.customer.livemode === livemode);
  for (const g of todo) {
    if (sameMode.includes(g)) continue;
    for (const card of g.cards) {
      notes.push({
        ...base(g.customer, card),
        outcome: 'skipped',
        reason: `a ${g.customer.livemode ? 'live' : 'test'}-mode object on a ${livemode ? 'live' : 'test'}-mode account: live and test data never mix`,
      });
    }
  }

  const resolved = await resolveCustomers(
    deps,
    ctx.actor,
    account,
    sameMode.map((g) => g.customer),
    { matchBy: source.matchBy, dryRun: ctx.dryRun },
  );
  const held = await findPaymentMethodsByExternalCards(
    deps.db,
    tenantId,
    account.id,
    sameMode.flatMap((g) => g.cards.map((c) => c.externalCardId)),
  );
  const inserts: { customerId: number; card: GatewayCard; isDefault: boolean; item: NewMigrationItem }[] = [];
  for (const g of sameMode) {
    const r = resolved.get(g.customer.externalCustomerId)!;
    // Stripe bills with invoice_settings.default_payment_method first, then default_source.
    const defaultId = g.customer.defaultPaymentMethodId ?? g.customer.defaultSourceId;
    for (const card of g.cards) {
      const item = base(g.customer, card);
      if ('refusal' in r) {
        notes.push({ ...item, outcome: 'skipped', reason: r.refusal });
        continue;
      }
      const isDefault = card.externalCardId === defaultId;
      const decision = decideListedCard({
        card,
        customerId: r.customerId,
        ours: held.get(card.externalCardId),
        isDefault,
        sync: false,
        apply: false,
        dryRun: ctx.dryRun,
      });
      if (decision.outcome === 'skipped') {
        notes.push({
          ...item,
          customerId: r.customerId,
          ...(decision.ours ? { paymentMethodId: decision.ours.id } : {}),
          outcome: 'skipped',
          reason: decision.reason,
        });
      } else if (decision.outcome === 'unchanged') {
        const { ours } = decision;
        notes.push({ ...item, customerId: ours.customerId, paymentMethodId: ours.id, outcome: 'unchanged' });
      } else if (decision.outcome !== 'created') {
        throw new Error('sync is decided row by row, never in a batch');
      } else if (!decision.write) {
        notes.push({ ...item, customerId: r.customerId, customerCreated: r.created, outcome: 'created' });
      } else {
        inserts.push({
          customerId: r.customerId!,
          card,
          isDefault,
          item: { ...item, customerId: r.customerId, customerCreated: r.created, outcome: 'created' },
        });
      }
    }
  }
  await noteMigrationItems(deps.db, tenantId, job.id, notes);
  if (inserts.length === 0) return;

  await deps.db.transaction(async (tx) => {
    const customerIds = [...new Set(inserts.map((i) => i.customerId))].sort((a, b) => a - b);
    await lockCustomersById(tx, tenantId, customerIds);
    const taken = await findPaymentMethodsByExternalCards(
      tx,
      tenantId,
      account.id,
      inserts.map((i) => i.card.externalCardId),
    );
    if (taken.size > 0) throw new ChunkRace('a card of the chunk was stored meanwhile');
    // Stripe's rule, as insertWithDefaultRule applies it card by card: the card Stripe bills by
    // becomes the default; a customer without a default gets its first new card.
    const hasDefault = await customersWithDefault(tx, tenantId, customerIds);
    const stripeDefault = new Set(inserts.filter((i) => i.isDefault).map((i) => i.customerId));
    await clearDefaultsOf(
      tx,
      tenantId,
      [...stripeDefault].filter((id) => hasDefault.has(id)),
    );
    const given = new Set<number>();
    const values = inserts.map((i) => {
      const isDefault = stripeDefault.has(i.customerId)
        ? i.isDefault
        : !hasDefault.has(i.customerId) && !given.has(i.customerId);
      if (isDefault) given.add(i.customerId);
      return {
        customerId: i.customerId,
        gatewayAccountId: account.id,
        ...paymentMethodFieldsFromGatewayCard(i.card),
        isDefault,
      };
    });
    const rows = await insertPaymentMethods(tx, tenantId, values);
    const byCard = new Map(rows.map((r) => [r.externalCardId!, r]));
    await insertAuditEvents(
      tx,
      rows.map((row) => ({
        tenantId,
        actorKeyId: ctx.actor.keyId,
        action: 'migrations.importCard',
        targetType: 'paymentMethods',
        targetId: String(row.id),
        outcome: 'success' as const,
        origin: ctx.actor.origin,
        details: { requestId: ctx.actor.requestId },
      })),
    );
    await insertMigrationItems(
      tx,
      tenantId,
      job.id,
      inserts.map((i) => ({ ...i.item, paymentMethodId: byCard.get(i.card.externalCardId)!.id })),
    );
  });
}
