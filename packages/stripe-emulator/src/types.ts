import type { FaultRates } from './faults.js';

/** The public contract other packages build on (re-exported by index.ts). */

export type { FaultRates };

export interface StripeEmulatorOptions {
  /** 0 = a random free port (default). */
  port?: number;
  /** Default '127.0.0.1'. */
  host?: string;
  /** Added to every /v1 response, default 0. */
  latencyMs?: number;
  /**
   * Requests per second of every Stripe account (all keys of an account share it; a request
   * with Stripe-Account spends that account's); over it → Stripe's 429 `rate_limit` error with
   * Retry-After. Test and live mode have separate budgets. Default: no limit.
   */
  rateLimitPerSecond?: number;
  /** Budgets of single accounts, overriding `rateLimitPerSecond`: keys `'platform'` or `acct_…`. */
  rateLimitPerAccount?: Record<string, number>;
  /** Share (0–1) of /v1 requests answered 429 before processing; default 0. */
  fault429Rate?: number;
  /** Share (0–1) of /v1 requests answered 500 `api_error` before processing; default 0. */
  fault5xxRate?: number;
  /** Seed of the fault draws (default 0): the n-th request gets the same fault at every run. */
  faultSeed?: number;
  /** If given, only these keys authenticate; default any key matching /^sk_(test|live)_[A-Za-z0-9_]+$/. */
  secretKeys?: string[];
  /**
   * Default 'none'. A number seeds demo customers and cards on the platform and on a Connect
   * account, with the same ids at every start for the same number; 'demo' is `DEMO_SEED`.
   */
  seed?: 'demo' | 'none' | number;
  /** Optional request log (method, path, status, time, request id); never card numbers or CVCs. */
  log?: (line: string) => void;
  /**
   * The clock (epoch ms) of rate-limit windows and request stats; default `Date.now`. Tests
   * pass a fake one to check limits and timestamps without depending on timing.
   */
  clock?: () => number;
}

export interface InjectedFault {
  kind: '5xx' | '429' | 'timeout' | 'drop';
  /** How many matching requests it hits, default 1. */
  count?: number;
  /** For 5xx, default 500. */
  status?: number;
  pathIncludes?: string;
  method?: string;
}

export interface SeededCustomer {
  id: string;
  email: string | null;
  stripeAccount: string | null;
  cards: { id: string; brand: string; last4: string; exp_month: number; exp_year: number }[];
  paymentMethods: { id: string; brand: string; last4: string; exp_month: number; exp_year: number }[];
  /** `invoice_settings.default_payment_method`: the first PaymentMethod, or null. */
  defaultPaymentMethod: string | null;
}

export interface SeedOptions {
  /** Ids, timestamps and expiries derive from it: the same seed gives the same data. Default `DEMO_SEED`. */
  seed?: number;
  /** Seed into this Connect account instead of the platform. */
  stripeAccount?: string;
  /** Default 3 (at most 1,000,000). */
  customers?: number;
  /** Saved cards (`card_…` sources) per customer, the first one the default source. Default 2. */
  cardsPerCustomer?: number;
  /**
   * PaymentMethods (`pm_…`, attached through the PaymentMethods API, not sources) per
   * customer. Default 1.
   */
  paymentMethodsPerCustomer?: number;
  /**
   * Share (0–1) of customers with PaymentMethods whose first one is their
   * `invoice_settings.default_payment_method`; the others have none. Default 1.
   */
  defaultPaymentMethodShare?: number;
  /**
   * Share (0–1) of cards and PaymentMethods that expire within the next 60 days (this month,
   * or next month when that ends within 60 days); the rest expire 2 months to 6 years ahead.
   * Default 0.1.
   */
  expiringSoonShare?: number;
  /**
   * Seeded customers' `created` spreads evenly (with seeded jitter) over [createdFrom,
   * createdTo), unix seconds; their cards and PaymentMethods follow a few seconds later.
   * Default 2021-01-01T00:00:00Z to 2026-01-01T00:00:00Z.
   */
  createdFrom?: number;
  createdTo?: number;
  /**
   * Connect accounts to create (`demoConnectAccount(seed, 1…n)`), each with
   * `connectCustomers` customers of its own. Default 1 when `connectCustomers` is above 0, else 0.
   */
  connectAccounts?: number;
  /** Customers of each seeded Connect account; default 2 when `connectAccounts` is given, else 0. */
  connectCustomers?: number;
}

