import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { listAuditEvents } from '@cardbridge/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ApiBasePolicy,
  apiBaseRefusal,
  noApiBaseOverrides,
  parseApiBaseAllowList,
} from '../src/gateways/api-base-policy.js';
import { GatewayRegistry } from '../src/gateways/registry.js';
import { createTestApp, errorOf, type TestApp } from './helpers.js';

const secretKey = 'sk_test_tenantSafety01';

/** A Stripe-shaped server that only counts what reaches it: no request may, once refused. */
async function countingServer() {
  let requests = 0;
  const server: Server = createServer((req, res) => {
    requests += 1;
    req.resume();
    res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":{"message":"no"}}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests: () => requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('a key creates keys only within its own scopes', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp();
  });
  afterAll(() => app.close());

  it('an admin-only key cannot mint a cards:export (or cards:intake) key: 403 naming the scopes', async () => {
    const admin = await app.tenant(['admin']);
    const err = await errorOf(() =>
      admin.caller.apiKeys.create({ name: 'exfil', scopes: ['read', 'cards:export', 'cards:intake'] }),
    );
    expect(err.code).toBe('FORBIDDEN');
    expect(err.message).toContain('cards:export');
    expect(err.message).toContain('cards:intake');
    expect(err.message).not.toMatch(/\bread\b/);
    expect((await admin.caller.apiKeys.list({})).length).toBe(1);
  });

  it('scopes the key holds, or that its scopes imply, can be granted', async () => {
    const admin = await app.tenant(['admin', 'cards:export']);
    const created = await admin.caller.apiKeys.create({
      name: 'ok',
      scopes: ['read', 'write', 'imports', 'cards:export'],
    });
    expect(created.apiKey.scopes).toEqual(['read', 'write', 'imports', 'cards:export']);
  });

  it('only the platform creates tenants: no tenant key holds or can grant `platform`', async () => {
    const tenantAdmin = await app.tenant(); // every tenant scope
    expect((await errorOf(() => tenantAdmin.caller.tenants.create({ name: 'x' }))).code).toBe('FORBIDDEN');
    const grant = await errorOf(() =>
      tenantAdmin.caller.apiKeys.create({ name: 'x', scopes: ['platform' as never] }),
    );
    expect(grant.code).toBe('BAD_REQUEST');
  });

  it('audits a scope denial (403) with key, procedure and the scope it lacked', async () => {
    const reader = await app.tenant(['read']);
    expect((await errorOf(() => reader.caller.customers.create({}))).code).toBe('FORBIDDEN');
    const [event] = await listAuditEvents(app.deps.db, reader.tenantId, { action: 'auth.forbidden' });
    expect(event).toMatchObject({
      tenantId: reader.tenantId,
      actorKeyId: reader.key.slice(4, 16),
      outcome: 'failure',
      origin: 'internal',
      details: { procedure: 'customers.create', requiredScope: 'write' },
    });
  });
});

describe('apiBase allow-list: parsed URLs, not string prefixes', () => {
  const policy: ApiBasePolicy = {
    allowList: parseApiBaseAllowList(' https://stripe-proxy.example.com/stripe , http://10.0.0.5:12111 '),
    allowLoopback: false,
  };
  const loopback: ApiBasePolicy = { allowList: [], allowLoopback: true };

  it.each([
    'https://stripe-proxy.example.com/stripe',
    'https://stripe-proxy.example.com/stripe/',
    'https://STRIPE-PROXY.example.com:443/stripe/v1',
    'http://10.0.0.5:12111',
  ])('allows %s', (url) => {
    expect(apiBaseRefusal(policy, url)).toBeNull();
  });

  it.each([
    'https://stripe-proxy.example.com/stripe-evil',
    'https://stripe-proxy.example.com/',
    'http://stripe-proxy.example.com/stripe',
    'https://stripe-proxy.example.com:8443/stripe',
    'https://stripe-proxy.example.com.evil.com/stripe',
    'https://stripe-proxy.example.com@evil.com/stripe',
    'https://user:pw@stripe-proxy.example.com/stripe',
    'https://stripe-proxy.example.com/stripe?x=1',
    'http://10.0.0.5:12112',
    'http://10.0.0.50:12111',
    'http://127.0.0.1:12111',
    'ftp://stripe-proxy.example.com/stripe',
    'not a url',
  ])('refuses %s', (url) => {
    expect(apiBaseRefusal(policy, url)).not.toBeNull();
  });

  it.each(['http://127.0.0.1:12111', 'http://127.1.2.3', 'http://localhost:8080/x', 'http://[::1]:9000'])(
    'treats %s as loopback',
    (url) => {
      expect(apiBaseRefusal(loopback, url)).toBeNull();
    },
  );

  it.each([
    'http://127.0.0.1.evil.com',
    'http://127.0.0.1@evil.com',
    'http://localhost.evil.com',
    'http://0.0.0.0:12111',
    'http://10.0.0.1',
    'http://169.254.169.254/latest/meta-data',
  ])('does not treat %s as loopback', (url) => {
    expect(apiBaseRefusal(loopback, url)).not.toBeNull();
  });

  it('refuses a malformed allow-list entry at start-up, naming it', () => {
    expect(() => parseApiBaseAllowList('https://ok.example.com, http://u:p@bad.example.com')).toThrow(
      /bad\.example\.com/,
    );
  });
});

