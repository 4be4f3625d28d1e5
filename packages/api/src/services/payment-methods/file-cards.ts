import { countryFromAlpha2, fingerprintPan, type Pan, parseExpiry, splitName, Vault } from '@cardbridge/core';
import {
  clearDefaultsOf,
  type Db,
  dataKeyStore,
  findPaymentMethodsByExternalCards,
  insertStagedPaymentMethods,
  listActiveCardKeys,
  lockCustomersById,
  type PaymentMethodRow,
  reservePaymentMethodIds,
} from '@cardbridge/db';
import type { Actor } from '../../actor.js';
import type { AppDeps } from '../../context.js';
import { recordChanges } from '../audit.js';
import {
  type GatewayPlacement,
  type IntakeCard,
  tenantFingerprintKey,
  type VaultedColumns,
  vaultedColumnsFor,
} from './intake.js';
import { cardHeldElsewhere, externalCardConflict } from './rows.js';

/*
 * Vaulted cards from a migration file (a Stripe card-data export), a batch at a time. Each card
 * takes the PCI path of `createCard` (intake.ts: the tenant's fingerprint, the number sealed for
 * its own reserved row, masked number, brand, expiry; no CVV exists here) without a gateway call,
 * keeping its Stripe ids as references when the file's account is known. The rules of rows.ts —
 * the customer's lock, one default, the external card key — are decided for the whole batch in
 * one transaction with multi-row inserts: a bulk migration writes thousands of cards a second.
 * The sealed rows are staged in the job's chunk when the file is read, and inserted from there
 * (`insertStagedPaymentMethods`) with the customer and default decided here.
 */

/** A card as an export file holds it. */
export interface FileCard {
  number: Pan;
  expMonth: number;
  /** Four digits. */
  expYear: number;
  name: string | null;
  address: {
    line1: string | null;
    line2: string | null;
    city: string | null;
    state: string | null;
    zip: string | null;
    /** ISO 3166-1 alpha-2, as Stripe exports it. */
    country: string | null;
  };
}

/**
 * File cards through intake: fingerprinted (the tenant's key derived once for the batch), expiry
 * checked (an expired card is still imported: the file is the merchant's record of what it
 * holds). Throws a field error for an expiry outside what we store.
 */
export function fileCardIntake(deps: AppDeps, tenantId: number): (card: FileCard) => IntakeCard {
  const key = tenantFingerprintKey(deps, tenantId);
  return (card) => intakeOf(card, fingerprintPan(card.number, key));
}

function intakeOf(card: FileCard, fingerprint: string): IntakeCard {
  const expiry = parseExpiry(card.expMonth, card.expYear, 'card.');
  return {
    pan: card.number,
    expiry,
    holder: {
      expirationMonth: expiry.month,
      expirationYear: expiry.year4,
      ...splitName(card.name),
      address1: card.address.line1,
      address2: card.address.line2,
      city: card.address.city,
      postalZip: card.address.zip,
      countryId: countryFromAlpha2(card.address.country)?.countryId ?? null,
    },
    fingerprint,
  };
}

/** The columns of a vaulted file card: `vaultedColumns` and the address's state as the file names it. */
export type FileCardColumns = VaultedColumns & { state: string };

/**
 * Seals a batch of cards, each for its own reserved row (`vaultedColumns`, with the ids reserved
 * in one query — or by the caller, ahead — and the tenant's data key read once for the batch
 * rather than once a card).
 */
export async function vaultFileCards(
  deps: AppDeps,
  tenantId: number,
  cards: readonly { card: IntakeCard; placement: GatewayPlacement | null; state: string | null }[],
  reserveIds: (n: number) => Promise<number[]> = (n) => reservePaymentMethodIds(deps.db, n),
): Promise<FileCardColumns[]> {
  if (cards.length === 0) return [];
  const ids = await reserveIds(cards.length);
  const vault = new BatchVault(deps.masterKey, dataKeyStore(deps.db));
  const columns: FileCardColumns[] = [];
  for (const [i, c] of cards.entries()) {
    const row = await vaultedColumnsFor(vault, tenantId, ids[i]!, c.card, c.placement ?? undefined);
    columns.push(Object.assign(row, { state: c.state ?? '' }));
  }
  return columns;
}

