/** The public contract other packages build on (re-exported by index.ts). */

export interface StripeEmulatorOptions {
  /** 0 = a random free port (default). */
  port?: number;
  /** Default '127.0.0.1'. */
  host?: string;
  /** Added to every /v1 response, default 0. */
  latencyMs?: number;
  /** Per API key + Stripe-Account; over it → Stripe's 429 rate_limit error with Retry-After. */
  rateLimitPerSecond?: number;
  /** If given, only these keys authenticate; default any key matching /^sk_(test|live)_[A-Za-z0-9_]+$/. */
  secretKeys?: string[];
  /**
   * Default 'none'. A number seeds demo customers and cards on the platform and on a Connect
   * account, with the same ids at every start for the same number; 'demo' is `DEMO_SEED`.
   */
  seed?: 'demo' | 'none' | number;
  /** Optional request log (method, path, status, time, request id); never card numbers or CVCs. */
  log?: (line: string) => void;
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
  paymentMethods: { id: string; brand: string; last4: string }[];
}

export interface SeedOptions {
  /** Ids derive from it: the same seed gives the same ids. Default `DEMO_SEED`. */
  seed?: number;
  /** Seed into this Connect account instead of the platform. */
  stripeAccount?: string;
  /** Default 3. */
  customers?: number;
  /** Default 2. */
  cardsPerCustomer?: number;
  /** Customers (with cards) to seed on the seed's own Connect account (`demoConnectAccount(seed)`); default 0. */
  connectCustomers?: number;
}

export interface StripeEmulator {
  url: string;
  host: string;
  port: number;
  /** Queue faults for the next matching requests (in-process control for tests). */
  injectFault(f: InjectedFault): void;
  clearFaults(): void;
  setLatency(ms: number): void;
  setRateLimit(perSecond: number | undefined): void;
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
