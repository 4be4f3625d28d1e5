/**
 * Our one retry policy for gateway calls (docs/architecture.md, "What card data and its owners are owed": Faults). The Stripe SDK runs with
 * `maxNetworkRetries: 0`, so every retry decision is made here and can be tested.
 *
 * Retried, at most `maxRetries` times, with jittered exponential backoff:
 * - connection errors and timeouts (a POST is retried with the SAME idempotency key, so
 *   Stripe replays the first outcome instead of doing it twice);
 * - 429, honouring `Retry-After` (seconds or an HTTP date) when it is at most
 *   `maxRetryAfterMs`; a longer Retry-After is not cut short — we stop and report
 *   rate_limited with `retryAfterMs` so the caller can reschedule;
 * - 409 (lock timeout, idempotency key in use by a concurrent request);
 * - 5xx.
 * Never retried: any other 4xx (400, 401, 402, 403, 404…). `Stripe-Should-Retry: false`
 * stops retries, `Stripe-Should-Retry: true` asks for one (as the SDK would do).
 */

export type HttpMethod = 'GET' | 'POST' | 'DELETE';

export interface RetryPolicy {
  /** Retries after the first attempt (default 2). */
  maxRetries: number;
  /** Backoff before retry n is `min(initialDelayMs * 2^(n-1), maxDelayMs)`, jittered to 50–100 %. */
  initialDelayMs: number;
  maxDelayMs: number;
  /** Longest Retry-After we wait for; beyond it we give up (default 10 s). */
  maxRetryAfterMs: number;
  sleep: (ms: number) => Promise<void>;
  /** Uniform [0, 1). */
  random: () => number;
}

export const defaultSleep = (ms: number): Promise<void> =>
  new Promise((resolve) => {
    setTimeout(resolve, ms);
  });

export const defaultRetryPolicy = (overrides: Partial<RetryPolicy> = {}): RetryPolicy => ({
  maxRetries: 2,
  initialDelayMs: 500,
  maxDelayMs: 8_000,
  maxRetryAfterMs: 10_000,
  sleep: defaultSleep,
  random: Math.random,
  ...overrides,
});

/** The parts of a Stripe SDK error the policy reads. */
interface ErrorShape {
  type?: unknown;
  statusCode?: unknown;
  headers?: unknown;
}

const shape = (error: unknown): ErrorShape =>
  typeof error === 'object' && error !== null ? (error as ErrorShape) : {};

/** A Stripe SDK error (any class), recognised by its `type` ('StripeCardError', …). */
export const isStripeSdkError = (error: unknown): boolean => {
  const type = shape(error).type;
  return error instanceof Error && typeof type === 'string' && type.startsWith('Stripe');
};

/** The request did not get a response: connection refused/reset, socket timeout. */
export const isConnectionError = (error: unknown): boolean =>
  error instanceof Error && shape(error).type === 'StripeConnectionError';

export const statusCodeOf = (error: unknown): number | undefined => {
  const status = shape(error).statusCode;
  return typeof status === 'number' ? status : undefined;
};

const headerOf = (error: unknown, name: string): string | undefined => {
  const headers = shape(error).headers;
  if (typeof headers !== 'object' || headers === null) return undefined;
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers as Record<string, unknown>)) {
    if (key.toLowerCase() !== wanted) continue;
    if (typeof value === 'string') return value;
    if (Array.isArray(value) && typeof value[0] === 'string') return value[0];
  }
  return undefined;
};

/** Retry-After in ms: delta-seconds or an HTTP date (RFC 9110 §10.2.3); undefined if absent/invalid. */
export function retryAfterMs(error: unknown, now: () => number = Date.now): number | undefined {
  const raw = headerOf(error, 'retry-after')?.trim();
  if (raw === undefined || raw === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(raw)) return Math.round(Number.parseFloat(raw) * 1000);
  const date = Date.parse(raw);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now());
}

/** Jittered exponential backoff before retry number `retry` (1-based). */
export function backoffDelayMs(
  retry: number,
  policy: Pick<RetryPolicy, 'initialDelayMs' | 'maxDelayMs' | 'random'>,
) {
  const base = Math.min(policy.initialDelayMs * 2 ** Math.max(0, retry - 1), policy.maxDelayMs);
  const r = Math.min(Math.max(policy.random(), 0), 1);
  return Math.round(base * (0.5 + 0.5 * r));
}

export type RetryVerdict =
  | { retry: true; delayMs: number; reason: string }
  | { retry: false; reason: string; retryAfterMs?: number };

/**
 * Should the failed attempt be retried? `retry` is the number of the retry being
 * considered (1 for the first retry).
 */