/**
 * The vault for one batch: the tenant's current data key is read and unwrapped once, not once a
 * card. (A rotation meanwhile is harmless: rows record their key version, and re-encryption
 * finds the ones left on an older one.)
 */
class BatchVault extends Vault {
  readonly #current = new Map<number, Promise<{ version: number; key: Buffer }>>();

  override currentKey(tenantId: number): Promise<{ version: number; key: Buffer }> {
    let current = this.#current.get(tenantId);
    if (!current) {
      current = super.currentKey(tenantId);
      this.#current.set(tenantId, current);
    }
    return current;
  }
}

/** What a decision about a file card needs: no card number. */
export interface FileCardRef {
  /** The caller's key of the row (its report line); unique within a batch. */
  key: string;
  /** Our customer; null in a plan when the customer would be created. */
  customerId: number | null;
  /** The file's customer (Stripe's id): tells apart the customers a plan would create. */
  sourceCustomerId: string;
  fingerprint: string;
  /** Where the card also lives at a gateway (the file's account), when known. */
  placement: GatewayPlacement | null;
  /** The reserved row id of a run (null in a plan). */
  id: number | null;
}

export type FileCardDecision =
  | { outcome: 'created'; paymentMethodId: number | null }
  | { outcome: 'unchanged'; paymentMethodId: number | null }
  | { outcome: 'skipped'; paymentMethodId: number; reason: string };

/**
 * Created, already held, or held by someone else — for a plan (on the database as it is) and a
 * run (inside its transaction, under the customers' locks) alike, so both say the same. Also
 * which of the customers have a default card already.
 *
 * A card with a gateway placement is the same card when the account holds that card id (the
 * external card key); without one, when the customer already has an active card with that
 * fingerprint. A card twice in one batch is created once.
 */
export async function decideFileCards(
  db: Db,
  tenantId: number,
  cards: readonly FileCardRef[],
): Promise<{ decisions: Map<string, FileCardDecision>; withDefault: Set<number> }> {
  const decisions = new Map<string, FileCardDecision>();
  const placed = cards.filter((c) => c.placement !== null);
  const byAccount = new Map<number, string[]>();
  for (const c of placed) {
    const ids = byAccount.get(c.placement!.gatewayAccountId) ?? [];
    ids.push(c.placement!.externalCardId);
    byAccount.set(c.placement!.gatewayAccountId, ids);
  }
  const held = new Map<string, PaymentMethodRow>();
  for (const [accountId, ids] of byAccount) {
    for (const [externalCardId, row] of await findPaymentMethodsByExternalCards(
      db,
      tenantId,
      accountId,
      ids,
    )) {
      held.set(`${accountId}:${externalCardId}`, row);
    }
  }
  const sameNumber = new Map<string, number>();
  const withDefault = new Set<number>();
  const customerIds = [...new Set(cards.flatMap((c) => (c.customerId !== null ? [c.customerId] : [])))];
  for (const row of await listActiveCardKeys(db, tenantId, customerIds)) {
    const k = `${row.customerId}:${row.fingerprint}`;
    if (row.fingerprint !== null && !sameNumber.has(k)) sameNumber.set(k, row.id);
    if (row.isDefault) withDefault.add(row.customerId);
  }

  const earlier = new Map<string, number | null>();
  for (const card of cards) {
    const identity = card.placement
      ? `${card.placement.gatewayAccountId}:${card.placement.externalCardId}`
      : `${card.customerId ?? `new:${card.sourceCustomerId}`}:${card.fingerprint}`;
    if (earlier.has(identity)) {
      decisions.set(card.key, { outcome: 'unchanged', paymentMethodId: earlier.get(identity)! });
      continue;
    }
    earlier.set(identity, card.id);
    const holder = card.placement ? held.get(identity) : undefined;
    if (holder && holder.customerId !== card.customerId) {
      decisions.set(card.key, {
        outcome: 'skipped',
        paymentMethodId: holder.id,
        reason: cardHeldElsewhere(card.placement!.externalCardId, holder).message,
      });
    } else if (holder && !holder.storedInVault) {
      decisions.set(card.key, {
        outcome: 'skipped',
        paymentMethodId: holder.id,
        reason: `card ${card.placement!.externalCardId} is held by reference as payment method ${holder.id} (imported from the gateway); a file import does not change it`,
      });
    } else if (holder) {
      decisions.set(card.key, { outcome: 'unchanged', paymentMethodId: holder.id });
    } else if (!card.placement && sameNumber.has(identity)) {
      decisions.set(card.key, { outcome: 'unchanged', paymentMethodId: sameNumber.get(identity)! });
    } else {
      decisions.set(card.key, { outcome: 'created', paymentMethodId: card.id });
    }
  }
  return { decisions, withDefault };
}

