import Stripe from 'stripe';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { readEmulatorStats, type StripeEmulator, startStripeEmulator } from '../src/index.js';
import { failure, raw, SECRET_KEY, sdk, start } from './helpers.js';

let emulator: StripeEmulator;
let stripe: Stripe;

beforeAll(async () => {
  ({ emulator, stripe } = await start());
});
afterAll(() => emulator.close());
beforeEach(() => {
  emulator.clearFaults();
  emulator.setLatency(0);
  emulator.setRateLimit(undefined);
});

const headersOf = (object: { lastResponse: { headers: Record<string, string> } }) =>
  object.lastResponse.headers;
let seq = 0;
const uniqueKey = (label: string) => `test-${label}-${Date.now()}-${++seq}`;

async function customersWithEmail(email: string, options?: Stripe.RequestOptions) {
  return (await stripe.customers.list({ email, limit: 100 }, options)).data;
}

describe('idempotency', () => {
  it('same key + same params replays the stored response exactly', async () => {
    const key = uniqueKey('replay');
    const first = await raw(emulator, 'POST', '/v1/customers', {
      form: { email: 'idem@example.com', 'metadata[k]': 'v' },
      headers: { 'idempotency-key': key },
    });
    const second = await raw(emulator, 'POST', '/v1/customers', {
      form: { 'metadata[k]': 'v', email: 'idem@example.com' },
      headers: { 'idempotency-key': key },
    });
    expect(second.status).toBe(200);
    expect(second.json).toEqual(first.json);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    expect(second.headers.get('original-request')).toBe(first.headers.get('request-id'));
    expect(second.headers.get('request-id')).not.toBe(first.headers.get('request-id'));

    const viaSdk = await stripe.customers.create(
      { email: 'idem2@example.com' },
      { idempotencyKey: `${key}-sdk` },
    );
    const again = await stripe.customers.create(
      { email: 'idem2@example.com' },
      { idempotencyKey: `${key}-sdk` },
    );
    expect(again.id).toBe(viaSdk.id);
    expect(headersOf(again as never)['idempotent-replayed']).toBe('true');
    expect(await customersWithEmail('idem2@example.com')).toHaveLength(1);
  });

  it('same key + different params is an idempotency_error', async () => {
    const key = uniqueKey('mismatch');
    await stripe.customers.create({ email: 'a@example.com' }, { idempotencyKey: key });
    const e = await failure(stripe.customers.create({ email: 'b@example.com' }, { idempotencyKey: key }));
    expect(e.type).toBe('StripeIdempotencyError');
    expect(e.statusCode).toBe(400);
    expect(e.message).toBe(
      `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.`,
    );
    const body = await raw(emulator, 'POST', '/v1/tokens', { form: {}, headers: { 'idempotency-key': key } });
    expect(body.status).toBe(400);
    expect(body.json.error).toMatchObject({ type: 'idempotency_error' });
  });

  it('keys are scoped per API key and per account', async () => {
    const key = uniqueKey('scope');
    const platform = await stripe.customers.create({ email: 'scope@example.com' }, { idempotencyKey: key });
    const connected = await stripe.customers.create(
      { email: 'scope@example.com' },
      { idempotencyKey: key, stripeAccount: 'acct_1ScopeTest' },
    );
    const otherKey = await sdk(emulator, { key: 'sk_test_anotherKey' }).customers.create(
      { email: 'scope@example.com' },
      { idempotencyKey: key },
    );
    expect(new Set([platform.id, connected.id, otherKey.id]).size).toBe(3);
  });

  it('declines are replayed; validation errors are not stored', async () => {
    const customer = await stripe.customers.create({});
    const key = uniqueKey('decline');
    const e1 = await failure(
      stripe.customers.createSource(customer.id, { source: 'tok_chargeDeclined' }, { idempotencyKey: key }),
    );
    const e2 = await failure(
      stripe.customers.createSource(customer.id, { source: 'tok_chargeDeclined' }, { idempotencyKey: key }),
    );
    expect(e1.statusCode).toBe(402);
    expect(e2.statusCode).toBe(402);
    expect(e2.headers?.['idempotent-replayed']).toBe('true');

    const k2 = uniqueKey('validation');
    const bad = await failure(stripe.customers.create({ email: 'nope' }, { idempotencyKey: k2 }));
    expect(bad.statusCode).toBe(400);
    // Not stored, so the corrected request may reuse the key.
    const fixed = await stripe.customers.create({ email: 'fixed@example.com' }, { idempotencyKey: k2 });
    expect(fixed.email).toBe('fixed@example.com');

    // A mistyped card number is a 402 too, but a validation error: the corrected number may reuse the key.
    const k3 = uniqueKey('number');
    const card = { exp_month: '1', exp_year: String(new Date().getUTCFullYear() + 2) };
    const typo = await failure(
      stripe.tokens.create({ card: { ...card, number: '4242424242424241' } }, { idempotencyKey: k3 }),
    );
    expect(typo).toMatchObject({ statusCode: 402, code: 'incorrect_number' });
    const token = await stripe.tokens.create(
      { card: { ...card, number: '4242424242424242' } },
      { idempotencyKey: k3 },
    );
    expect(token.card?.last4).toBe('4242');
  });
});

