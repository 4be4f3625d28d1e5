import type { InjectedFault } from './types.js';

/**
 * Faults queued by tests (or POST /_emulator/faults), faults drawn at a rate from a seeded
 * sequence, and the per-account rate limiter. All act before a request is processed, so a
 * faulted request changes nothing and stores no idempotent result: the SDK's retry with
 * the same key is processed fresh.
 */

interface QueuedFault {
  fault: Required<Pick<InjectedFault, 'kind'>> & InjectedFault;
  remaining: number;
}

const KINDS = new Set(['5xx', '429', 'timeout', 'drop']);

export function validateFault(input: unknown): InjectedFault {
  if (typeof input !== 'object' || input === null) throw new TypeError('fault must be an object');
  const f = input as Record<string, unknown>;
  if (typeof f.kind !== 'string' || !KINDS.has(f.kind)) {
    throw new TypeError(`fault.kind must be one of ${[...KINDS].join(', ')}`);
  }
  const count = f.count ?? 1;
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 1) {
    throw new TypeError('fault.count must be a positive integer');
  }
  const status = f.status ?? 500;
  if (typeof status !== 'number' || !Number.isInteger(status) || status < 500 || status > 599) {
    throw new TypeError('fault.status must be a 5xx status');
  }
  for (const key of ['pathIncludes', 'method'] as const) {
    if (f[key] !== undefined && typeof f[key] !== 'string')
      throw new TypeError(`fault.${key} must be a string`);
  }
  return {
    kind: f.kind as InjectedFault['kind'],
    count,
    status,
    ...(typeof f.pathIncludes === 'string' ? { pathIncludes: f.pathIncludes } : {}),
    ...(typeof f.method === 'string' ? { method: f.method.toUpperCase() } : {}),
  };
}

export class FaultQueue {
  #queue: QueuedFault[] = [];

  add(input: InjectedFault): void {
    const fault = validateFault(input);
    this.#queue.push({ fault, remaining: fault.count ?? 1 });
  }

  clear(): void {
    this.#queue = [];
  }

  get size(): number {
    return this.#queue.reduce((n, q) => n + q.remaining, 0);
  }

  /** The first queued fault matching this request, used up by one. `url` includes the query. */
  take(method: string, url: string): InjectedFault | undefined {
    const index = this.#queue.findIndex(
      ({ fault }) =>
        (!fault.method || fault.method === method) &&
        (!fault.pathIncludes || url.includes(fault.pathIncludes)),
    );
    const queued = this.#queue[index];
    if (!queued) return undefined;
    queued.remaining--;
    if (queued.remaining <= 0) this.#queue.splice(index, 1);
    return queued.fault;
  }
}

/** Probabilistic faults: each a share of requests in [0, 1]; together at most 1. */
export interface FaultRates {
  /** Share of /v1 requests answered 429 `rate_limit` (with Retry-After) before processing. */
  fault429Rate: number;
  /** Share of /v1 requests answered 500 `api_error` before processing. */
  fault5xxRate: number;
  /** Seeds the draw sequence: the same seed gives the same faults for the n-th request. */
  faultSeed: number;
}

function validRate(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 1) {
    throw new TypeError(`${name} must be a number from 0 to 1`);
  }
  return value;
}

/**
 * mulberry32: a tiny, well-mixed 32-bit generator. Not for secrets, only to make "30% of
 * requests fail" repeatable: request n (in arrival order) gets the n-th draw of the seed.
 */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Faults drawn per request from a seeded sequence, applied like queued faults (before
 * anything is processed), so a faulted request changes nothing. Draws are taken only while
 * a rate is above 0; setting a seed restarts the sequence.
 */
export class RandomFaults {
  #rates: FaultRates = { fault429Rate: 0, fault5xxRate: 0, faultSeed: 0 };
  #next = mulberry32(0);

  constructor(rates: Partial<FaultRates> = {}) {
    this.set(rates);
  }

