import { DomainError } from '@cardbridge/core';
import { BurstyRateLimiter, RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';

/**
 * In-memory rate limits, next to authentication (one process; a fleet behind a balancer
 * multiplies them by its size):
 * - per API key, for authenticated traffic: `perKeyPerSecond`, plus a `perKeyBurst` reserve
 *   refilled every 10 s, so a short spike passes and a sustained flood does not;
 * - per client address, for failed authentication: `authFailuresPerMinute`. Past it, a bad
 *   key gets 429 without a database write, so a flood of bad keys cannot fill the audit
 *   table; a good key from the same address is not affected.
 * A limit of 0 turns that limiter off.
 */
export interface RateLimitConfig {
  perKeyPerSecond: number;
  perKeyBurst: number;
  authFailuresPerMinute: number;
  /** The per-key window (default 1 s; `perKeyPerSecond` requests per window). Tests widen it. */
  perKeyWindowSeconds?: number;
}

export const defaultRateLimits: RateLimitConfig = {
  perKeyPerSecond: 300,
  perKeyBurst: 1_000,
  authFailuresPerMinute: 60,
};

export type AuthFailureVerdict =
  | { limited: false }
  /** `firstInWindow`: the first refusal of this window (the one worth an audit row). */
  | { limited: true; retryAfterSeconds: number; firstInWindow: boolean };

const burstWindowSeconds = 10;

const secondsUntil = (res: RateLimiterRes) => Math.max(1, Math.ceil(res.msBeforeNext / 1000));

/** A consume that rejects with a RateLimiterRes only when the limit is spent. */
async function refusal(consume: Promise<RateLimiterRes>): Promise<RateLimiterRes | null> {
  try {
    await consume;
    return null;
  } catch (err) {
    if (err instanceof RateLimiterRes) return err;
    throw err;
  }
}

export class RateLimits {
  readonly #perKey: BurstyRateLimiter | RateLimiterMemory | undefined;
  readonly #authFailures: RateLimiterMemory | undefined;

  constructor(readonly config: RateLimitConfig = defaultRateLimits) {
    if (config.perKeyPerSecond > 0) {
      const steady = new RateLimiterMemory({
        keyPrefix: 'key',
        points: config.perKeyPerSecond,
        duration: config.perKeyWindowSeconds ?? 1,
      });
      this.#perKey =
        config.perKeyBurst > 0
          ? new BurstyRateLimiter(
              steady,
              new RateLimiterMemory({
                keyPrefix: 'key-burst',
                points: config.perKeyBurst,
                duration: burstWindowSeconds,
              }),
            )
          : steady;
    }
    if (config.authFailuresPerMinute > 0) {
      this.#authFailures = new RateLimiterMemory({
        keyPrefix: 'auth-failure',
        points: config.authFailuresPerMinute,
        duration: 60,
      });
    }
  }

  /** One request of an authenticated key; throws RATE_LIMITED when its budget is spent. */
  async takeRequest(keyId: string): Promise<void> {
    if (!this.#perKey) return;
    const refused = await refusal(this.#perKey.consume(keyId));
    if (refused) {
      const retryAfterSeconds = secondsUntil(refused);
      throw rateLimited('Too many requests for this API key.', retryAfterSeconds);
    }
  }

  /** One failed authentication from `address`. */
  async takeAuthFailure(address: string): Promise<AuthFailureVerdict> {
    if (!this.#authFailures) return { limited: false };
    const refused = await refusal(this.#authFailures.consume(address));
    if (!refused) return { limited: false };
    return {
      limited: true,
      retryAfterSeconds: secondsUntil(refused),
      // The counter keeps counting past the limit within the window: exactly one request
      // sees the limit plus one.
      firstInWindow: refused.consumedPoints === this.config.authFailuresPerMinute + 1,
    };
  }
}

export function rateLimited(message: string, retryAfterSeconds: number): DomainError {
  return new DomainError('RATE_LIMITED', `${message} Retry after ${retryAfterSeconds} s.`, {
    retryAfterSeconds,
  });
}

/** The Retry-After (seconds) a RATE_LIMITED error asks for, if `error` is one (or wraps one). */
export function retryAfterOf(error: unknown): number | undefined {
  const domain = error instanceof DomainError ? error : (error as { cause?: unknown } | null)?.cause;
  if (!(domain instanceof DomainError) || domain.code !== 'RATE_LIMITED') return undefined;
  const seconds = domain.details.retryAfterSeconds;
  return typeof seconds === 'number' ? seconds : undefined;
}