describe('faults', () => {
  it('injected 5xx is retried by the SDK (same auto key) and the POST happens once', async () => {
    const email = `retry-${Date.now()}@example.com`;
    emulator.injectFault({
      kind: '5xx',
      count: 2,
      status: 503,
      pathIncludes: '/v1/customers',
      method: 'POST',
    });
    const before = emulator.requestCount();
    const retrying = sdk(emulator, { maxNetworkRetries: 2 });
    const customer = await retrying.customers.create({ email });
    expect(emulator.requestCount() - before).toBe(3);
    expect(customer.email).toBe(email);
    expect(await customersWithEmail(email)).toHaveLength(1);

    emulator.injectFault({ kind: '5xx' });
    const e = await failure(stripe.customers.list());
    expect(e).toMatchObject({ type: 'StripeAPIError', statusCode: 500 });
    expect(e.requestId).toMatch(/^req_/);
  });

  it('a timeout fault never answers: the SDK times out with StripeConnectionError; nothing was stored', async () => {
    const email = `timeout-${Date.now()}@example.com`;
    const key = uniqueKey('timeout');
    emulator.injectFault({ kind: 'timeout', pathIncludes: '/v1/customers', method: 'POST' });
    const impatient = sdk(emulator, { timeout: 500 });
    const started = Date.now();
    const e = await failure(impatient.customers.create({ email }, { idempotencyKey: key }));
    expect(e.type).toBe('StripeConnectionError');
    expect(e.message).toContain('timeout');
    expect(Date.now() - started).toBeGreaterThanOrEqual(450);
    expect(await customersWithEmail(email)).toEqual([]);
    // The retry with the same key is processed fresh (the lost attempt stored nothing).
    const customer = await stripe.customers.create({ email }, { idempotencyKey: key });
    expect(headersOf(customer as never)['idempotent-replayed']).toBeUndefined();
    expect(await customersWithEmail(email)).toHaveLength(1);
  });

  it('a drop fault closes the connection; the SDK retries a closed connection once', async () => {
    const email = `drop-${Date.now()}@example.com`;
    emulator.injectFault({ kind: 'drop', pathIncludes: '/v1/customers', method: 'POST' });
    const before = emulator.requestCount();
    const customer = await stripe.customers.create({ email });
    expect(emulator.requestCount() - before).toBe(2);
    expect(await customersWithEmail(email)).toEqual([expect.objectContaining({ id: customer.id })]);

    emulator.injectFault({ kind: 'drop', count: 2, method: 'GET' });
    const e = await failure(stripe.customers.list());
    expect(e.type).toBe('StripeConnectionError');
  });

  it('faults match on method and path', async () => {
    const customer = await stripe.customers.create({});
    emulator.injectFault({ kind: '5xx', status: 502, pathIncludes: customer.id, method: 'DELETE' });
    await stripe.customers.retrieve(customer.id);
    await stripe.customers.list();
    const e = await failure(stripe.customers.del(customer.id));
    expect(e.statusCode).toBe(502);
    expect(await stripe.customers.del(customer.id)).toMatchObject({ deleted: true });
  });

  it('429: Stripe rate_limit error with Retry-After, per account, not retried by the SDK', async () => {
    emulator.setRateLimit(3);
    const retrying = sdk(emulator, { maxNetworkRetries: 2 });
    for (let i = 0; i < 3; i++) await retrying.customers.list({ limit: 1 });
    const before = emulator.requestCount();
    const e = await failure(retrying.customers.list({ limit: 1 }));
    expect(emulator.requestCount() - before).toBe(1);
    expect(e.type).toBe('StripeRateLimitError');
    expect(e).toMatchObject({ statusCode: 429, code: 'rate_limit' });
    expect(e.message).toMatch(/^Request rate limit exceeded\./);
    expect(Number(e.headers?.['retry-after'])).toBeGreaterThanOrEqual(1);
    // Another account has its own budget.
    await retrying.customers.list({ limit: 1 }, { stripeAccount: 'acct_1RateLimitOther' });
    await new Promise((resolve) => setTimeout(resolve, 1050));
    await retrying.customers.list({ limit: 1 });

    emulator.setRateLimit(undefined);
    emulator.injectFault({ kind: '429' });
    const injected = await raw(emulator, 'GET', '/v1/customers');
    expect(injected.status).toBe(429);
    expect(injected.headers.get('retry-after')).toBe('1');
    expect(injected.json.error).toMatchObject({ type: 'invalid_request_error', code: 'rate_limit' });
  });

  it('latency is added to every response', async () => {
    emulator.setLatency(150);
    const started = performance.now();
    await stripe.customers.list({ limit: 1 });
    expect(performance.now() - started).toBeGreaterThanOrEqual(145);
  });
});

