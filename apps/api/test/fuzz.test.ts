import { procedureScopes } from '@cardbridge/api/src/auth/procedure-scopes.js';
import { appRouter } from '@cardbridge/api/src/routers/index.js';
import { issueApiKey } from '@cardbridge/api/src/services/access.js';
import { createDefaultTestAccount } from '@cardbridge/api/src/services/gateway-accounts.js';
import { freshCardNumber } from '@cardbridge/api/test/card-data.js';
import { isLuhnValid, scopes } from '@cardbridge/core';
import { insertTenant } from '@cardbridge/db';
import { type StripeEmulator, startStripeEmulator } from '@cardbridge/stripe-emulator';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import type { AnyRestRoute } from '../src/rest/routes.js';
import { restRoutes } from '../src/rest/routes.js';
import {
  anyValue,
  inputFor,
  nastyNumber,
  nastyString,
  type PoolName,
  Ref,
  type RefPool,
  rawText,
  type SchemaContext,
} from './fuzz-arbitraries.js';
import { startTestServer } from './helpers.js';

/*
 * Property-based fuzzing of every tRPC procedure and every REST route through the real HTTP
 * server, with a key holding every scope: whatever is sent, the answer is below 500, never
 * repeats a card number it was sent, and the server stays up.
 *
 * Procedures come from the router and routes from the REST table, so a new one is fuzzed
 * without an edit here; their inputs are derived from their own zod schemas (fuzz-arbitraries).
 * FUZZ_RUNS (default 100) sets the cases per procedure and route; `pnpm --filter
 * @cardbridge/api fuzz` runs 1000. FUZZ_SEED replays a failure fast-check reported.
 */

const numRuns = Number(process.env.FUZZ_RUNS ?? 100);
const seed = process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED);
// Generous: the cost is the server's work per request, not waiting.
const perTestTimeout = Math.max(120_000, numRuns * 500);
const stripeSecretKey = 'sk_test_cardbridgeFuzz01';
const connectedAccountId = 'acct_fuzzConnect01';

type Server = Awaited<ReturnType<typeof startTestServer>>;
type ProcedureType = 'query' | 'mutation';

interface Procedure {
  path: string;
  type: ProcedureType;
  input: z.ZodType | undefined;
}

/** Every procedure of the router, with its type and input schema (tRPC v11 internals, typed loosely). */
function routerProcedures(): Procedure[] {
  const procedures = appRouter._def.procedures as unknown as Record<
    string,
    { _def: { type: ProcedureType; inputs: z.ZodType[] } }
  >;
  return Object.entries(procedures)
    .map(([path, p]) => ({ path, type: p._def.type, input: p._def.inputs[0] }))
    .sort(
      (a, b) => Number(destructive(a.path)) - Number(destructive(b.path)) || a.path.localeCompare(b.path),
    );
}

/** Fuzzed last, so the others still find live rows (cards not yet deleted, accounts not disabled). */
const destructive = (path: string) => /\.(delete|disable|revoke)$/.test(path);

/**
 * The suite has no Internet, only the emulator: a Stripe account without `apiBase` would talk
 * to api.stripe.com and answer 503/504 (correctly, and slowly). Point every one at the emulator.
 */
function hermetic(path: string, input: unknown, apiBase: string): unknown {
  if (path !== 'gatewayAccounts.create' || typeof input !== 'object' || input === null) return input;
  const o = input as Record<string, unknown>;
  return o.type === 'stripe' && o.apiBase === undefined ? { ...o, apiBase } : input;
}

/** Luhn-valid 13–19 digit runs (what the server must never echo), from anything we send. */
function cardLikeRuns(text: string): string[] {
  const runs: string[] = [];
  for (const m of text.matchAll(/\d(?:[ -]?\d)*/g)) {
    const digits = m[0].replace(/[ -]/g, '');
    if (digits.length >= 13 && digits.length <= 19 && isLuhnValid(digits)) runs.push(digits);
  }
  return runs;
}

