import { randomBytes } from 'node:crypto';
import type { SandboxCollection, SandboxStore, SandboxTx } from '@cardbridge/core';
import { and, asc, eq, sql } from 'drizzle-orm';
import type { Db } from '../client.js';
import {
  gatewayAccounts,
  sandboxAccounts,
  sandboxCards,
  sandboxCharges,
  sandboxCustomers,
  sandboxIdempotencyKeys,
  sandboxRefunds,
} from '../schema.js';

const tables = {
  customers: sandboxCustomers,
  cards: sandboxCards,
  charges: sandboxCharges,
  refunds: sandboxRefunds,
  idempotency: sandboxIdempotencyKeys,
} satisfies Record<SandboxCollection, typeof sandboxCards>;

/** Advisory lock namespace of sandbox accounts (the second key is the account id). */
const LOCK_NAMESPACE = 0x5a4d; // 'SM'

export interface SandboxScope {
  gatewayAccountId: number;
  /** Looked up from the account row when not given (the registry's test hook knows only the id). */
  tenantId?: number;
}

/**
 * The sandbox gateway's state in the database (core's `SandboxStore`). Every call of one
 * account runs in a transaction holding that account's advisory lock, so an idempotency
 * record and the effect it records commit together, and two calls never interleave.
 * Ids are `${prefix}_s${accountId}_${n}` from the account's counter: unique across restarts.
 */
export function sandboxStore(db: Db, scope: SandboxScope): SandboxStore {
  const accountId = scope.gatewayAccountId;
  let tenantId = scope.tenantId;

  async function tenant(): Promise<number> {
    if (tenantId !== undefined) return tenantId;
    const [row] = await db
      .select({ tenantId: gatewayAccounts.tenantId })
      .from(gatewayAccounts)
      .where(eq(gatewayAccounts.id, accountId));
    if (!row) throw new Error(`sandbox: gateway account ${accountId} does not exist`);
    tenantId = row.tenantId;
    return tenantId;
  }

  async function ensureAccount(conn: Db, tenantOf: number): Promise<void> {
    await conn
      .insert(sandboxAccounts)
      .values({
        tenantId: tenantOf,
        gatewayAccountId: accountId,
        fingerprintSecret: randomBytes(32).toString('base64'),
      })
      .onConflictDoNothing();
  }

  const txApi = (conn: Db, tenantOf: number): SandboxTx => {
    const key = (collection: SandboxCollection, id: string) => {
      const t = tables[collection];
      return and(eq(t.gatewayAccountId, accountId), eq(t.id, id));
    };
    return {
      async get<T>(collection: SandboxCollection, id: string) {
        const t = tables[collection];
        const [row] = await conn.select({ data: t.data }).from(t).where(key(collection, id));
        return row?.data as T | undefined;
      },
      async put(collection, id, value, customerId) {
        const t = tables[collection];
        await conn
          .insert(t)
          .values({
            tenantId: tenantOf,
            gatewayAccountId: accountId,
            id,
            customerId: customerId ?? null,
            data: value,
          })
          .onConflictDoUpdate({ target: [t.gatewayAccountId, t.id], set: { data: value } });
      },
      async delete(collection, id) {
        const t = tables[collection];
        await conn.delete(t).where(key(collection, id));
      },
      async list<T>(collection: SandboxCollection, customerId?: string) {
        const t = tables[collection];
        const rows = await conn
          .select({ data: t.data })
          .from(t)
          .where(
            customerId === undefined
              ? eq(t.gatewayAccountId, accountId)
              : and(eq(t.gatewayAccountId, accountId), eq(t.customerId, customerId)),
          )
          .orderBy(asc(t.seq));
        return rows.map((r) => r.data as T);
      },
      async nextId(prefix) {
        const [row] = await conn
          .update(sandboxAccounts)
          .set({ lastId: sql`${sandboxAccounts.lastId} + 1` })
          .where(eq(sandboxAccounts.gatewayAccountId, accountId))
          .returning({ n: sandboxAccounts.lastId });
        return `${prefix}_s${accountId}_${row!.n}`;
      },
    };
  };

  return {
    async atomically(fn) {
      const tenantOf = await tenant();
      return db.transaction(async (tx) => {
        await tx.execute(sql`select pg_advisory_xact_lock(${LOCK_NAMESPACE}, ${accountId})`);
        await ensureAccount(tx, tenantOf);
        return fn(txApi(tx, tenantOf));
      });
    },
    async fingerprintSecret() {
      const tenantOf = await tenant();
      await ensureAccount(db, tenantOf);
      const [row] = await db
        .select({ secret: sandboxAccounts.fingerprintSecret })
        .from(sandboxAccounts)
        .where(eq(sandboxAccounts.gatewayAccountId, accountId));
      return Buffer.from(row!.secret, 'base64');
    },
  };
}
