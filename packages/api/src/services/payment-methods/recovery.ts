import { isGatewayError, type PaymentGateway } from '@cardbridge/core';
import {
  findPaymentMethodByExternalCard,
  type GatewayIntentRow,
  getGatewayAccount,
  getPaymentMethod,
  noteGatewayIntentOutcome,
  settleGatewayIntents,
  takeStaleGatewayIntents,
} from '@cardbridge/db';
import type { Actor } from '../../actor.js';
import type { AppDeps } from '../../context.js';
import { completeExport, failExport } from './export.js';
import { intentIdempotencyKey, leaseFrom } from './leases.js';
import { markDeleted, withCustomerLock } from './rows.js';

/*
 * Resolving a gateway intent whose change did not commit (see README "Gateway intents"):
 * look the object up at the gateway by the intent's id (its idempotency key and metadata),
 * then undo it (remove the card, refund the charge, restore the old details) or, for steps
 * that only move forward (a delete, an export), complete the change they were part of.
 * Never repeats the original call.
 */

/** Recovery acts as the system, and its changes are audited as such. */
export const recoveryActor = (intent: GatewayIntentRow): Actor => ({
  kind: 'job',
  tenantId: intent.tenantId,
  apiKeyId: null,
  keyId: 'system:recovery',
  scopes: [],
  origin: 'recovery',
  requestId: intent.operationId,
});

const undoKey = (intent: GatewayIntentRow, what: string) => `${intentIdempotencyKey(intent.id)}_${what}`;

/** null when the gateway says the customer (and so anything of it) does not exist. */
async function orNullIfGone<T>(lookup: Promise<T>): Promise<T | null> {
  try {
    return await lookup;
  } catch (err) {
    if (isGatewayError(err, 'not_found')) return null;
    throw err;
  }
}

async function findCard(gateway: PaymentGateway, intent: GatewayIntentRow): Promise<string | null> {
  if (intent.externalObjectId) return intent.externalObjectId;
  if (!intent.externalCustomerId) return null;
  const found = await orNullIfGone(
    gateway.findCardByMetadata({
      externalCustomerId: intent.externalCustomerId,
      key: 'cardbridge_intent',
      value: intent.id,
    }),
  );
  return found?.externalCardId ?? null;
}

async function removeCard(gateway: PaymentGateway, intent: GatewayIntentRow, externalCardId: string) {
  await orNullIfGone(
    gateway.deleteCard(
      { externalCustomerId: intent.externalCustomerId!, externalCardId },
      undoKey(intent, 'undo'),
    ),
  );
}

type Resolution = 'compensated' | 'completed';

async function resolveWith(
  deps: AppDeps,
  intent: GatewayIntentRow,
  gateway: PaymentGateway,
): Promise<Resolution> {
  switch (intent.action) {
    case 'create_card': {
      const cardId = await findCard(gateway, intent);
      // A gateway may hand back a card we already hold (a PaymentMethod attached again): never
      // remove a card that one of our payment methods stands for.
      const held =
        cardId &&
        (await findPaymentMethodByExternalCard(deps.db, intent.tenantId, intent.gatewayAccountId, cardId));
      if (cardId && !held) await removeCard(gateway, intent, cardId);
      return 'compensated';
    }
    case 'charge': {
      const chargeId =
        intent.externalObjectId ??
        (intent.externalCustomerId
          ? ((
              await orNullIfGone(
                gateway.findChargeByMetadata({
                  externalCustomerId: intent.externalCustomerId,
                  key: 'cardbridge_intent',
                  value: intent.id,
                }),
              )
            )?.chargeId ?? null)
          : null);
      if (chargeId) {
        await gateway.refund({
          chargeId,
          idempotencyKey: undoKey(intent, 'refund'),
          metadata: { cardbridge_intent: intent.id },
        });
      }
      return 'compensated';
    }
    case 'update_card': {
      const { externalCardId, restore } = intent.details as {
        externalCardId: string;
        restore: Parameters<PaymentGateway['updateCard']>[1];
      };
      await orNullIfGone(
        gateway.updateCard(
          { externalCustomerId: intent.externalCustomerId!, externalCardId },
          restore,
          undoKey(intent, 'undo'),
        ),
      );
      return 'compensated';
    }
    case 'delete_card': {
      // Gone at the gateway: the delete happened, so ours completes; still there: it did not.
      const { externalCardId } = intent.details as { externalCardId: string };
      const stillThere = await orNullIfGone(
        gateway.retrieveCard({ externalCustomerId: intent.externalCustomerId!, externalCardId }),
      );
      if (stillThere) return 'compensated';
      const row = await getPaymentMethod(deps.db, intent.tenantId, intent.paymentMethodId!);
      if (row?.status !== 'active') return 'completed';
      await withCustomerLock(deps.db, intent.tenantId, row.customerId, async (tx) => {
        await markDeleted(tx, recoveryActor(intent), row.id, { intentId: intent.id });
        await settleGatewayIntents(tx, intent.tenantId, [intent.id], 'completed');
      });
      return 'completed';
    }
    case 'export_card': {
      // An export is wanted either way: a copy that arrived completes it; none fails it.
      const cardId = await findCard(gateway, intent);
      const ref = {
        tenantId: intent.tenantId,
        exportKey: intentIdempotencyKey(intent.id),
        externalCustomerId: intent.externalCustomerId,
      };
      if (cardId) {
        await completeExport(deps, recoveryActor(intent), ref, cardId);
        return 'completed';
      }
      await failExport(deps, ref, 'the export was interrupted and did not reach the destination');
      return 'compensated';
    }
    case 'create_customer':
      return 'compensated';
  }
}