describe('fuzz: every procedure and route answers below 500 and the server stays up', () => {
  let s: Server;
  let emulator: StripeEmulator;
  let key: string;
  let keyId: number;
  let tenantId: number;
  const pools: Record<Exclude<RefPool, 'stripeCustomers' | 'stripeCards'>, number[]> = {
    customers: [],
    paymentMethods: [],
    gatewayAccounts: [],
    apiKeys: [],
    stripeAccounts: [],
    connectAccounts: [],
  };
  /** Cards seeded at the emulator, each with its Stripe customer (platform or connected account). */
  const stripeCards: { customer: string; card: string; connected: boolean }[] = [];
  /**
   * The Stripe, Connect and default test accounts stay out of the pool `gatewayAccounts.disable`
   * draws from (fuzzed before the REST routes, which need them); cases name them in other fields.
   */
  const protectedAccounts = new Set<number>();
  /** Which customer a card belongs to: a replace names both, and they must agree to get further. */
  const cardOwner = new Map<number, number>();
  let ctxBase: Omit<SchemaContext, 'procedure'>;

  /** Resolves `Ref`s to ids collected so far (an empty pool gives id 1). */
  function resolve(value: unknown, procedure: string, sibling?: Record<string, unknown>): unknown {
    if (value instanceof Ref) {
      if (value.pool === 'stripeCustomers' || value.pool === 'stripeCards') {
        const connected = procedure.endsWith('importStripeConnectCard');
        const cards = stripeCards.filter((c) => c.connected === connected);
        // Mostly the card of the customer named beside it, sometimes any other.
        const customerRef = sibling?.stripeCustomerId;
        const pick = customerRef instanceof Ref && value.pick % 4 !== 0 ? customerRef.pick : value.pick;
        const entry = cards[pick % cards.length]!;
        return value.pool === 'stripeCustomers' ? entry.customer : entry.card;
      }
      const pool = pools[value.pool];
      return pool.length === 0 ? 1 : pool[value.pick % pool.length];
    }
    if (Array.isArray(value)) return value.map((v) => resolve(v, procedure));
    if (typeof value === 'object' && value !== null) {
      const o = value as Record<string, unknown>;
      const out = Object.fromEntries(Object.entries(o).map(([k, v]) => [k, resolve(v, procedure, o)]));
      // A card and its customer, mostly matching (a replace of another customer's card is a 404).
      const owner = typeof out.id === 'number' ? cardOwner.get(out.id) : undefined;
      if (procedure.startsWith('paymentMethods.') && owner !== undefined && o.customerId instanceof Ref) {
        if (o.customerId.pick % 4 !== 0) out.customerId = owner;
      }
      return out;
    }
    return value;
  }

  /** Remembers the ids of rows an answer describes, so later cases reach real rows. */
  function harvest(path: string, data: unknown) {
    if (typeof data !== 'object' || data === null) return;
    const namespace = path.split('.')[0]!;
    // Gone rows leave the pools: later cases would only hit "deleted"/"disabled" errors.
    const gone = { 'paymentMethods.delete': 'paymentMethods', 'gatewayAccounts.disable': 'gatewayAccounts' };
    const pool = (gone as Record<string, PoolName>)[path];
    if (pool) {
      pools[pool] = pools[pool].filter((id) => id !== (data as { id?: unknown }).id);
      return;
    }
    const replaced = (data as { originalPaymentMethodId?: unknown }).originalPaymentMethodId;
    if (path === 'paymentMethods.replaceCreditCard') {
      pools.paymentMethods = pools.paymentMethods.filter((id) => id !== replaced);
    }
    const o = data as { id?: unknown; apiKey?: { id?: unknown }; data?: unknown[] };
    for (const card of namespace === 'paymentMethods' ? [o, ...(Array.isArray(o.data) ? o.data : [])] : []) {
      const { id, customerId } = card as { id?: unknown; customerId?: unknown };
      if (typeof id === 'number' && typeof customerId === 'number') cardOwner.set(id, customerId);
    }
    const add = (pool: PoolName, id: unknown) => {
      if (pool === 'gatewayAccounts' && protectedAccounts.has(id as number)) return;
      if (typeof id === 'number' && !pools[pool].includes(id)) pools[pool].push(id);
      if (pools[pool].length > 60) pools[pool].shift();
    };
    if (namespace === 'apiKeys') add('apiKeys', o.apiKey?.id ?? o.id);
    else if (namespace in { customers: 1, paymentMethods: 1, gatewayAccounts: 1 }) {
      add(namespace as PoolName, o.id);
      for (const item of Array.isArray(o.data) ? o.data : [])
        add(namespace as PoolName, (item as { id?: unknown }).id);
    }
  }

  /** The fuzz may revoke its own key: mint a new one, so later cases stay authenticated. */
  async function keepKeyAlive(path: string, status: number, data: unknown) {
    if (path !== 'apiKeys.revoke' || status !== 200) return;
    if ((data as { id?: unknown } | undefined)?.id !== keyId) return;
    const issued = await issueApiKey(s.app.database.db, tenantId, 'fuzz', [...scopes]);
    key = issued.secret;
    keyId = issued.apiKey.id;
  }

  /** Status counts per procedure and route, printed with FUZZ_STATS=1 (how deep do the cases reach?). */
  const stats = new Map<string, Map<number, number>>();

  /** `what` names the failing request; `label` groups the status counts. */
  async function check(
    res: Response,
    sent: string,
    what: string,
    label = what,
  ): Promise<{ status: number; body: unknown }> {
    const text = await res.text();
    const counts = stats.get(label) ?? new Map<number, number>();
    counts.set(res.status, (counts.get(res.status) ?? 0) + 1);
    stats.set(label, counts);
    if (process.env.FUZZ_DEBUG && label.includes(process.env.FUZZ_DEBUG))
      console.log(label, res.status, sent.slice(0, 300), '\n   →', text.slice(0, 300));
    // 502–504 with a GATEWAY_* code is the designed answer about Stripe (here the emulator, busy
    // with the jobs the migrations cases start in this very server): not an error of ours.
    if (
      res.status >= 500 &&
      !(
        res.status >= 502 &&
        res.status <= 504 &&
        /"(domainCode|code)":"GATEWAY_|connection to Stripe/.test(text)
      )
    )
      throw new Error(`${what} → ${res.status}: ${text.slice(0, 500)}`);
    for (const run of cardLikeRuns(sent)) {
      if (text.includes(run)) throw new Error(`${what} → the answer repeats a card-like number it was sent`);
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new Error(`${what} → ${res.status} with a body that is not JSON`);
    }
    return { status: res.status, body };
  }

  beforeAll(async () => {
    emulator = await startStripeEmulator();
    // Gateway calls get room to answer on a busy machine, and retries their real backoff: a slow
    // or briefly unreachable emulator is not what this tests. Nor is the per-key rate limit: one
    // key sends every case, and a case answered 429 never reaches the code it fuzzes.
    s = await startTestServer({
      env: { STRIPE_TIMEOUT_MS: '20000', CARDBRIDGE_RATE_LIMIT_PER_KEY: '0' },
      realRetryDelays: true,
    });
    // A tenant of its own whose key holds every scope, platform included (tenants.create).
    const db = s.app.database.db;
    tenantId = (await insertTenant(db, { name: 'fuzz' })).id;
    await createDefaultTestAccount(db, tenantId);
    const issued = await issueApiKey(db, tenantId, 'fuzz', [...scopes]);
    key = issued.secret;
    keyId = issued.apiKey.id;
    ctxBase = { stripeSecretKey, stripeApiBase: emulator.url, connectedAccountId };

    // Rows for valid-shaped inputs to reach: customers, cards of every kind, gateway accounts
    // (the built-in test gateway, Stripe at the emulator, a Stripe Connect account).
    const seeded = await emulator.seedDemo({ customers: 3, cardsPerCustomer: 2 });
    const connected = await emulator.seedDemo({ stripeAccount: connectedAccountId, customers: 2 });
    for (const c of [...seeded, ...connected]) {
      for (const card of [...c.cards, ...c.paymentMethods]) {
        stripeCards.push({ customer: c.id, card: card.id, connected: c.stripeAccount !== null });
      }
    }
    const call = async (path: string, input: unknown) => {
      const res = await send({ path, type: 'mutation', input: undefined }, JSON.stringify(input));
      const { status, body } = await check(res, '', path);
      expect(status, `${path}: ${JSON.stringify(body)}`).toBe(200);
      const data = (body as { result: { data: unknown } }).result.data;
      harvest(path, data);
      return data as { id: number };
    };
    const stripe = { type: 'stripe', secretKey: stripeSecretKey, apiBase: emulator.url };
    pools.stripeAccounts.push((await call('gatewayAccounts.create', stripe)).id);
    pools.connectAccounts.push((await call('gatewayAccounts.create', { ...stripe, connectedAccountId })).id);
    for (const id of [...pools.stripeAccounts, ...pools.connectAccounts]) protectedAccounts.add(id);
    const accounts = await send({ path: 'gatewayAccounts.list', type: 'query', input: undefined }, undefined);
    const listed = ((await accounts.json()) as { result: { data: { id: number; isDefault: boolean }[] } })
      .result.data;
    for (const a of listed) if (a.isDefault) protectedAccounts.add(a.id);
    harvest('gatewayAccounts.list', { data: listed });
    pools.gatewayAccounts = pools.gatewayAccounts.filter((id) => !protectedAccounts.has(id));
    for (let i = 0; i < 3; i++) {
      const customer = await call('customers.create', { firstName: 'Fuzz', lastName: `Customer ${i}` });
      await call('paymentMethods.createFromToken', { customerId: customer.id, token: 'tok_visa' });
      await call('paymentMethods.createCard', {
        customerId: customer.id,
        cardNumber: freshCardNumber(),
        expirationMonth: 12,
        expirationYear: (new Date().getUTCFullYear() % 100) + 2,
        firstName: 'Fuzz',
        lastName: 'Card',
      });
    }
  });

  afterAll(async () => {
    if (process.env.FUZZ_STATS) {
      console.log('pools', JSON.stringify(pools));
      for (const [label, counts] of stats) {
        const line = [...counts].sort(([a], [b]) => a - b).map(([status, n]) => `${status}×${n}`);
        console.log(`${label.padEnd(64)} ${line.join(' ')}`);
      }
    }
    await s?.app.close();
    await emulator?.close();
  });

  /** A tRPC call as an HTTP client makes it: GET with `?input=` for queries, POST for mutations. */
  function send(p: Procedure, text: string | undefined): Promise<Response> {
    const headers: Record<string, string> = { authorization: `Basic ${key}` };
    if (p.type === 'query') {
      const wellFormed = text === undefined ? undefined : toWellFormed(text);
      const qs = wellFormed === undefined ? '' : `?input=${encodeURIComponent(wellFormed)}`;
      return fetch(`${s.url}/trpc/${p.path}${qs}`, { headers });
    }
    headers['content-type'] = 'application/json'; // tRPC refuses a POST without it (415)
    return fetch(`${s.url}/trpc/${p.path}`, { method: 'POST', headers, body: text });
  }

  const procedures = routerProcedures();

  it('covers every procedure the scope table knows, and no other', () => {
    expect(procedures.map((p) => p.path).sort()).toEqual(Object.keys(procedureScopes).sort());
  });

  describe.each(procedures)('tRPC $path', (p) => {
    it(
      `${numRuns} cases`,
      async () => {
        const ctx: SchemaContext = { ...ctxBase, procedure: p.path };
        const input = inputFor(p.input, ctx);
        const request = fc.oneof(
          { weight: 9, arbitrary: input.map((value) => ({ value, raw: undefined as string | undefined })) },
          { weight: 1, arbitrary: rawText(input).map((raw) => ({ value: undefined as unknown, raw })) },
        );
        await fc.assert(
          fc.asyncProperty(request, async ({ value, raw }) => {
            const resolved = hermetic(p.path, resolve(value, p.path), emulator.url);
            const text = raw ?? (resolved === undefined ? undefined : JSON.stringify(resolved));
            const { status, body } = await check(await send(p, text), text ?? '', p.path);
            const data = (body as { result?: { data?: unknown } }).result?.data;
            if (status === 200) harvest(p.path, data);
            await keepKeyAlive(p.path, status, data);
          }),
          { numRuns, ...(seed === undefined ? {} : { seed }) },
        );
      },
      perTestTimeout,
    );
  });

  describe.each(restRoutes.map((route) => ({ name: `${route.method} ${route.path}`, route })))(
    'REST $name',
    ({ route }) => {
      it(
        `${numRuns} cases`,
        async () => {
          const ctx: SchemaContext = { ...ctxBase, procedure: route.procedure };
          await fc.assert(
            fc.asyncProperty(restRequest(route, ctx), async (r) => {
              const path = route.path.replace(/\{(\w+)\}/g, (_, name: string) => {
                return String(resolve(r.params[name], route.procedure));
              });
              const query = Object.entries(r.query)
                .map(
                  ([k, v]) =>
                    `${encodeURIComponent(k)}=${encodeURIComponent(toWellFormed(String(resolve(v, route.procedure))))}`,
                )
                .join('&');
              const url = `${s.url}${path}${query ? `?${query}` : ''}`;
              const body =
                r.raw ??
                (r.body === undefined ? undefined : JSON.stringify(resolve(r.body, route.procedure)));
              const headers: Record<string, string> = { authorization: `Basic ${key}` };
              if (body !== undefined) headers['content-type'] = r.contentType;
              const res = await fetch(url, {
                method: route.method,
                headers,
                ...(body !== undefined && route.method !== 'GET' ? { body } : {}),
              });
              const { status, body: answer } = await check(
                res,
                `${url} ${body ?? ''}`,
                `${route.method} ${path}`,
                `${route.method} ${route.path}`,
              );
              if (status === 200) harvest(route.procedure, answer);
            }),
            { numRuns, ...(seed === undefined ? {} : { seed }) },
          );
        },
        perTestTimeout,
      );
    },
  );

  it('the server is still up and its database reachable', async () => {
    expect((await fetch(`${s.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${s.url}/readyz`)).status).toBe(200);
    const res = await fetch(`${s.url}/trpc/customers.list?input=${encodeURIComponent('{}')}`, {
      headers: { authorization: `Basic ${key}` },
    });
    expect(res.status).toBe(200);
  });
});

