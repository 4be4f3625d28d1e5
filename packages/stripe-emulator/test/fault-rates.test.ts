import type Stripe from 'stripe';
import { afterEach, describe, expect, it } from 'vitest';
import {
  emulatorControl,
  type StripeEmulator,
  type StripeEmulatorOptions,
  startStripeEmulator,
} from '../src/index.js';
import { failure, raw, sdk } from './helpers.js';

/**
 * Faults at a rate, drawn from a seed (the same request of a run gets the same fault), and
 * the rate limit as Stripe counts it: per account, shared by all its keys, set per account
 * and at runtime. Rate-limit windows run on a fake clock: nothing here depends on timing.
 */

const open: StripeEmulator[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((e) => e.close()));
});

async function started(options: StripeEmulatorOptions = {}) {
  const emulator = await startStripeEmulator(options);
  open.push(emulator);
  return { emulator, stripe: sdk(emulator) };
}

async function statuses(emulator: StripeEmulator, n: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push((await raw(emulator, 'GET', '/v1/customers?limit=1')).status);
  return out;
}

const share = (list: number[], status: number) => list.filter((s) => s === status).length / list.length;

describe('fault rates', () => {
  it('the same fault seed gives the same faults to the same requests; another seed others', async () => {
    const rates = { fault429Rate: 0.3, fault5xxRate: 0.1, faultSeed: 11 };
    const a = await started(rates);
    const b = await started(rates);
    const c = await started({ ...rates, faultSeed: 12 });
    const seqA = await statuses(a.emulator, 200);
    expect(await statuses(b.emulator, 200)).toEqual(seqA);
    expect(await statuses(c.emulator, 200)).not.toEqual(seqA);
    expect(share(seqA, 429)).toBeGreaterThan(0.2);
    expect(share(seqA, 429)).toBeLessThan(0.4);
    expect(share(seqA, 500)).toBeGreaterThan(0.04);
    expect(share(seqA, 500)).toBeLessThan(0.16);
    expect(share(seqA, 200) + share(seqA, 429) + share(seqA, 500)).toBe(1);
  });

  it('429s carry Retry-After and Stripe’s rate_limit error; 5xx Stripe’s api_error; the SDK sees both', async () => {
    const { emulator, stripe } = await started({ fault429Rate: 1 });
    const limited = await raw(emulator, 'GET', '/v1/customers');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('1');
    expect(limited.json.error).toMatchObject({ type: 'invalid_request_error', code: 'rate_limit' });
    expect((await failure(stripe.customers.list())).type).toBe('StripeRateLimitError');

    emulator.setFaultRates({ fault429Rate: 0, fault5xxRate: 1 });
    const broken = await raw(emulator, 'GET', '/v1/customers');
    expect(broken.status).toBe(500);
    expect(broken.json).toEqual({ error: { type: 'api_error', message: 'An unknown error occurred' } });
    expect((await failure(stripe.customers.list())).type).toBe('StripeAPIError');
  });

  it('a faulted request changes nothing; its idempotency key is processed fresh afterwards', async () => {
    const { emulator } = await started({ fault429Rate: 0.4, fault5xxRate: 0.2, faultSeed: 3 });
    let ok = 0;
    for (let i = 0; i < 80; i++) {
      const res = await raw(emulator, 'POST', '/v1/customers', { form: { email: `f${i}@example.com` } });
      if (res.status === 200) ok++;
      else expect([429, 500]).toContain(res.status);
    }
    expect(ok).toBeGreaterThan(0);
    expect(ok).toBeLessThan(80);
    expect(emulator.stats(null).customers).toBe(ok);

    emulator.setFaultRates({ fault429Rate: 0, fault5xxRate: 1 });
    const headers = { 'idempotency-key': 'fault-rate-key' };
    expect((await raw(emulator, 'POST', '/v1/customers', { form: { name: 'x' }, headers })).status).toBe(500);
    emulator.setFaultRates({ fault5xxRate: 0 });
    const after = await raw(emulator, 'POST', '/v1/customers', { form: { name: 'x' }, headers });
    expect(after.status).toBe(200);
    expect(after.headers.get('idempotent-replayed')).toBeNull();
    expect(emulator.stats(null).customers).toBe(ok + 1);
  });

  it('the SDK retries drawn 5xx with the same idempotency key: each create happens once', async () => {
    const { emulator } = await started({ fault5xxRate: 0.5, faultSeed: 8 });
    const retrying = sdk(emulator, { maxNetworkRetries: 8 });
    const created: Stripe.Customer[] = [];
    // Few creates: every retry waits the SDK's backoff (0.5 s and up).
    for (let i = 0; i < 4; i++) created.push(await retrying.customers.create({ email: `r${i}@example.com` }));
    expect(new Set(created.map((c) => c.id)).size).toBe(4);
    expect(emulator.stats(null).customers).toBe(4);
    expect(emulator.requestCount()).toBeGreaterThan(4);
  });

  it('set at runtime over the control API; a seed restarts the sequence; bad rates are refused', async () => {
    const { emulator } = await started();
    const control = emulatorControl(emulator.url);
    expect(await control.faultRates()).toEqual({ fault429Rate: 0, fault5xxRate: 0, faultSeed: 0 });
    expect(await control.setFaultRates({ fault429Rate: 0.3, fault5xxRate: 0.1, faultSeed: 11 })).toEqual({
      fault429Rate: 0.3,
      fault5xxRate: 0.1,
      faultSeed: 11,
    });
    const first = await statuses(emulator, 50);
    await control.setFaultRates({ faultSeed: 11 });
    expect(await statuses(emulator, 50)).toEqual(first);
    const fresh = await started({ fault429Rate: 0.3, fault5xxRate: 0.1, faultSeed: 11 });
    expect(await statuses(fresh.emulator, 50)).toEqual(first);

    await expect(control.setFaultRates({ fault429Rate: 1.5 })).rejects.toMatchObject({
      status: 400,
      message: 'fault429Rate must be a number from 0 to 1',
    });
    await expect(control.setFaultRates({ fault429Rate: 0.6, fault5xxRate: 0.6 })).rejects.toMatchObject({
      message: 'fault429Rate + fault5xxRate must be at most 1',
    });
    await expect(startStripeEmulator({ fault5xxRate: -1 })).rejects.toThrow(TypeError);
    expect(await control.faultRates()).toMatchObject({ fault429Rate: 0.3, fault5xxRate: 0.1 });
  });

  it('queued faults go first and take no draw', async () => {
    const { emulator } = await started({ fault429Rate: 0.5, faultSeed: 21 });
    const reference = await started({ fault429Rate: 0.5, faultSeed: 21 });
    emulator.injectFault({ kind: '5xx', status: 503, count: 2 });
    const seq = await statuses(emulator, 22);
    expect(seq.slice(0, 2)).toEqual([503, 503]);
    expect(seq.slice(2)).toEqual(await statuses(reference.emulator, 20));
  });
});

