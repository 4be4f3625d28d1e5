import type { InjectedFault } from './types.js';

/**
 * Faults queued by tests (or POST /_emulator/faults) and the per-key rate limiter. Both
 * act before a request is processed, so a faulted request changes nothing and stores no
 * idempotent result: the SDK's retry with the same key is processed fresh.
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

/** A sliding one-second window per key. */
export class RateLimiter {
  #perSecond: number | undefined;
  readonly #hits = new Map<string, number[]>();

  constructor(perSecond: number | undefined) {
    this.set(perSecond);
  }

  set(perSecond: number | undefined): void {
    if (perSecond !== undefined && (!Number.isFinite(perSecond) || perSecond <= 0)) {
      throw new TypeError('rateLimitPerSecond must be a positive number');
    }
    this.#perSecond = perSecond;
    this.#hits.clear();
  }

  get perSecond(): number | undefined {
    return this.#perSecond;
  }

  /** Records a hit; returns the Retry-After seconds when over the limit (the hit is not counted). */
  hit(key: string, now = Date.now()): number | undefined {
    const limit = this.#perSecond;
    if (limit === undefined) return undefined;
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