export function retryVerdict(error: unknown, retry: number, policy: RetryPolicy): RetryVerdict {
  if (!isStripeSdkError(error)) return { retry: false, reason: 'not a gateway error' };
  if (retry > policy.maxRetries) return { retry: false, reason: 'retries exhausted' };
  if (isConnectionError(error)) {
    return { retry: true, delayMs: backoffDelayMs(retry, policy), reason: 'connection error' };
  }
  const status = statusCodeOf(error);
  const shouldRetry = headerOf(error, 'stripe-should-retry');
  if (shouldRetry === 'false') return { retry: false, reason: 'Stripe-Should-Retry: false' };
  if (status === 429 || shape(error).type === 'StripeRateLimitError') {
    const after = retryAfterMs(error);
    if (after === undefined) return { retry: true, delayMs: backoffDelayMs(retry, policy), reason: '429' };
    if (after > policy.maxRetryAfterMs) {
      return {
        retry: false,
        reason: `Retry-After ${after} ms exceeds ${policy.maxRetryAfterMs} ms`,
        retryAfterMs: after,
      };
    }
    return { retry: true, delayMs: after, reason: '429 Retry-After' };
  }
  if (shouldRetry === 'true')
    return { retry: true, delayMs: backoffDelayMs(retry, policy), reason: 'Stripe-Should-Retry: true' };
  if (status === 409) return { retry: true, delayMs: backoffDelayMs(retry, policy), reason: '409' };
  if (status !== undefined && status >= 500) {
    return { retry: true, delayMs: backoffDelayMs(retry, policy), reason: `${status}` };
  }
  if (status === undefined && shape(error).type === 'StripeAPIError') {
    // e.g. an unparseable response body: the server answered, but badly.
    return { retry: true, delayMs: backoffDelayMs(retry, policy), reason: 'API error' };
  }
  return { retry: false, reason: status === undefined ? 'not retryable' : `${status} is not retryable` };
}

/** What happened across the attempts of one call (for classification and tests). */
export interface RetryStats {
  attempts: number;
  /** Attempts that ended without a response (timeout, reset): a POST's outcome is then unknown. */
  connectionErrors: number;
  /** Delays slept, in order. */
  delaysMs: number[];
}

export const newRetryStats = (): RetryStats => ({ attempts: 0, connectionErrors: 0, delaysMs: [] });

/**
 * Run `attempt` until it succeeds or the policy says stop; rethrows the last error as is
 * (classification is the caller's job). `stats` is filled in as it goes.
 */
export async function withRetries<T>(
  attempt: (info: { attempt: number; stats: RetryStats }) => Promise<T>,
  policy: RetryPolicy,
  stats: RetryStats = newRetryStats(),
  onRetry?: (event: { retry: number; delayMs: number; reason: string; error: unknown }) => void,
  /** Once aborted (the call's deadline passed), no further attempt starts. */
  signal?: AbortSignal,
): Promise<T> {
  for (let retry = 0; ; retry++) {
    signal?.throwIfAborted();
    try {
      stats.attempts += 1;
      return await attempt({ attempt: retry, stats });
    } catch (error) {
      if (isConnectionError(error)) stats.connectionErrors += 1;
      const verdict = retryVerdict(error, retry + 1, policy);
      if (!verdict.retry || signal?.aborted) throw error;
      stats.delaysMs.push(verdict.delayMs);
      onRetry?.({ retry: retry + 1, delayMs: verdict.delayMs, reason: verdict.reason, error });
      await policy.sleep(verdict.delayMs);
    }
  }
}

/** A call's overall deadline (across all its attempts and the waits between them) passed. */
export class DeadlineExceededError extends Error {
  override readonly name = 'DeadlineExceededError';
  constructor(readonly deadlineMs: number) {
    super(`no answer within the ${deadlineMs} ms deadline`);
  }
}

/**
 * Runs `work` for at most `deadlineMs`: then it rejects with DeadlineExceededError and aborts
 * the signal `work` got (so it starts no new attempt). A per-attempt socket timeout alone
 * cannot bound a call: retries multiply it, and a server that trickles bytes resets it.
 */
export async function withDeadline<T>(
  deadlineMs: number,
  work: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new DeadlineExceededError(deadlineMs);
      controller.abort(error);
      reject(error);
    }, deadlineMs);
  });
  const running = work(controller.signal);
  // Past the deadline nobody awaits `running`: its late rejection must not go unhandled.
  running.catch(() => {});
  try {
    return await Promise.race([running, expired]);
  } finally {
    clearTimeout(timer);
  }
}
