import { blockRateBudget, type Db, reserveRateSlot } from '@cardbridge/db';

/**
 * A gateway account's request budget, shared by every worker of every process on the same
 * database (one row per account, see `reserveRateSlot`): each request reserves its slot and
 * waits for it; a 429 from the gateway pauses the account for everyone by its Retry-After.
 */

export interface BudgetRate {
  /** Requests per second for the whole account, across all workers. */
  perSecond: number;
  /** Unused budget that may be spent at once, in seconds of rate (default 0.1 s). */
  burstSeconds?: number;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class RateBudget {
  readonly #db: Db;
  readonly #sleep: (ms: number) => Promise<void>;

  constructor(db: Db, opts: { sleep?: (ms: number) => Promise<void> } = {}) {
    this.#db = db;
    this.#sleep = opts.sleep ?? defaultSleep;
  }

  /** Waits for the next request slot of the account. */
  async acquire(gatewayAccountId: number, rate: BudgetRate): Promise<void> {
    if (!(rate.perSecond > 0)) throw new RangeError('perSecond must be > 0');
    const intervalMs = 1000 / rate.perSecond;
    const waitMs = await reserveRateSlot(
      this.#db,
      gatewayAccountId,
      intervalMs,
      (rate.burstSeconds ?? 0.1) * 1000,
    );
    if (waitMs >= 1) await this.#sleep(waitMs);
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