describe('gateway accounts: apiBase only where the server allows', () => {
  let app: TestApp;
  let gateway: Awaited<ReturnType<typeof countingServer>>;
  beforeAll(async () => {
    app = await createTestApp(); // loopback allowed, as outside production
    gateway = await countingServer();
  });
  afterAll(async () => {
    await app.close();
    await gateway.close();
  });

  it('an admin key cannot point a Stripe account at an arbitrary URL: 400 naming apiBase, nothing stored', async () => {
    const admin = await app.tenant(['admin']);
    for (const apiBase of [
      'https://attacker.example.com',
      'http://127.0.0.1.evil.com:12111',
      'http://169.254.169.254',
    ]) {
      const err = await errorOf(() =>
        admin.caller.gatewayAccounts.create({ type: 'stripe', secretKey, apiBase }),
      );
      expect(err.code).toBe('BAD_REQUEST');
      expect(err.message).toMatch(/^Invalid input: apiBase: /);
      expect(err.message).not.toContain('attacker');
    }
    expect((await admin.caller.gatewayAccounts.list()).filter((a) => a.type === 'stripe')).toHaveLength(0);
  });

  it('production refuses loopback unless listed', async () => {
    const prod = await createTestApp({ apiBases: { allowList: [], allowLoopback: false } });
    try {
      const admin = await prod.tenant(['admin']);
      const err = await errorOf(() =>
        admin.caller.gatewayAccounts.create({ type: 'stripe', secretKey, apiBase: gateway.url }),
      );
      expect(err.code).toBe('BAD_REQUEST');
      expect(err.message).toContain('apiBase');
    } finally {
      await prod.close();
    }
  });

  it('re-checks at use: an account the server no longer allows is never called', async () => {
    const t = await app.tenant();
    const account = await t.caller.gatewayAccounts.create({
      type: 'stripe',
      secretKey,
      apiBase: gateway.url,
    });
    const customer = await t.caller.customers.create({});
    const input = {
      customerId: customer.id,
      stripeCustomerId: 'cus_X',
      stripeCardId: 'card_X',
      gatewayAccountId: account.id,
    };
    // Allowed: the call reaches the gateway (which fails it).
    await errorOf(() => t.caller.paymentMethods.importStripeCard(input));
    const reached = gateway.requests();
    expect(reached).toBeGreaterThan(0);

    // The operator narrows the allow-list and restarts: the stored account is refused.
    const before = app.deps.gateways;
    app.deps.gateways = new GatewayRegistry(app.deps.vault, {
      db: app.deps.db,
      stripeTimeoutMs: 2_000,
      sleep: async () => {},
      apiBases: noApiBaseOverrides,
    });
    try {
      const err = await errorOf(() => t.caller.paymentMethods.importStripeCard(input));
      expect(err.code).toBe('SERVICE_UNAVAILABLE');
      expect(err.domainCode).toBe('GATEWAY_UNAVAILABLE');
      expect(err.message).toContain('CARDBRIDGE_GATEWAY_API_BASES');
      expect(gateway.requests()).toBe(reached);
    } finally {
      app.deps.gateways = before;
    }
  });
});
