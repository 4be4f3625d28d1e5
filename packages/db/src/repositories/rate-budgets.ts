import { sql } from 'drizzle-orm';
import type { Db } from '../client.js';
import { rowsOf } from './result-rows.js';

/**
 * Reserves the next request slot of a gateway account's shared budget (GCRA: `next_at` is the
 * theoretical arrival time of the next request) and says how long to wait for it. At most
 * `burstMs` of unused budget is spent at once; a 429 pause (`blocked_until`) holds everyone.
 */
export async function reserveRateSlot(
  db: Db,
  gatewayAccountId: number,
  intervalMs: number,
  burstMs: number,
): Promise<number> {
  const interval = intervalMs / 1000;
  const burst = burstMs / 1000;
  const result = await db.execute(sql`
    insert into gateway_rate_budgets as b (gateway_account_id, next_at)
    values (${gatewayAccountId}, clock_timestamp() + make_interval(secs => ${interval}))
    on conflict (gateway_account_id) do update
      set next_at = greatest(
          b.next_at,
          coalesce(b.blocked_until, '-infinity'::timestamptz),
          clock_timestamp() - make_interval(secs => ${burst})
        ) + make_interval(secs => ${interval})
    returning greatest(0, extract(epoch from (b.next_at - make_interval(secs => ${interval}) - clock_timestamp())) * 1000)::float8 as wait_ms`);
  return Number(rowsOf<{ wait_ms: number }>(result)[0]?.wait_ms ?? 0);
}

/** The gateway answered 429: nobody sends on this account before `retryAfterMs` from now. */
export async function blockRateBudget(db: Db, gatewayAccountId: number, retryAfterMs: number): Promise<void> {
  await db.execute(sql`
    insert into gateway_rate_budgets as b (gateway_account_id, blocked_until)
    values (${gatewayAccountId}, clock_timestamp() + make_interval(secs => ${retryAfterMs / 1000}))
    on conflict (gateway_account_id) do update
      set blocked_until = greatest(coalesce(b.blocked_until, '-infinity'::timestamptz), excluded.blocked_until)`);
}