describe('rate limit per Stripe account', () => {
  function frozen(options: StripeEmulatorOptions) {
    let now = 1_700_000_000_000;
    return {
      options: { ...options, clock: () => now },
      advance: (ms: number) => {
        now += ms;
      },
    };
  }

  it('all keys of an account share its budget; a connected account has its own; the window slides', async () => {
    const clock = frozen({ rateLimitPerSecond: 2 });
    const { emulator, stripe } = await started(clock.options);
    const otherKey = sdk(emulator, { key: 'sk_test_secondKeyOfPlatform' });
    await stripe.customers.list();
    await otherKey.customers.list();
    const e = await failure(stripe.customers.list());
    expect(e).toMatchObject({ type: 'StripeRateLimitError', statusCode: 429, code: 'rate_limit' });
    expect(e.headers?.['retry-after']).toBe('1');
    expect((await failure(otherKey.customers.list())).statusCode).toBe(429);

    const connected = { stripeAccount: 'acct_1OwnBudget' };
    await stripe.customers.list({}, connected);
    await otherKey.customers.list({}, connected);
    expect((await failure(stripe.customers.list({}, connected))).statusCode).toBe(429);
    // Live mode is another budget.
    await sdk(emulator, { key: 'sk_live_platformLiveKey' }).customers.list();

    clock.advance(1000);
    await stripe.customers.list();
    await stripe.customers.list({}, connected);
  });

  it('per-account budgets from the options, at runtime and over the control API', async () => {
    const clock = frozen({ rateLimitPerSecond: 1, rateLimitPerAccount: { acct_1Big: 3 } });
    const { emulator, stripe } = await started(clock.options);
    const big = { stripeAccount: 'acct_1Big' };
    const burst = async (options?: Stripe.RequestOptions) => {
      let served = 0;
      for (let i = 0; i < 6; i++) {
        try {
          await stripe.customers.list({}, options);
          served++;
        } catch (error) {
          expect((error as Stripe.errors.StripeError).statusCode).toBe(429);
        }
      }
      clock.advance(1000);
      return served;
    };
    expect(await burst()).toBe(1);
    expect(await burst(big)).toBe(3);

    emulator.setRateLimit(2, 'acct_1Big');
    expect(await burst(big)).toBe(2);
    emulator.setRateLimit(undefined, 'acct_1Big');
    expect(await burst(big)).toBe(1);
    emulator.setRateLimit(4, null);
    expect(await burst()).toBe(4);

    const control = emulatorControl(emulator.url);
    expect(await control.setRateLimit(5, 'acct_1Big')).toEqual({
      rateLimitPerSecond: 1,
      rateLimitPerAccount: { platform: 4, acct_1Big: 5 },
    });
    expect(await burst(big)).toBe(5);
    expect(await control.setRateLimit(null, 'platform')).toEqual({
      rateLimitPerSecond: 1,
      rateLimitPerAccount: { acct_1Big: 5 },
    });
    expect(await control.setRateLimit(null)).toEqual({
      rateLimitPerSecond: null,
      rateLimitPerAccount: { acct_1Big: 5 },
    });
    expect(await burst()).toBe(6);
    expect(await control.rateLimits()).toEqual({
      rateLimitPerSecond: null,
      rateLimitPerAccount: { acct_1Big: 5 },
    });
    await expect(control.setRateLimit(5, 'cus_123')).rejects.toMatchObject({
      status: 400,
      message: "account must be 'platform' or an acct_… id",
    });
    await expect(control.setRateLimit(0)).rejects.toMatchObject({ status: 400 });
  });
});