/** A path segment as a client might send it: an id, a hostile number or string, or broken encoding. */
const pathSegment = (pool: PoolName) =>
  fc.oneof(
    { weight: 5, arbitrary: fc.nat({ max: 1000 }).map((n) => new Ref(pool, n)) },
    { weight: 2, arbitrary: nastyNumber.map((n) => String(n)) },
    { weight: 2, arbitrary: nastyString.map((v) => encodeURIComponent(toWellFormed(v))) },
    {
      weight: 1,
      arbitrary: fc.constantFrom('%00', '%ED%A0%80', '%', '%zz', '..', '2147483648', '1.5', '-0'),
    },
  );

interface RestCase {
  params: Record<string, unknown>;
  query: Record<string, unknown>;
  body: unknown;
  raw: string | undefined;
  contentType: string;
}

function restRequest(route: AnyRestRoute, ctx: SchemaContext): fc.Arbitrary<RestCase> {
  const paramNames = [...route.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
  const params = fc.record(
    Object.fromEntries(
      paramNames.map((name) => [name, pathSegment(name === 'customerId' ? 'customers' : 'paymentMethods')]),
    ),
  );
  // Declared query parameters get values a client would send, mostly; any key gets junk.
  const junk = fc.oneof(nastyNumber.map(String), nastyString);
  const declaredValue = (name: string) =>
    fc.oneof({ weight: 4, arbitrary: queryValueFor(name) }, { weight: 1, arbitrary: junk });
  const declared = Object.keys(route.query ?? {});
  const query = fc
    .tuple(
      fc.record(Object.fromEntries(declared.map((name) => [name, declaredValue(name)])), {
        requiredKeys: [],
      }),
      fc.dictionary(fc.string({ maxLength: 6 }), junk, { maxKeys: 2 }),
    )
    .map(([known, extra]) => ({ ...extra, ...known }));
  const body = route.requestSchema
    ? inputFor(route.requestSchema, ctx)
    : fc.option(anyValue, { nil: undefined, freq: 3 });
  return fc.record({
    params,
    query,
    body,
    raw: fc.oneof({ weight: 9, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: rawText(body) }),
    contentType: fc.oneof(
      { weight: 9, arbitrary: fc.constant('application/json') },
      {
        weight: 1,
        arbitrary: fc.constantFrom('text/plain', 'application/x-www-form-urlencoded', 'text/json'),
      },
    ),
  });
}

function queryValueFor(name: string): fc.Arbitrary<unknown> {
  const ref = (pool: PoolName) => fc.nat({ max: 1000 }).map((n) => new Ref(pool, n));
  switch (name) {
    case 'customerId':
      return ref('customers');
    case 'limit':
      return fc.integer({ min: 1, max: 100 }).map(String);
    case 'atGateway':
      return fc.constantFrom('true', 'false', 'True');
    default:
      return ref('paymentMethods');
  }
}

/** `encodeURIComponent` throws on a lone surrogate; a client would have replaced it. */
function toWellFormed(text: string): string {
  return (text as unknown as { toWellFormed(): string }).toWellFormed();
}