/** Request counts of one account or one route. */
export interface RequestCounts {
  requests: number;
  /** 429s served (rate limit or fault). */
  rateLimited: number;
  /** 5xx served (faults or internal errors). */
  serverErrors: number;
}

/** /v1 traffic since the emulator started or the stats were last reset. Times are epoch milliseconds. */
export interface EmulatorRequestStats extends RequestCounts {
  /** When counting started (start-up or the last reset). */
  since: number;
  /** When the first and the last counted request arrived; null before any. */
  firstRequestAt: number | null;
  lastRequestAt: number | null;
  /** Requests a `drop` or `timeout` fault left without a response. */
  unanswered: number;
  /** Responses by HTTP status, e.g. `{ "200": 950, "429": 50 }`. */
  byStatus: Record<string, number>;
  /** By account: `platform`, or the `acct_…` of the Stripe-Account header. */
  byAccount: Record<string, RequestCounts>;
  /** By route template: `GET /v1/customers`, `GET /v1/customers/:customer/sources`, … (`GET (unrecognized)`). */
  byRoute: Record<string, RequestCounts>;
}

/** The knobs in force, as GET /_emulator/stats reports them. */
export interface EmulatorConfig {
  latencyMs: number;
  rateLimitPerSecond: number | null;
  rateLimitPerAccount: Record<string, number>;
  fault429Rate: number;
  fault5xxRate: number;
  faultSeed: number;
  /** Queued (counted) faults still waiting for a request. */
  faultsQueued: number;
}

/** The body of GET /_emulator/stats. */
export interface EmulatorStatsReport extends EmulatorRequestStats {
  /** Every /v1 request since start-up (`requestCount()`), not reset with the stats. */
  totalRequests: number;
  /** Object counts of all accounts. */
  objects: EmulatorStats;
  config: EmulatorConfig;
}

export interface StripeEmulator {
  url: string;
  host: string;
  port: number;
  /** Queue faults for the next matching requests (in-process control for tests). */
  injectFault(f: InjectedFault): void;
  clearFaults(): void;
  setLatency(ms: number): void;
  /**
   * Without `stripeAccount`: the default budget of every account (`undefined` = no limit).
   * With it (`null` or `'platform'` for the platform, or an `acct_…`): that account's own
   * budget (`undefined` = back to the default).
   */
  setRateLimit(perSecond: number | undefined, stripeAccount?: string | null): void;
  /** Changes the given fault rates (others keep theirs); a `faultSeed` restarts the draw sequence. */
  setFaultRates(rates: Partial<FaultRates>): FaultRates;
  /** /v1 traffic counts since start-up or `resetRequestStats()`. */
  requestStats(): EmulatorRequestStats;
  resetRequestStats(): void;
  /** When each request counted by `requestStats` arrived (ms since the epoch), in order. */
  requestArrivals(): number[];
  /**
   * Seeds demo customers/cards into an account (default platform account), and with
   * `connectCustomers` into the seed's Connect account too, and returns what it made, for printing.
   */
  seedDemo(opts?: SeedOptions): Promise<SeededCustomer[]>;
  /** Requests received under /v1 (faulted, rejected and replayed ones included). */
  requestCount(): number;
  /**
   * Object counts (customers, cards, paymentMethods, charges, refunds): of one account when
   * `stripeAccount` is given (`null` = the platform account), else of all accounts (plus `accounts`).
   */
  stats(stripeAccount?: string | null): EmulatorStats;
  /** Forget all accounts, customers, cards, idempotency keys and queued faults. */
  reset(): void;
  close(): Promise<void>;
}

export interface EmulatorStats {
  /** Number of accounts (data spaces) in use; only in the all-accounts view. */
  accounts?: number;
  customers: number;
  cards: number;
  paymentMethods: number;
  charges: number;
  refunds: number;
}