  /** Changes the given rates (others keep their value); a `faultSeed` restarts the sequence. */
  set(input: Partial<FaultRates>): FaultRates {
    const next = { ...this.#rates };
    if (input.fault429Rate !== undefined) next.fault429Rate = validRate(input.fault429Rate, 'fault429Rate');
    if (input.fault5xxRate !== undefined) next.fault5xxRate = validRate(input.fault5xxRate, 'fault5xxRate');
    if (next.fault429Rate + next.fault5xxRate > 1) {
      throw new TypeError('fault429Rate + fault5xxRate must be at most 1');
    }
    if (input.faultSeed !== undefined) {
      if (!Number.isSafeInteger(input.faultSeed) || input.faultSeed < 0) {
        throw new TypeError('faultSeed must be an integer ≥ 0');
      }
      next.faultSeed = input.faultSeed;
      this.#next = mulberry32(input.faultSeed);
    }
    this.#rates = next;
    return this.rates;
  }

  get rates(): FaultRates {
    return { ...this.#rates };
  }

  /** The fault for the next request, if its draw falls in one. */
  draw(): '429' | '5xx' | undefined {
    const { fault429Rate, fault5xxRate } = this.#rates;
    if (fault429Rate === 0 && fault5xxRate === 0) return undefined;
    const u = this.#next();
    if (u < fault429Rate) return '429';
    if (u < fault429Rate + fault5xxRate) return '5xx';
    return undefined;
  }
}

/** `'platform'` or an `acct_…`: whose budget a request spends, as in stats. */
export type AccountKey = string;

export const PLATFORM = 'platform';

function validPerSecond(perSecond: number | undefined): number | undefined {
  if (perSecond !== undefined && (!Number.isFinite(perSecond) || perSecond <= 0)) {
    throw new TypeError('rateLimitPerSecond must be a positive number');
  }
  return perSecond;
}

/**
 * Stripe's rate limit is a budget per Stripe account (per mode): every key of the account
 * spends it, and a platform acting for a connected account (Stripe-Account) spends that
 * account's. A sliding one-second window per account; a default for every account, and
 * per-account budgets that override it.
 */
export class RateLimiter {
  #perSecond: number | undefined;
  readonly #perAccount = new Map<AccountKey, number>();
  readonly #hits = new Map<string, number[]>();

  constructor(perSecond: number | undefined, perAccount: Readonly<Record<AccountKey, number>> = {}) {
    this.set(perSecond);
    for (const [account, limit] of Object.entries(perAccount)) this.setFor(account, limit);
  }

  /** The default budget of every account without its own. */
  set(perSecond: number | undefined): void {
    this.#perSecond = validPerSecond(perSecond);
    this.#hits.clear();
  }

  /** One account's budget; `undefined` returns it to the default. */
  setFor(account: AccountKey, perSecond: number | undefined): void {
    if (account !== PLATFORM && !/^acct_[A-Za-z0-9_]+$/.test(account)) {
      throw new TypeError(`account must be '${PLATFORM}' or an acct_… id`);
    }
    const limit = validPerSecond(perSecond);
    if (limit === undefined) this.#perAccount.delete(account);
    else this.#perAccount.set(account, limit);
    for (const key of this.#hits.keys()) if (key.endsWith(`:${account}`)) this.#hits.delete(key);
  }

  get perSecond(): number | undefined {
    return this.#perSecond;
  }

  get perAccount(): Record<AccountKey, number> {
    return Object.fromEntries(this.#perAccount);
  }

  limitFor(account: AccountKey): number | undefined {
    return this.#perAccount.get(account) ?? this.#perSecond;
  }

  /** Records a hit; returns the Retry-After seconds when over the limit (the hit is not counted). */
  hit(account: AccountKey, livemode: boolean, now = Date.now()): number | undefined {
    const limit = this.limitFor(account);
    if (limit === undefined) return undefined;
    const key = `${livemode ? 'live' : 'test'}:${account}`;
    const hits = (this.#hits.get(key) ?? []).filter((t) => t > now - 1000);
    if (hits.length >= limit) {
      this.#hits.set(key, hits);
      const oldest = hits[0] ?? now;
      return Math.max(1, Math.ceil((oldest + 1000 - now) / 1000));
    }
    hits.push(now);
    this.#hits.set(key, hits);
    return undefined;
  }
}