describe('auth and routing', () => {
  it('a bad key is a 401 StripeAuthenticationError with the key masked like Stripe', async () => {
    const bad = sdk(emulator, { key: 'sk_test_wrong-format-abcd' });
    const e = await failure(bad.customers.list());
    expect(e.type).toBe('StripeAuthenticationError');
    expect(e.statusCode).toBe(401);
    expect(e.message).toBe('Invalid API Key provided: sk_test_*************abcd');
    const none = await raw(emulator, 'GET', '/v1/customers', { key: null });
    expect(none.status).toBe(401);
    expect((none.json.error as { message: string }).message).toMatch(/^You did not provide an API key/);
    expect(none.headers.get('request-id')).toMatch(/^req_/);
  });

  it('secretKeys restricts who may authenticate', async () => {
    const strict = await startStripeEmulator({ secretKeys: ['sk_test_onlyThisOne'] });
    try {
      const e = await failure(sdk(strict).customers.list());
      expect(e).toMatchObject({
        statusCode: 401,
        message: `Invalid API Key provided: sk_test_*************0001`,
      });
      expect(SECRET_KEY.endsWith('0001')).toBe(true);
      const ok = await sdk(strict, { key: 'sk_test_onlyThisOne' }).customers.list();
      expect(ok.data).toEqual([]);
    } finally {
      await strict.close();
    }
  });

  it('unknown routes are Stripe\'s "Unrecognized request URL"', async () => {
    const res = await raw(emulator, 'GET', '/v1/foo');
    expect(res.status).toBe(404);
    expect(res.json).toEqual({
      error: {
        type: 'invalid_request_error',
        message:
          'Unrecognized request URL (GET: /v1/foo). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.',
      },
    });
    const wrongVerb = await raw(emulator, 'DELETE', '/v1/tokens');
    expect((wrongVerb.json.error as { message: string }).message).toMatch(
      /^Unrecognized request URL \(DELETE: \/v1\/tokens\)/,
    );
  });
});

describe('control plane over HTTP', () => {
  it('faults, latency, rate limit, seed and stats under /_emulator', async () => {
    const post = (path: string, body: unknown) =>
      fetch(`${emulator.url}/_emulator/${path}`, { method: 'POST', body: JSON.stringify(body) }).then(
        async (r) => ({ status: r.status, json: (await r.json()) as Record<string, unknown> }),
      );
    expect(await post('faults', { kind: '5xx', status: 504, pathIncludes: '/v1/customers' })).toMatchObject({
      status: 200,
      json: { queued: 1 },
    });
    expect((await raw(emulator, 'GET', '/v1/customers')).status).toBe(504);
    expect((await post('faults', { kind: 'bogus' })).status).toBe(400);

    await post('faults', [{ kind: '5xx' }, { kind: '5xx' }]);
    await fetch(`${emulator.url}/_emulator/faults`, { method: 'DELETE' });
    expect((await raw(emulator, 'GET', '/v1/customers')).status).toBe(200);

    const seeded = await post('seed', {
      stripeAccount: 'acct_1SeededViaHttp',
      customers: 2,
      cardsPerCustomer: 3,
    });
    const customers = seeded.json.customers as { id: string; cards: { id: string }[] }[];
    expect(customers).toHaveLength(2);
    expect(customers[0]?.cards).toHaveLength(3);
    expect(seeded.json.table).toContain(customers[0]?.id);
    const cards = await stripe.customers.listSources(
      customers[0]?.id ?? '',
      {},
      { stripeAccount: 'acct_1SeededViaHttp' },
    );
    expect(cards.data.map((c) => c.id).sort()).toEqual(customers[0]?.cards.map((c) => c.id).sort());

    await post('rate-limit', { perSecond: 1 });
    await stripe.customers.list({ limit: 1 });
    expect((await failure(stripe.customers.list({ limit: 1 }))).statusCode).toBe(429);
    await post('rate-limit', { perSecond: null });
    expect((await post('latency', { ms: 0 })).json).toEqual({ latencyMs: 0 });

    const stats = await readEmulatorStats(emulator.url);
    expect(stats.totalRequests).toBe(emulator.requestCount());
    expect(stats.objects.customers).toBeGreaterThanOrEqual(2);
  });

  it('close() ends held (timeout) requests promptly', async () => {
    const local = await startStripeEmulator();
    local.injectFault({ kind: 'timeout' });
    const pending = failure(sdk(local).customers.list());
    await new Promise((resolve) => setTimeout(resolve, 100));
    const started = Date.now();
    await local.close();
    expect(Date.now() - started).toBeLessThan(1000);
    expect((await pending).type).toBe('StripeConnectionError');
  });
});

it('exports a working Stripe type surface', () => {
  expect(typeof Stripe).toBe('function');
});
