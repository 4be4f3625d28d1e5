import { splitName } from '@cardbridge/core';
import {
  type Db,
  findCustomersForMatch,
  type GatewayAccountRow,
  insertCustomers,
  lockGatewayCustomerKeys,
} from '@cardbridge/db';
import type { Actor } from '../../actor.js';
import type { AppDeps } from '../../context.js';
import { recordChanges } from '../audit.js';
import {
  type GatewayCustomerFacts,
  gatewayText,
  type MatchBy,
  type ResolvedCustomer,
  resolveCustomers,
} from './customers.js';

/*
 * Which customer of ours stands for each customer of an export file, a chunk at a time. With the
 * file's gateway account: `resolveCustomers` (linked on that account, else matched, else created,
 * and remembered there). A file that names no account has no gateway customer to link: the
 * customers it creates carry the Stripe customer id as their `reference`, and that is what a
 * re-run of the file (or another file of the same customers) finds them by.
 */

/** The advisory-lock namespace of files without an account (no gateway account has id 0). */
const NO_ACCOUNT = 0;

export async function resolveFileCustomers(
  deps: AppDeps,
  actor: Actor,
  account: GatewayAccountRow | null,
  facts: readonly GatewayCustomerFacts[],
  opts: { matchBy: MatchBy; dryRun: boolean },
): Promise<Map<string, ResolvedCustomer>> {
  const unique = [...new Map(facts.map((f) => [f.externalCustomerId, f])).values()];
  if (unique.length === 0) return new Map();
  if (account) return resolveCustomers(deps, actor, account, unique, opts);
  if (opts.dryRun) return byReference(deps.db, actor, unique, opts.matchBy, false);
  return deps.db.transaction(async (tx) => {
    await lockGatewayCustomerKeys(
      tx,
      actor.tenantId,
      NO_ACCOUNT,
      unique.map((f) => f.externalCustomerId),
    );
    return byReference(tx, actor, unique, opts.matchBy, true);
  });
}

/**
 * Without an account: the customer whose reference is the Stripe customer id, else (matching by
 * e-mail) the oldest with the file's e-mail, else a new one named by the file (when `create`).
 */
async function byReference(
  db: Db,
  actor: Actor,
  facts: readonly GatewayCustomerFacts[],
  matchBy: MatchBy,
  create: boolean,
): Promise<Map<string, ResolvedCustomer>> {
  const { tenantId } = actor;
  const found = await findCustomersForMatch(
    db,
    tenantId,
    'reference',
    facts.map((f) => f.externalCustomerId),
  );
  const unmatched = () => facts.filter((f) => !found.has(f.externalCustomerId));
  if (matchBy === 'email') {
    const withEmail = unmatched().filter((f) => f.email);
    const byEmail = await findCustomersForMatch(
      db,
      tenantId,
      'email',
      withEmail.map((f) => f.email!),
    );
    for (const f of withEmail) {
      const id = byEmail.get(f.email!);
      if (id !== undefined) found.set(f.externalCustomerId, id);
    }
  }
  const result = new Map<string, ResolvedCustomer>(
    [...found].map(([external, customerId]) => [external, { customerId, created: false }]),
  );
  const missing = unmatched();
  if (!create) {
    for (const f of missing) result.set(f.externalCustomerId, { customerId: null, created: true });
    return result;
  }
  const rows = await insertCustomers(
    db,
    tenantId,
    missing.map((f) => {
      const { firstName, lastName } = splitName(gatewayText(f.name, 100));
      return {
        firstName: firstName.slice(0, 50) || null,
        lastName: lastName.slice(0, 50) || null,
        email: gatewayText(f.email, 255) || null,
        reference: f.externalCustomerId,
      };
    }),
  );
  await recordChanges(
    db,
    { ...actor, onCommit: undefined },
    rows.map((row) => ({
      action: 'customers.create',
      targetType: 'customers',
      targetId: row.id,
      details: { gatewayAccountId: null, externalCustomerId: row.reference },
    })),
    null,
  );
  for (const row of rows) result.set(row.reference!, { customerId: row.id, created: true });
  return result;
}
