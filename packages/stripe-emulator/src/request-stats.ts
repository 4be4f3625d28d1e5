import type { EmulatorRequestStats, RequestCounts } from './types.js';

/**
 * Counts of /v1 traffic for benchmarks: per account (`platform` or the Stripe-Account
 * header's `acct_…`) and per route template (`GET /v1/customers/:customer/sources`), with
 * the 429s and 5xx served, since the emulator started or the last reset.
 */

const zero = (): RequestCounts => ({ requests: 0, rateLimited: 0, serverErrors: 0 });

/** What a request was counted under, to add its outcome to the same rows. */
export interface Counted {
  account: string;
  route: string;
}

export class RequestStats {
  #since: number;
  #first: number | null = null;
  #last: number | null = null;
  #total = zero();
  #unanswered = 0;
  #byStatus = new Map<number, number>();
  #byAccount = new Map<string, RequestCounts>();
  #byRoute = new Map<string, RequestCounts>();
  #arrivals: number[] = [];

  constructor(now = Date.now()) {
    this.#since = now;
  }

  #row(map: Map<string, RequestCounts>, key: string): RequestCounts {
    let row = map.get(key);
    if (!row) {
      row = zero();
      map.set(key, row);
    }
    return row;
  }

  received(counted: Counted, now = Date.now()): void {
    this.#first ??= now;
    this.#last = now;
    this.#arrivals.push(now);
    this.#total.requests++;
    this.#row(this.#byAccount, counted.account).requests++;
    this.#row(this.#byRoute, counted.route).requests++;
  }

  /** A response went out with this status. */
  served(counted: Counted, status: number): void {
    this.#byStatus.set(status, (this.#byStatus.get(status) ?? 0) + 1);
    const field = status === 429 ? 'rateLimited' : status >= 500 ? 'serverErrors' : undefined;
    if (!field) return;
    this.#total[field]++;
    this.#row(this.#byAccount, counted.account)[field]++;
    this.#row(this.#byRoute, counted.route)[field]++;
  }

  /** A fault dropped the connection or held it open: no status was sent. */
  unanswered(): void {
    this.#unanswered++;
  }

  reset(now = Date.now()): void {
    this.#since = now;
    this.#first = null;
    this.#last = null;
    this.#total = zero();
    this.#unanswered = 0;
    this.#byStatus = new Map();
    this.#byAccount = new Map();
    this.#byRoute = new Map();
    this.#arrivals = [];
  }

  /** When each counted request arrived (ms), in order: a benchmark's rate over any stretch. */
  arrivals(): number[] {
    return [...this.#arrivals];
  }

  snapshot(): EmulatorRequestStats {
    const rows = (map: Map<string, RequestCounts>) =>
      Object.fromEntries([...map].sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, { ...v }]));
    return {
      since: this.#since,
      firstRequestAt: this.#first,
      lastRequestAt: this.#last,
      ...this.#total,
      unanswered: this.#unanswered,
      byStatus: Object.fromEntries(
        [...this.#byStatus].sort(([a], [b]) => a - b).map(([k, v]) => [String(k), v]),
      ),
      byAccount: rows(this.#byAccount),
      byRoute: rows(this.#byRoute),
    };
  }
}
