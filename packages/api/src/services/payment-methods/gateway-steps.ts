import { randomUUID } from 'node:crypto';
import { DomainError, isGatewayError, type PaymentGateway } from '@cardbridge/core';
import {
  type Db,
  type GatewayAccountRow,
  type GatewayIntentRow,
  insertGatewayIntent,
  noteGatewayIntentOutcome,
  settleGatewayIntents,
} from '@cardbridge/db';
import type { AppDeps } from '../../context.js';
import { intentIdempotencyKey, leaseFrom } from './leases.js';
import { resolveIntent } from './recovery.js';

export type GatewayAction = GatewayIntentRow['action'];

/** What a step acts on, recorded on its intent so recovery can find and undo it. */
export interface StepTarget {
  account: GatewayAccountRow;
  gateway: PaymentGateway;
  paymentMethodId?: number | null;
  customerId?: number | null;
  externalCustomerId?: string | null;
  /** Amounts, what to restore: never card data. */
  details?: Record<string, unknown>;
}

/** Handed to the gateway call: the idempotency key and metadata that identify this attempt. */
export interface StepIdentity {
  idempotencyKey: string;
  metadata: { cardbridge_intent: string };
}

const messageOf = (err: unknown) => (err instanceof Error ? err.message : String(err)).slice(0, 500);

/**
 * The gateway side effects of one of our operations (see README "Gateway intents"). Each step
 * is recorded as a `pending` intent before the call, outside any database lock; its id is the
 * gateway idempotency key and goes into the object's metadata. The operation then either
 * commits the steps with its change (`commit`, inside that transaction) or undoes them
 * (`compensate`). A crash leaves them pending: the recovery sweep resolves them after their
 * lease by looking them up at the gateway, never by repeating them.
 */
export class GatewaySteps {
  readonly operationId = randomUUID();
  readonly #done: GatewayIntentRow[] = [];

  constructor(
    private readonly deps: AppDeps,
    private readonly tenantId: number,
  ) {}

  async run<T>(
    action: GatewayAction,
    target: StepTarget,
    call: (identity: StepIdentity) => Promise<T>,
    made: (result: T) => string | null,
  ): Promise<T> {
    const { deps, tenantId } = this;
    const intent = await insertGatewayIntent(deps.db, tenantId, {
      operationId: this.operationId,
      action,
      gatewayAccountId: target.account.id,
      paymentMethodId: target.paymentMethodId ?? null,
      customerId: target.customerId ?? null,
      externalCustomerId: target.externalCustomerId ?? null,
      details: target.details ?? {},
      leaseUntil: leaseFrom(deps),
    });
    let result: T;
    try {
      result = await call({
        idempotencyKey: intentIdempotencyKey(intent.id),
        metadata: { cardbridge_intent: intent.id },
      });
    } catch (err) {
      if (isGatewayError(err, 'indeterminate')) {
        // The outcome is unknown: give the intent to the recovery sweep at once (lease ended).
        await noteGatewayIntentOutcome(deps.db, tenantId, intent.id, {
          lastError: messageOf(err),
          leaseUntil: new Date(0),
        });
      } else {
        await settleGatewayIntents(deps.db, tenantId, [intent.id], 'failed', messageOf(err));
      }
      throw err;
    }
    const externalObjectId = made(result);
    await noteGatewayIntentOutcome(deps.db, tenantId, intent.id, { externalObjectId });
    this.#done.push({ ...intent, externalObjectId });
    return result;
  }

  /**
   * Inside the transaction of the change: the steps' outcomes become part of it. If recovery
   * took any of them meanwhile (the request outlived its lease), the change must not commit.
   */
  async commit(tx: Db): Promise<void> {
    const ids = this.#done.map((i) => i.id);
    const settled = await settleGatewayIntents(tx, this.tenantId, ids, 'committed');
    if (settled !== ids.length) {
      throw new DomainError(
        'CONFLICT',
        'This request took longer than its lease and was rolled back by recovery; retry it.',
      );
    }
  }

  /**
   * After the change failed to commit: undo what the gateway did, newest first. What cannot be
   * undone now stays pending and is retried by the recovery sweep after its lease.
   */
  async compensate(): Promise<void> {
    for (const intent of [...this.#done].reverse()) {
      await resolveIntent(this.deps, intent).catch((err: unknown) =>
        this.deps.logger.warn({ err, intentId: intent.id }, 'compensation deferred to recovery'),
      );
    }
  }

  /** Runs `change` (the committing transaction); if it throws, compensates and rethrows. */
  async commitOrCompensate<T>(change: () => Promise<T>): Promise<T> {
    try {
      return await change();
    } catch (err) {
      await this.compensate();
      throw err;
    }
  }
}
