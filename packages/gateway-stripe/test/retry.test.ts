import Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import {
  backoffDelayMs,
  DeadlineExceededError,
  defaultRetryPolicy,
  newRetryStats,
  type RetryPolicy,
  retryAfterMs,
  retryVerdict,
  withDeadline,
  withRetries,
} from '../src/index.js';

const E = Stripe.errors;
const http = (
  statusCode: number,
  headers: Record<string, string> = {},
  extra: Record<string, unknown> = {},
) => E.StripeError.generate({ statusCode, headers, message: `status ${statusCode}`, ...extra } as never);
const connection = (message = 'An error occurred with our connection to Stripe.') =>
  new E.StripeConnectionError({ message });

const policy = (overrides: Partial<RetryPolicy> = {}): RetryPolicy & { slept: number[] } => {
  const slept: number[] = [];
  return {
    ...defaultRetryPolicy({ random: () => 0.5, ...overrides }),
    sleep: async (ms) => {
      slept.push(ms);
    },
    slept,
  };
};

describe('retry policy', () => {
  it('retries connection errors, 409, 5xx and 429; never other 4xx', () => {
    const p = policy();
    for (const error of [connection(), http(409), http(500), http(502), http(503), http(429)]) {
      expect(retryVerdict(error, 1, p).retry, String(error.message)).toBe(true);
    }
    for (const status of [400, 401, 402, 403, 404, 422]) {
      expect(retryVerdict(http(status), 1, p).retry, String(status)).toBe(false);
    }
    expect(retryVerdict(new Error('bug'), 1, p).retry).toBe(false);
    expect(retryVerdict(new TypeError('bug'), 1, p).retry).toBe(false);
  });

  it('recognises a 400 rate_limit error as a rate limit (as the SDK does)', () => {
    const error = http(400, {}, { code: 'rate_limit' });
    expect(error).toBeInstanceOf(E.StripeRateLimitError);
    expect(retryVerdict(error, 1, policy()).retry).toBe(true);
  });

  it('honours Stripe-Should-Retry', () => {
    const p = policy();
    expect(retryVerdict(http(500, { 'stripe-should-retry': 'false' }), 1, p).retry).toBe(false);
    expect(retryVerdict(http(400, { 'stripe-should-retry': 'true' }), 1, p).retry).toBe(true);
  });

  it('stops after maxRetries', () => {
    const p = policy({ maxRetries: 2 });
    expect(retryVerdict(http(500), 2, p).retry).toBe(true);
    expect(retryVerdict(http(500), 3, p).retry).toBe(false);
    expect(retryVerdict(http(500), 1, policy({ maxRetries: 0 })).retry).toBe(false);
  });

  it('backs off exponentially with 50–100 % jitter, capped', () => {
    const base = { initialDelayMs: 500, maxDelayMs: 8000 };
    expect(backoffDelayMs(1, { ...base, random: () => 0 })).toBe(250);
    expect(backoffDelayMs(1, { ...base, random: () => 0.999999 })).toBe(500);
    expect(backoffDelayMs(2, { ...base, random: () => 0.999999 })).toBe(1000);
    expect(backoffDelayMs(3, { ...base, random: () => 0.5 })).toBe(1500);
    expect(backoffDelayMs(10, { ...base, random: () => 0.999999 })).toBe(8000);
  });

  it('parses Retry-After as seconds or an HTTP date', () => {
    expect(retryAfterMs(http(429, { 'retry-after': '2' }))).toBe(2000);
    expect(retryAfterMs(http(429, { 'Retry-After': '0.5' }))).toBe(500);
    const now = Date.parse('2030-01-01T00:00:00Z');
    expect(retryAfterMs(http(429, { 'retry-after': 'Tue, 01 Jan 2030 00:00:03 GMT' }), () => now)).toBe(3000);
    expect(retryAfterMs(http(429, { 'retry-after': 'soon' }))).toBeUndefined();
    expect(retryAfterMs(http(429))).toBeUndefined();
  });

  it('waits exactly Retry-After on 429; gives up when it is longer than the cap', () => {
    const p = policy({ maxRetryAfterMs: 10_000 });
    expect(retryVerdict(http(429, { 'retry-after': '3' }), 1, p)).toMatchObject({
      retry: true,
      delayMs: 3000,
    });
    expect(retryVerdict(http(429, { 'retry-after': '30' }), 1, p)).toMatchObject({
      retry: false,
      retryAfterMs: 30_000,
    });
    expect(retryVerdict(http(429), 1, p)).toMatchObject({ retry: true, delayMs: 375 });
  });

  it('withRetries re-runs the same attempt function and reports stats', async () => {
    const p = policy();
    const stats = newRetryStats();
    let calls = 0;
    const result = await withRetries(
      async () => {
        calls++;
        if (calls === 1) throw connection();
        if (calls === 2) throw http(503);
        return 'ok';
      },
      p,
      stats,
    );
    expect(result).toBe('ok');
    expect(stats).toEqual({ attempts: 3, connectionErrors: 1, delaysMs: [375, 750] });
    expect(p.slept).toEqual([375, 750]);
  });

  it('withRetries rethrows the last error unchanged', async () => {
    const p = policy({ maxRetries: 1 });
    const last = http(500);
    let n = 0;
    await expect(
      withRetries(async () => {
        n++;
        throw n === 1 ? http(500) : last;
      }, p),
    ).rejects.toBe(last);
    expect(n).toBe(2);
    const notRetried = http(402);
    await expect(withRetries(async () => Promise.reject(notRetried), p)).rejects.toBe(notRetried);
  });

  it('withDeadline ends a call that never settles, and no attempt starts after it', async () => {
    let release: () => void = () => {};
    const p = {
      ...policy(),
      // The backoff wait ends only when the test says so: after the deadline has passed.
      sleep: () =>
        new Promise<void>((resolve) => {
          release = resolve;
        }),
    };
    let attempts = 0;
    const call = withDeadline(20, (signal) =>
      withRetries(
        async () => {
          attempts++;
          throw connection();
        },
        p,
        newRetryStats(),
        undefined,
        signal,
      ),
    );
    await expect(call).rejects.toBeInstanceOf(DeadlineExceededError);
    release();
    await new Promise((resolve) => setImmediate(resolve));
    expect(attempts).toBe(1);
  });

  it('withDeadline returns what settles in time', async () => {
    await expect(withDeadline(60_000, async () => 'ok')).resolves.toBe('ok');
  });
});