/**
 * Resolves one pending intent that the caller holds (its own, or one taken by the sweep).
 * Idempotent: the undo calls carry keys derived from the intent, and only a pending intent
 * changes state.
 */
export async function resolveIntent(deps: AppDeps, intent: GatewayIntentRow): Promise<void> {
  const account = await getGatewayAccount(deps.db, intent.tenantId, intent.gatewayAccountId);
  if (!account) return;
  const gateway = await deps.gateways.forAccount(account, { evenIfDisabled: true });
  const resolution = await resolveWith(deps, intent, gateway);
  await settleGatewayIntents(deps.db, intent.tenantId, [intent.id], resolution);
}

/**
 * One pass of the recovery sweep: takes pending intents whose lease has passed (their request
 * died or gave up) and resolves them. What fails now keeps its new lease and comes back later.
 */
export async function recoverGatewayIntents(
  deps: AppDeps,
  opts: { batchSize?: number; tenantId?: number } = {},
): Promise<{ resolved: number; deferred: number }> {
  let resolved = 0;
  let deferred = 0;
  for (;;) {
    const batch = await takeStaleGatewayIntents(deps.db, {
      now: deps.clock(),
      leaseUntil: leaseFrom(deps),
      limit: opts.batchSize ?? 50,
      ...(opts.tenantId === undefined ? {} : { tenantId: opts.tenantId }),
    });
    if (batch.length === 0) break;
    for (const intent of batch) {
      try {
        await resolveIntent(deps, intent);
        resolved += 1;
      } catch (err) {
        deferred += 1;
        deps.logger.warn({ err, intentId: intent.id, action: intent.action }, 'intent recovery deferred');
        await noteGatewayIntentOutcome(deps.db, intent.tenantId, intent.id, {
          lastError: (err instanceof Error ? err.message : String(err)).slice(0, 500),
        }).catch(() => {});
      }
    }
    if (deferred > 0) break; // the gateway is struggling: the next pass tries again
  }
  if (resolved + deferred > 0) deps.logger.info({ resolved, deferred }, 'gateway intents recovered');
  return { resolved, deferred };
}

/** The sweep at start-up and then every `intervalMs`; never two passes at once. */
export function startRecovery(deps: AppDeps, intervalMs: number): { stop(): Promise<void> } {
  let running: Promise<void> | undefined;
  let stopped = false;
  const pass = () => {
    if (running || stopped) return;
    running = recoverGatewayIntents(deps)
      .then(() => {})
      .catch((err: unknown) => deps.logger.error({ err }, 'gateway intent recovery failed'))
      .finally(() => {
        running = undefined;
      });
  };
  pass();
  const timer = setInterval(pass, intervalMs);
  timer.unref();
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
