import { hasControlCharacter, hasLoneSurrogate, scrubCardNumbers, splitName } from '@cardbridge/core';
import {
  type Db,
  findCustomersByGatewayCustomers,
  findCustomersForMatch,
  type GatewayAccountRow,
  gatewayModesOfCustomers,
  insertAuditEvents,
  insertCustomers,
  lockGatewayCustomerKeys,
  rememberGatewayCustomers,
} from '@cardbridge/db';
import type { Actor } from '../../actor.js';
import type { AppDeps } from '../../context.js';
import { accountLivemode } from './budget.js';

/*
 * Which customer of ours stands for a gateway customer: the one an earlier import linked to it
 * on this account, else (when the job asks) the one with that reference or e-mail, else a new
 * one. Under an advisory lock on the gateway customer, so two attempts (a retried chunk, a
 * second worker) can never both create it.
 */

/**
 * Text from a gateway or a file, made storable: control characters (NUL breaks PostgreSQL) and
 * lone surrogates become spaces, anything card-shaped is masked, and the length is bounded.
 */
export function gatewayText(value: string | null | undefined, max: number): string {
  let text = value ?? '';
  if (hasControlCharacter(text) || hasLoneSurrogate(text)) {
    text = [...text].map((ch) => (hasControlCharacter(ch) || hasLoneSurrogate(ch) ? ' ' : ch)).join('');
  }
  return scrubCardNumbers(text).trim().slice(0, max);
}

export interface GatewayCustomerFacts {
  externalCustomerId: string;
  email: string | null;
  name: string | null;
}

export type MatchBy = 'gateway_customer' | 'reference' | 'email';

export type ResolvedCustomer =
  | { customerId: number; created: boolean }
  /** A plan: no customer yet, the run would create one. */
  | { customerId: null; created: true }
  | { refusal: string };

/** One gateway customer's: `resolveCustomers` with one customer (the same rules, one transaction). */
export async function resolveCustomer(
  deps: AppDeps,
  actor: Actor,
  account: GatewayAccountRow,
  facts: GatewayCustomerFacts,
  opts: { matchBy: MatchBy; dryRun: boolean },
): Promise<ResolvedCustomer> {
  const resolved = await resolveCustomers(deps, actor, account, [facts], opts);
  return resolved.get(facts.externalCustomerId)!;
}

/**
 * Our customers for a chunk's gateway customers at once (linked, else matched, else created;
 * live and test never mix), in one transaction with one statement per step.
 */
export async function resolveCustomers(
  deps: AppDeps,
  actor: Actor,
  account: GatewayAccountRow,
  all: readonly GatewayCustomerFacts[],
  opts: { matchBy: MatchBy; dryRun: boolean },
): Promise<Map<string, ResolvedCustomer>> {
  const { tenantId } = actor;
  const resolve = async (tx: Db): Promise<Map<string, ResolvedCustomer>> => {
    const externals = all.map((f) => f.externalCustomerId);
    if (!opts.dryRun) await lockGatewayCustomerKeys(tx, tenantId, account.id, externals);
    const found = await findCustomersByGatewayCustomers(tx, tenantId, account.id, externals);
    const unlinked = all.filter((f) => !found.has(f.externalCustomerId));
    if (opts.matchBy === 'reference' || opts.matchBy === 'email') {
      const matchValue = (f: GatewayCustomerFacts) =>
        opts.matchBy === 'reference' ? f.externalCustomerId : f.email;
      const values = unlinked.map(matchValue).filter((v): v is string => Boolean(v));
      const matched = await findCustomersForMatch(tx, tenantId, opts.matchBy, values);
      for (const f of unlinked) {
        const id = matchValue(f) ? matched.get(matchValue(f)!) : undefined;
        if (id !== undefined) found.set(f.externalCustomerId, id);
      }
    }
    const result = new Map<string, ResolvedCustomer>();
    const livemode = accountLivemode(account);
    const modes =
      livemode === null ? new Map() : await gatewayModesOfCustomers(tx, tenantId, [...found.values()]);
    for (const [external, customerId] of found) {
      const refusal = livemode !== null && modes.get(customerId)?.has(!livemode);
      result.set(
        external,
        refusal
          ? {
              refusal: `customer ${customerId} holds ${livemode ? 'test' : 'live'}-mode cards; gateway account ${account.id} is ${livemode ? 'live' : 'test'}-mode: live and test data never mix`,
            }
          : { customerId, created: false },
      );
    }
    const missing = all.filter((f) => !found.has(f.externalCustomerId));
    if (opts.dryRun) {
      for (const f of missing) result.set(f.externalCustomerId, { customerId: null, created: true });
      return result;
    }
    await rememberGatewayCustomers(
      tx,
      tenantId,
      account.id,
      [...found]
        .filter(([e]) => !('refusal' in result.get(e)!))
        .map(([externalCustomerId, customerId]) => ({
          externalCustomerId,
          customerId,
        })),
    );
    const rows = await insertCustomers(
      tx,
      tenantId,
      missing.map((f) => {
        const { firstName, lastName } = splitName(gatewayText(f.name, 100));
        return {
          firstName: firstName.slice(0, 50) || null,
          lastName: lastName.slice(0, 50) || null,
          email: gatewayText(f.email, 255) || null,
        };
      }),
    );
    const links = rows.map((row, i) => ({
      customerId: row.id,
      externalCustomerId: missing[i]!.externalCustomerId,
    }));
    await rememberGatewayCustomers(tx, tenantId, account.id, links);
    await insertAuditEvents(
      tx,
      links.map((l) => ({
        tenantId,
        actorKeyId: actor.keyId,
        action: 'customers.create',
        targetType: 'customers',
        targetId: String(l.customerId),
        outcome: 'success' as const,
        origin: actor.origin,
        details: {
          requestId: actor.requestId,
          gatewayAccountId: account.id,
          externalCustomerId: l.externalCustomerId,
        },
      })),
    );
    for (const l of links) result.set(l.externalCustomerId, { customerId: l.customerId, created: true });
    return result;
  };
  return opts.dryRun ? resolve(deps.db) : deps.db.transaction(resolve);
}
