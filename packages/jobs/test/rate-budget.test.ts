import { type DatabaseHandle, reserveRateSlot } from '@cardbridge/db';
import { createTestDatabase, sql } from '@cardbridge/db/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PACED_SHARE, paceOf, RateBudget } from '../src/rate-budget.js';

const rowsOf = <T>(r: unknown): T[] => (Array.isArray(r) ? r : (r as { rows: T[] }).rows) as T[];

describe('a gateway account request budget', () => {
  let database: DatabaseHandle;
  beforeEach(async () => {
    database = await createTestDatabase();
  });
  afterEach(async () => {
    await database.close();
  });

  /** The planned start of each slot, in ms: reserved back to back, as busy workers do. */
  async function plannedStarts(accountId: number, n: number, perSecond: number): Promise<number[]> {
    const { intervalMs, burstMs } = paceOf({ perSecond });
    const starts: number[] = [];
    for (let i = 0; i < n; i++) {
      await reserveRateSlot(database.db, accountId, intervalMs, burstMs);
      const [row] = rowsOf<{ at: number }>(
        await database.db.execute(
          sql`select extract(epoch from next_at)::float8 * 1000 as at from gateway_rate_budgets where gateway_account_id = ${accountId}`,
        ),
      );
      starts.push(row!.at - intervalMs);
    }
    return starts;
  }

  it('never plans more than the limit into any one second, with a margin, and paces near the limit', async () => {
    for (const limit of [100, 25]) {
      const starts = await plannedStarts(limit, limit * 3, limit);
      const { intervalMs } = paceOf({ perSecond: limit });
      for (let i = 1; i < starts.length; i++) {
        expect(starts[i]! - starts[i - 1]!).toBeGreaterThanOrEqual(intervalMs - 0.01);
      }
      const busiestSecond = Math.max(
        ...starts.map((t) => starts.filter((u) => u >= t && u <= t + 1000).length),
      );
      expect(busiestSecond).toBeLessThanOrEqual(Math.floor(limit * PACED_SHARE) + 1);
      expect(busiestSecond).toBeLessThanOrEqual(limit);
    }
    expect(PACED_SHARE).toBeGreaterThanOrEqual(0.95);
  });

  it('a 429 holds every worker of the account until its Retry-After, and no other account', async () => {
    const waits: number[] = [];
    const budget = new RateBudget(database.db, { sleep: async (ms) => void waits.push(ms) });
    await budget.acquire(1, { perSecond: 100 });
    await budget.backOff(1, 2000);
    await budget.acquire(1, { perSecond: 100 });
    await budget.acquire(2, { perSecond: 100 });
    expect(waits).toHaveLength(1);
    expect(waits[0]).toBeGreaterThan(1000);
    expect(waits[0]).toBeLessThanOrEqual(2000);
  });

  it('a wake-up late by more than half an interval takes a new slot; three slots at most', async () => {
    let clock = 0;
    let lateBy = 600;
    const sleeps: number[] = [];
    const budget = new RateBudget(database.db, {
      now: () => clock,
      sleep: async (ms) => {
        sleeps.push(ms);
        clock += ms + lateBy;
      },
    });
    // One request a second (slots ~1,031 ms apart), every wake-up 600 ms late: the first slot
    // is free at once; the next request takes three slots, each waited for, then goes.
    const rate = { perSecond: 1 };
    await budget.acquire(3, rate);
    expect(sleeps).toHaveLength(0);
    await budget.acquire(3, rate);
    expect(sleeps).toHaveLength(3);
    expect(sleeps[2]! - sleeps[0]!).toBeGreaterThan(1500);
    // On time: one slot.
    lateBy = 0;
    await budget.acquire(3, rate);
    expect(sleeps).toHaveLength(4);
  });
});