/**
 * A card of a run: whose it is, and what decides it. Its vaulted row waits, sealed, in the job's
 * chunk (`insertStagedPaymentMethods`), under `id`.
 */
export interface VaultedFileCard {
  key: string;
  customerId: number;
  sourceCustomerId: string;
  /** The id its row was sealed for. */
  id: number;
  fingerprint: string;
  placement: GatewayPlacement | null;
  /** The customer's default source in the file: it becomes the customer's default here. */
  isDefault: boolean;
}

/** Where a run's vaulted rows are staged: the job's chunk. */
export interface StagedCards {
  jobId: number;
  chunkNo: number;
}

export type FileCardResult = FileCardDecision & { key: string; customerId: number };

const refOf = (c: VaultedFileCard): FileCardRef => ({
  key: c.key,
  customerId: c.customerId,
  sourceCustomerId: c.sourceCustomerId,
  fingerprint: c.fingerprint,
  id: c.id,
  placement: c.placement,
});

/**
 * Stores a batch of vaulted file cards in one transaction: the customers locked (in id order),
 * each card decided on current data (`decideFileCards`), the new ones inserted in one statement
 * from their staged rows (`staged`: the job's chunk) with the default rule (the file's default source becomes the default; otherwise a customer
 * without a default gets its first new card, as Stripe does), one audit row per new card. The
 * actor's commit hook gets every card's result in that transaction (a job's per-row report).
 *
 * Any failure rolls the whole batch back; a caller that wants each card's own outcome calls it
 * again one card at a time. A card another customer holds (a race) is then the 409 naming it.
 */
export async function importVaultedFileCards(
  deps: AppDeps,
  actor: Actor,
  cards: readonly VaultedFileCard[],
  staged: StagedCards,
): Promise<FileCardResult[]> {
  const { tenantId } = actor;
  try {
    return await deps.db.transaction(async (tx) => {
      const customerIds = [...new Set(cards.map((c) => c.customerId))].sort((a, b) => a - b);
      await lockCustomersById(tx, tenantId, customerIds);
      const { decisions, withDefault } = await decideFileCards(tx, tenantId, cards.map(refOf));
      const created = cards.filter((c) => decisions.get(c.key)!.outcome === 'created');
      const isDefault = await defaultsFor(tx, tenantId, created, withDefault);
      await insertStagedPaymentMethods(
        tx,
        tenantId,
        staged,
        created.map((c) => ({ id: c.id, customerId: c.customerId, isDefault: isDefault.has(c.key) })),
      );
      const results = cards.map((c) => ({ ...decisions.get(c.key)!, key: c.key, customerId: c.customerId }));
      return recordChanges(
        tx,
        actor,
        created.map((c) => ({
          action: 'migrations.importCard',
          targetType: 'paymentMethods',
          targetId: c.id,
        })),
        results,
      );
    });
  } catch (err) {
    const only = cards.length === 1 ? cards[0]!.placement : null;
    if (only) await externalCardConflict(deps.db, err, tenantId, only.gatewayAccountId, only.externalCardId);
    throw err;
  }
}

/**
 * Which new cards become their customer's default, under the customers' locks. A current
 * default gives way only to the file's default source.
 */
async function defaultsFor(
  tx: Db,
  tenantId: number,
  created: readonly VaultedFileCard[],
  current: ReadonlySet<number>,
) {
  const chosen = new Map<number, string>();
  for (const c of created) if (c.isDefault && !chosen.has(c.customerId)) chosen.set(c.customerId, c.key);
  for (const c of created) {
    if (!chosen.has(c.customerId) && !current.has(c.customerId)) chosen.set(c.customerId, c.key);
  }
  await clearDefaultsOf(
    tx,
    tenantId,
    [...chosen.keys()].filter((id) => current.has(id)),
  );
  return new Set(chosen.values());
}
