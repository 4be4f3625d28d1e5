import { blockRateBudget, type Db, reserveRateSlot } from '@cardbridge/db';

/**
 * A gateway account's request budget, shared by every worker of every process on the same
 * database (one row per account, see `reserveRateSlot`): each request reserves its slot and
 * waits for it; a 429 from the gateway pauses the account for everyone by its Retry-After.
 */

export interface BudgetRate {
  /** The account's limit: requests per second for the whole account, across all workers. */
  perSecond: number;
}

/**
 * The share of the limit requests are paced at. A gateway counts a request when it arrives, so
 * an event loop late by a few milliseconds or uneven network latency bunches requests paced
 * exactly at the limit into more than the limit within some second — and one 429 stops the
 * whole account for its Retry-After (a second at Stripe), far more than this margin costs.
 */
export const PACED_SHARE = 0.97;

/**
 * How requests are spaced: `intervalMs` apart, no unused budget spent at once (`burstMs` 0),
 * so any one second holds at most `PACED_SHARE × limit + 1` starts — a limit of 100 keeps two
 * requests of margin for lateness.
 */
export function paceOf(rate: BudgetRate): { intervalMs: number; burstMs: number } {
  if (!(rate.perSecond > 0)) throw new RangeError('perSecond must be > 0');
  return { intervalMs: 1000 / (rate.perSecond * PACED_SHARE), burstMs: 0 };
}

/**
 * How late a request may go: the requests the pacing leaves free below the limit in a second
 * (two at 100/s) cover that many intervals of lateness; at least half an interval.
 */
function lateness(rate: BudgetRate): number {
  const { intervalMs } = paceOf(rate);
  const spare = rate.perSecond - Math.floor(rate.perSecond * PACED_SHARE) - 1;
  return Math.max(intervalMs / 2, spare * intervalMs);
}

/** Slots one request takes at most before it goes, late or not. */
const MAX_SLOT_ATTEMPTS = 3;

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class RateBudget {
  readonly #db: Db;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #now: () => number;

  constructor(db: Db, opts: { sleep?: (ms: number) => Promise<void>; now?: () => number } = {}) {
    this.#db = db;
    this.#sleep = opts.sleep ?? defaultSleep;
    this.#now = opts.now ?? (() => performance.now());
  }

  /**
   * Waits for the next request slot of the account. A wake-up later than the pacing's margin
   * allows (a busy event loop) gives the slot up and takes another: sent late, the request
   * lands next to the ones after it, and enough of those put more than the limit into a second.
   */
  async acquire(gatewayAccountId: number, rate: BudgetRate): Promise<void> {
    const { intervalMs, burstMs } = paceOf(rate);
    const tolerableMs = lateness(rate);
    for (let attempt = 1; ; attempt++) {
      const waitMs = await reserveRateSlot(this.#db, gatewayAccountId, intervalMs, burstMs);
      const due = this.#now() + waitMs;
      if (waitMs >= 1) await this.#sleep(waitMs);
      if (this.#now() - due <= tolerableMs || attempt === MAX_SLOT_ATTEMPTS) return;
    }
  }

  /** The gateway said 429: nobody sends on this account for `retryAfterMs` (default 1 s). */
  async backOff(gatewayAccountId: number, retryAfterMs = 1000): Promise<void> {
    await blockRateBudget(this.#db, gatewayAccountId, retryAfterMs);
  }

  /** The hooks a gateway adapter takes (`GatewayRuntime.throttle` / `onRateLimited`). */
  hooksFor(gatewayAccountId: number, rate: BudgetRate) {
    return {
      throttle: () => this.acquire(gatewayAccountId, rate),
      onRateLimited: (retryAfterMs: number | undefined) => {
        // Reported, not awaited by the adapter: a failed write here only loses the pause.
        this.backOff(gatewayAccountId, retryAfterMs ?? 1000).catch(() => {});
      },
    };
  }
}
