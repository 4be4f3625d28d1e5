import type { FaultRates } from './faults.js';
import type { EmulatorStatsReport, InjectedFault, SeededCustomer, SeedOptions } from './types.js';

/**
 * A typed client of the control API (`/_emulator/*`) for a separately started emulator
 * (`tsx src/main.ts`, a benchmark's child process). Loads no server code: import it from
 * `@cardbridge/stripe-emulator/control`. An emulator in the same process has the same
 * controls as methods of `StripeEmulator`.
 */

/** The rate limits in force: a default for every account and per-account budgets (`platform` or `acct_…`). */
export interface RateLimits {
  rateLimitPerSecond: number | null;
  rateLimitPerAccount: Record<string, number>;
}

export interface SeedReply {
  count: number;
  /** True when `customers` lists only the first 1000. */
  truncated: boolean;
  customers: SeededCustomer[];
  table: string;
}

export class EmulatorControlError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'EmulatorControlError';
  }
}

async function call<T>(baseUrl: string, method: string, path: string, body?: unknown): Promise<T> {
  const url = new URL(`/_emulator/${path}`, baseUrl);
  const res = await fetch(url, {
    method,
    ...(body !== undefined
      ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }
      : {}),
  });
  const json = (await res.json()) as T & { error?: { message?: string } };
  if (!res.ok) {
    throw new EmulatorControlError(
      res.status,
      json.error?.message ?? `${method} ${url.pathname}: ${res.status}`,
    );
  }
  return json;
}

/** Reads `GET /_emulator/stats`: request counts per account and route, 429s, 5xx, timestamps, config. */
export function readEmulatorStats(baseUrl: string): Promise<EmulatorStatsReport> {
  return call(baseUrl, 'GET', 'stats');
}

/** `POST /_emulator/stats/reset`: request counts start again from zero (objects stay). */
export async function resetEmulatorStats(baseUrl: string): Promise<void> {
  await call(baseUrl, 'POST', 'stats/reset');
}

/** Every control route, bound to one emulator's base URL (`http://127.0.0.1:12111`). */
export function emulatorControl(baseUrl: string) {
  return {
    stats: () => readEmulatorStats(baseUrl),
    resetStats: () => resetEmulatorStats(baseUrl),
    /** Without `account`: every account's default (`null` = no limit). With it: that account's own (`null` = back to the default). */
    setRateLimit: (perSecond: number | null, account?: string) =>
      call<RateLimits>(baseUrl, 'POST', 'rate-limit', { perSecond, ...(account ? { account } : {}) }),
    rateLimits: () => call<RateLimits>(baseUrl, 'GET', 'rate-limit'),
    /** Changes the given rates (others keep theirs); a `faultSeed` restarts the draw sequence. */
    setFaultRates: (rates: Partial<FaultRates>) => call<FaultRates>(baseUrl, 'POST', 'fault-rates', rates),
    faultRates: () => call<FaultRates>(baseUrl, 'GET', 'fault-rates'),
    injectFaults: (faults: InjectedFault | InjectedFault[]) =>
      call<{ queued: number }>(baseUrl, 'POST', 'faults', faults),
    clearFaults: () => call<{ queued: number }>(baseUrl, 'DELETE', 'faults'),
    setLatency: (ms: number) => call<{ latencyMs: number }>(baseUrl, 'POST', 'latency', { ms }),
    seed: (options: SeedOptions = {}) => call<SeedReply>(baseUrl, 'POST', 'seed', options),
    reset: () => call<{ ok: true }>(baseUrl, 'POST', 'reset'),
  };
}

export type EmulatorControl = ReturnType<typeof emulatorControl>;
