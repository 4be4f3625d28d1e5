import { createHmac, randomBytes } from 'node:crypto';
import { idempotencyMismatch, invalidRequest, type StripeApiError } from './errors.js';
import type { FormValue } from './form.js';

/**
 * Stripe's idempotent requests: a POST with an `Idempotency-Key` stores its outcome (per
 * API key + account); the same key with the same parameters replays it byte for byte,
 * with different parameters it is an idempotency_error. What identifies the parameters
 * is an HMAC under a per-process key, never the body itself (bodies may hold card
 * numbers and CVCs).
 */

export interface StoredOutcome {
  status: number;
  body: string;
  requestId: string;
  endpoint: string;
  paramsDigest: string;
}

const MAX_KEY_LENGTH = 255;
const MAX_ENTRIES = 100_000;
const TTL_MS = 24 * 60 * 60 * 1000;

function canonical(value: FormValue): unknown {
  if (typeof value === 'string') return value;
  return Object.keys(value)
    .sort()
    .map((k) => [k, canonical(value[k] ?? '')]);
}

export class IdempotencyStore {
  readonly #secret = randomBytes(32);
  readonly #entries = new Map<string, StoredOutcome & { at: number }>();

  digest(params: Record<string, FormValue>): string {
    return createHmac('sha256', this.#secret)
      .update(JSON.stringify(canonical(params)))
      .digest('base64url');
  }

  /**
   * The stored outcome to replay, undefined when the key is new, or an error when the key
   * was used for another endpoint or other parameters.
   */
  lookup(
    scope: string,
    key: string,
    endpoint: string,
    paramsDigest: string,
  ): StoredOutcome | StripeApiError | undefined {
    if (key.length > MAX_KEY_LENGTH) {
      return invalidRequest(
        `Idempotency key length must be at most ${MAX_KEY_LENGTH} characters; yours is ${key.length}.`,
        'Idempotency-Key',
      );
    }
    const entry = this.#entries.get(`${scope}\u0000${key}`);
    if (!entry || Date.now() - entry.at > TTL_MS) return undefined;
    if (entry.endpoint !== endpoint)
      return idempotencyMismatch(key, { first: entry.endpoint, now: endpoint });
    if (entry.paramsDigest !== paramsDigest) return idempotencyMismatch(key);
    return entry;
  }

  save(scope: string, key: string, outcome: StoredOutcome): void {
    const id = `${scope}\u0000${key}`;
    this.#entries.delete(id);
    this.#entries.set(id, { ...outcome, at: Date.now() });
    if (this.#entries.size > MAX_ENTRIES) {
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
  }

  clear(): void {
    this.#entries.clear();
  }
}
