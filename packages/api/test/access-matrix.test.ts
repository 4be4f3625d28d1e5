import { type Scope, scopes } from '@cardbridge/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { grants, procedureScopes } from '../src/auth/procedure-scopes.js';
import { appRouter } from '../src/routers/index.js';
import { createTestApp, type TestApp } from './helpers.js';

type Caller = Awaited<ReturnType<TestApp['tenant']>>['caller'];

/** Calls a procedure by its dotted path with a syntactically valid input. */
function callPath(caller: Caller, path: string) {
  const [group, name] = path.split('.') as [string, string];
  const fn = (caller as unknown as Record<string, Record<string, (i: unknown) => Promise<unknown>>>)[group]![
    name
  ]!;
  const inputs: Record<string, unknown> = {
    'tenants.create': { name: 'x' },
    'apiKeys.create': { name: 'x', scopes: ['read'] },
    'apiKeys.list': {},
    'customers.create': {},
    'customers.list': {},
    'paymentMethods.list': { customerId: 999_999 },
    'paymentMethods.expiring': { within: '60d' },
  };
  return fn(inputs[path] ?? { id: 999_999 });
}

describe('scope table drives access to every procedure', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp();
  });
  afterAll(() => app.close());

  it('names every procedure of the router, and nothing else', () => {
    const routed = Object.keys(appRouter._def.procedures).sort();
    expect(Object.keys(procedureScopes).sort()).toEqual(routed);
  });

  for (const [path, required] of Object.entries(procedureScopes)) {
    it(`${path} needs '${required}'`, async () => {
      const without = scopes.filter((s) => !grants([s], required as Scope));
      const denied = await app.tenant(without.filter((s) => s !== 'platform'));
      const deniedPlatform = without.includes('platform')
        ? denied
        : await app.tenant(without.filter((s) => s !== 'platform'));
      const err = await callPath(deniedPlatform.caller, path).then(
        () => null,
        (e: { code: string }) => e,
      );
      expect(err?.code).toBe('FORBIDDEN');

      const allowed = await app.tenant([required as Scope]);
      const outcome = await callPath(allowed.caller, path).then(
        () => 'ok',
        (e: { code: string }) => e.code,
      );
      expect(['ok', 'NOT_FOUND', 'BAD_REQUEST']).toContain(outcome);
    });
  }

  it('refuses every procedure without a key', async () => {
    for (const path of Object.keys(procedureScopes)) {
      const err = await callPath(app.callerFor(undefined), path).catch((e: { code: string }) => e);
      expect((err as { code: string }).code).toBe('UNAUTHORIZED');
    }
  });
});
