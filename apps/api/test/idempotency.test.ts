import { createInternalContext } from '@cardbridge/api/src/context.js';
import { idempotencyRetentionMs, purgeExpiredIdempotencyKeys } from '@cardbridge/api/src/idempotency.js';
import { openOutput, requestHash, storedKey } from '@cardbridge/api/src/idempotency-records.js';
import { appRouter } from '@cardbridge/api/src/routers/index.js';
import { recordChange } from '@cardbridge/api/src/services/audit.js';
import { createCallerFactory, protectedProcedure, router } from '@cardbridge/api/src/trpc.js';
import { freshCardNumber, freshCvv } from '@cardbridge/api/test/card-data.js';
import { createCustomerInput, customerDto, type TestGateway, toCustomerDto } from '@cardbridge/core';
import { claimIdempotencyKey, insertCustomer, schema } from '@cardbridge/db';
import { dumpAllTables } from '@cardbridge/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, errorOf, startTestServer, type TestApp, type TestTenant } from './helpers.js';

const createCaller = createCallerFactory(appRouter);

const holder = {
  expirationMonth: 10,
  expirationYear: 30,
  firstName: 'Ada',
  lastName: 'Lovelace',
};

let keyCounter = 0;
/** A key no other test uses. */
const newKey = () => `idem-${process.pid}-${++keyCounter}-${Math.random().toString(36).slice(2)}`;

interface Gate {
  /** Resolves once the held call has started. */
  reached: Promise<void>;
  release: () => void;
}

/** Holds the gateway's next createCardFromNumber until released: a request caught mid-flight. */
function holdNextCardCreation(gateway: TestGateway): Gate {
  const original = gateway.createCardFromNumber.bind(gateway);
  let reached!: () => void;
  let release!: () => void;
  const reachedP = new Promise<void>((r) => {
    reached = r;
  });
  const released = new Promise<void>((r) => {
    release = r;
  });
  gateway.createCardFromNumber = async (...args) => {
    gateway.createCardFromNumber = original;
    reached();
    await released;
    return original(...args);
  };
  return { reached: reachedP, release };
}

/** A caller sending an Idempotency-Key; `headers` collects the response headers it set. */
function keyedCaller(app: TestApp, apiKey: string, idempotencyKey: string | undefined) {
  const headers: Record<string, string> = {};
  const caller = createCaller(
    createInternalContext(app.deps, `Bearer ${apiKey}`, {
      ...(idempotencyKey === undefined ? {} : { idempotencyKey }),
      setResponseHeader: (name, value) => {
        headers[name.toLowerCase()] = value;
      },
    }),
  );
  return { caller, headers };
}

async function idempotencyRows(app: TestApp, tenantId: number) {
  const rows = await app.database.db.select().from(schema.idempotencyKeys);
  return rows.filter((r) => r.tenantId === tenantId);
}

describe('Idempotency-Key through createCaller', () => {
  let now = new Date('2026-11-22T12:00:00Z');
  let app: TestApp;
  let t: TestTenant;
  let gateway: TestGateway;

  beforeAll(async () => {
    app = await createTestApp({ clock: () => now });
    t = await app.tenant();
    const accountId = (await t.caller.gatewayAccounts.list()).find((a) => a.isDefault)!.id;
    gateway = app.deps.gateways.testGateway(accountId);
  });
  afterAll(() => app.close());

  const customersNamed = async (tenant: TestTenant, lastName: string) =>
    (await tenant.caller.customers.list({ limit: 100 })).data.filter((c) => c.lastName === lastName);

  it('replays the stored output for the same key and request, flagged as a replay', async () => {
    const key = newKey();
    const first = keyedCaller(app, t.key, key);
    const created = await first.caller.customers.create({ firstName: 'Once', lastName: key });
    expect(first.headers['idempotent-replayed']).toBeUndefined();

    const second = keyedCaller(app, t.key, key);
    const replayed = await second.caller.customers.create({ firstName: 'Once', lastName: key });
    expect(replayed).toEqual(created);
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(await customersNamed(t, key)).toHaveLength(1);

    // Without a key, nothing changes: the same request makes a second customer.
    await t.caller.customers.create({ firstName: 'Once', lastName: key });
    expect(await customersNamed(t, key)).toHaveLength(2);
  });

  it('hashes the request canonically: key order does not matter', async () => {
    const key = newKey();
    const a = await keyedCaller(app, t.key, key).caller.customers.create({ firstName: 'A', lastName: key });
    const replay = keyedCaller(app, t.key, key);
    expect(await replay.caller.customers.create({ lastName: key, firstName: 'A' })).toEqual(a);
    expect(replay.headers['idempotent-replayed']).toBe('true');
  });

  it('refuses the same key with a different input or another procedure (422)', async () => {
    const key = newKey();
    const created = await keyedCaller(app, t.key, key).caller.customers.create({ lastName: key });
    const otherInput = await errorOf(() =>
      keyedCaller(app, t.key, key).caller.customers.create({ lastName: `${key}-other` }),
    );
    expect(otherInput).toMatchObject({ code: 'UNPROCESSABLE_CONTENT', domainCode: 'IDEMPOTENCY_MISMATCH' });
    expect(otherInput.message).toMatch(/Idempotency-Key was already used with a different request/);
    const otherProcedure = await errorOf(() =>
      keyedCaller(app, t.key, key).caller.customers.update({ id: created.id, lastName: key }),
    );
    expect(otherProcedure.domainCode).toBe('IDEMPOTENCY_MISMATCH');
    expect(await customersNamed(t, `${key}-other`)).toHaveLength(0);
  });

  it('scopes keys to the tenant: one key, two tenants, two independent results', async () => {
    const other = await app.tenant();
    const key = newKey();
    const mine = keyedCaller(app, t.key, key);
    const theirs = keyedCaller(app, other.key, key);
    const a = await mine.caller.customers.create({ lastName: key });
    const b = await theirs.caller.customers.create({ lastName: key });
    expect(b.id).not.toBe(a.id);
    expect(theirs.headers['idempotent-replayed']).toBeUndefined();
    expect(await customersNamed(t, key)).toHaveLength(1);
    expect(await customersNamed(other, key)).toHaveLength(1);
    // And a different request under that key in the other tenant is its own business.
    await expect(
      keyedCaller(app, other.key, newKey()).caller.customers.create({ lastName: `${key}-x` }),
    ).resolves.toBeTruthy();
  });

  it('replays a 4xx outcome as the same error, even when the request would now succeed', async () => {
    const reference = newKey();
    const holderOfRef = await t.caller.customers.create({ lastName: 'ref', reference });
    const key = newKey();
    const first = await errorOf(() =>
      keyedCaller(app, t.key, key).caller.customers.create({ lastName: 'dup', reference }),
    );
    expect(first).toMatchObject({ code: 'CONFLICT', domainCode: 'CONFLICT' });

    // The conflict goes away…
    await t.caller.customers.update({ id: holderOfRef.id, reference: `${reference}-moved` });
    // …but the key answers what it answered the first time.
    const again = keyedCaller(app, t.key, key);
    expect(await errorOf(() => again.caller.customers.create({ lastName: 'dup', reference }))).toEqual(first);
    expect(again.headers['idempotent-replayed']).toBe('true');

    const missing = newKey();
    const notFound = await errorOf(() =>
      keyedCaller(app, t.key, missing).caller.paymentMethods.setDefault({ id: 987_654 }),
    );
    expect(notFound).toMatchObject({ code: 'NOT_FOUND', domainCode: 'PAYMENT_METHOD_NOT_FOUND' });
    const replay = keyedCaller(app, t.key, missing);
    expect(await errorOf(() => replay.caller.paymentMethods.setDefault({ id: 987_654 }))).toEqual(notFound);
    expect(replay.headers['idempotent-replayed']).toBe('true');
  });

  it('stores no 5xx: after a gateway outage the same key executes again', async () => {
    const customerId = (await t.caller.customers.create({ lastName: 'outage' })).id;
    const key = newKey();
    const input = { customerId, cardNumber: freshCardNumber(), ...holder, verify: true };
    gateway.failNext('unavailable', { operations: ['createCustomer', 'createCardFromNumber'] });
    const failed = await errorOf(() => keyedCaller(app, t.key, key).caller.paymentMethods.createCard(input));
    expect(failed.domainCode).toBe('GATEWAY_UNAVAILABLE');
    expect(await idempotencyRows(app, t.tenantId)).not.toContainEqual(
      expect.objectContaining({ key: storedKey(app.deps.masterKey, key) }),
    );

    const retry = keyedCaller(app, t.key, key);
    const card = await retry.caller.paymentMethods.createCard(input);
    expect(retry.headers['idempotent-replayed']).toBeUndefined();
    expect(card.customerId).toBe(customerId);
    expect(await t.caller.paymentMethods.list({ customerId })).toMatchObject({ data: [{ id: card.id }] });
  });

  it('stores no input validation failure: the key stays free for the corrected request', async () => {
    const key = newKey();
    const invalid = await errorOf(() =>
      keyedCaller(app, t.key, key).caller.customers.create({ lastName: key, email: 'not an email' }),
    );
    expect(invalid.code).toBe('BAD_REQUEST');
    const fixed = keyedCaller(app, t.key, key);
    await expect(
      fixed.caller.customers.create({ lastName: key, email: 'ada@example.com' }),
    ).resolves.toMatchObject({
      email: 'ada@example.com',
    });
    expect(fixed.headers['idempotent-replayed']).toBeUndefined();
  });

  it('answers 409 while the first request is in flight, then replays its result', async () => {
    const customerId = (await t.caller.customers.create({ lastName: 'in-flight' })).id;
    const key = newKey();
    const input = { customerId, cardNumber: freshCardNumber(), ...holder, verify: true };
    const gate = holdNextCardCreation(gateway);
    const first = keyedCaller(app, t.key, key).caller.paymentMethods.createCard(input);
    await gate.reached;

    const concurrent = await errorOf(() =>
      keyedCaller(app, t.key, key).caller.paymentMethods.createCard(input),
    );
    expect(concurrent).toMatchObject({ code: 'CONFLICT', domainCode: 'IDEMPOTENCY_IN_FLIGHT' });
    expect(concurrent.message).toMatch(/still being processed; retry later/);

    gate.release();
    const card = await first;
    const later = keyedCaller(app, t.key, key);
    expect(await later.caller.paymentMethods.createCard(input)).toEqual(card);
    expect(later.headers['idempotent-replayed']).toBe('true');
    expect((await t.caller.paymentMethods.list({ customerId })).data).toHaveLength(1);
  });

  it('lets the next request take over a key whose in-flight lease has passed (its request died)', async () => {
    const key = newKey();
    const input = { firstName: 'Lease', lastName: key };
    // A request claimed the key and died before completing it.
    const dead = await claimIdempotencyKey(app.database.db, {
      tenantId: t.tenantId,
      key: storedKey(app.deps.masterKey, key),
      requestHash: requestHash(app.deps.masterKey, 'customers.create', input),
      procedure: 'customers.create',
      now,
      leaseMs: app.deps.idempotencyLeaseMs,
      retainedSince: new Date(now.getTime() - idempotencyRetentionMs),
    });
    expect(dead.kind).toBe('owned');

    // Within its lease it still counts as running.
    const early = await errorOf(() => keyedCaller(app, t.key, key).caller.customers.create(input));
    expect(early.domainCode).toBe('IDEMPOTENCY_IN_FLIGHT');
    expect(await customersNamed(t, key)).toHaveLength(0);

    now = new Date(now.getTime() + app.deps.idempotencyLeaseMs + 1);
    const takeover = keyedCaller(app, t.key, key);
    const created = await takeover.caller.customers.create(input);
    expect(takeover.headers['idempotent-replayed']).toBeUndefined();
    const replay = keyedCaller(app, t.key, key);
    expect(await replay.caller.customers.create(input)).toEqual(created);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(await customersNamed(t, key)).toHaveLength(1);
  });

  it('keeps records 24 hours: afterwards the key is new again, and the purge removes them', async () => {
    const key = newKey();
    await keyedCaller(app, t.key, key).caller.customers.create({ lastName: key });
    const stored = storedKey(app.deps.masterKey, key);
    const rowOf = async () => (await idempotencyRows(app, t.tenantId)).find((r) => r.key === stored);
    expect(await rowOf()).toMatchObject({ state: 'completed', procedure: 'customers.create' });

    now = new Date(now.getTime() + idempotencyRetentionMs - 1);
    expect(await purgeExpiredIdempotencyKeys(app.deps)).toBeGreaterThanOrEqual(0);
    expect(await rowOf()).toBeDefined();
    // Just inside the 24 h, a different request is still a mismatch.
    expect(
      (await errorOf(() => keyedCaller(app, t.key, key).caller.customers.create({ lastName: `${key}-b` })))
        .domainCode,
    ).toBe('IDEMPOTENCY_MISMATCH');

    now = new Date(now.getTime() + 2);
    // Past 24 h the old record is ignored (and overwritten) even before a purge…
    const fresh = keyedCaller(app, t.key, key);
    await fresh.caller.customers.create({ lastName: `${key}-b` });
    expect(fresh.headers['idempotent-replayed']).toBeUndefined();
    expect(await customersNamed(t, `${key}-b`)).toHaveLength(1);

    // …and the purge deletes whatever is older than 24 h.
    const old = newKey();
    await keyedCaller(app, t.key, old).caller.customers.create({ lastName: old });
    now = new Date(now.getTime() + idempotencyRetentionMs + 1);
    expect(await purgeExpiredIdempotencyKeys(app.deps)).toBeGreaterThanOrEqual(2);
    expect(await idempotencyRows(app, t.tenantId)).toEqual([]);
  });

  it('refuses an invalid key with a 400 naming the header; queries ignore the header', async () => {
    for (const bad of ['', 'x'.repeat(256), 'caf\u00e9', 'tab\there', 'line\nbreak']) {
      const e = await errorOf(() =>
        keyedCaller(app, t.key, bad).caller.customers.create({ lastName: 'bad' }),
      );
      expect(e).toMatchObject({ code: 'BAD_REQUEST', domainCode: 'VALIDATION_FAILED' });
      expect(e.message).toContain('Idempotency-Key');
    }
    await expect(
      keyedCaller(app, t.key, 'x'.repeat(255)).caller.customers.create({ lastName: 'max' }),
    ).resolves.toBeTruthy();

    const before = (await idempotencyRows(app, t.tenantId)).length;
    const key = newKey();
    await keyedCaller(app, t.key, key).caller.customers.list({});
    await keyedCaller(app, t.key, key).caller.customers.list({ limit: 5 });
    await expect(keyedCaller(app, t.key, '').caller.customers.list({})).resolves.toBeTruthy();
    expect(await idempotencyRows(app, t.tenantId)).toHaveLength(before);
  });

  it('replays a new API key with its secret, which the table holds only sealed', async () => {
    const key = newKey();
    const first = await keyedCaller(app, t.key, key).caller.apiKeys.create({ name: 'ci', scopes: ['read'] });
    const replay = keyedCaller(app, t.key, key);
    expect(await replay.caller.apiKeys.create({ name: 'ci', scopes: ['read'] })).toEqual(first);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect((await t.caller.apiKeys.list()).filter((k) => k.name === 'ci')).toHaveLength(1);
    expect(await dumpAllTables(app.database.db)).not.toContain(first.secret);
  });

  it('stores neither the card number nor the key in clear, only HMACs and the masked output', async () => {
    const customerId = (await t.caller.customers.create({ lastName: 'pan-scan' })).id;
    const number = freshCardNumber();
    const cvv = freshCvv();
    // The worst case: a client uses the card number itself as its key.
    const card = await keyedCaller(app, t.key, number).caller.paymentMethods.createCard({
      customerId,
      cardNumber: number,
      cvv,
      ...holder,
    });
    const mismatch = await errorOf(() =>
      keyedCaller(app, t.key, number).caller.paymentMethods.createCard({
        customerId,
        cardNumber: freshCardNumber(),
        ...holder,
      }),
    );
    expect(mismatch.domainCode).toBe('IDEMPOTENCY_MISMATCH');
    expect(mismatch.message).not.toContain(number);

    const rows = await idempotencyRows(app, t.tenantId);
    const key = storedKey(app.deps.masterKey, number);
    const row = rows.find((r) => r.key === key)!;
    expect(row).toMatchObject({
      state: 'completed',
      response: { outcome: 'ok', sealed: expect.any(String) },
    });
    const sealed = (row.response as { sealed: string }).sealed;
    expect(openOutput(app.deps.masterKey, { tenantId: t.tenantId, key }, sealed)).toEqual(card);
    // Bound to its record: it does not open as another tenant's.
    expect(() => openOutput(app.deps.masterKey, { tenantId: t.tenantId + 1, key }, sealed)).toThrow();
    const table = JSON.stringify(rows);
    expect(table).not.toContain(number);
    expect(table).not.toContain(number.slice(0, 12));
    expect(table).not.toContain(`"${cvv}"`);
    const dump = await dumpAllTables(app.database.db);
    expect(dump).not.toContain(number);
  });
});

/**
 * A mutation on the write pipeline: its change and `recordChange` in one transaction, so the
 * Idempotency-Key record is completed by `actor.onCommit` inside it. The hooks stand in for a
 * request that is slow before its transaction, or dies right after it committed.
 */
const hooks: {
  beforeTransaction?: () => Promise<void>;
  afterCommit?: () => Promise<void>;
  failInTx?: boolean;
} = {};
const pipelineRouter = router({
  customers: router({
    create: protectedProcedure
      .input(createCustomerInput)
      .output(customerDto)
      .mutation(async ({ ctx, input }) => {
        await hooks.beforeTransaction?.();
        const output = await ctx.deps.db.transaction(async (tx) => {
          const row = await insertCustomer(tx, ctx.principal.tenantId, input);
          const dto = await recordChange(
            tx,
            ctx.principal,
            { action: 'customers.create', targetType: 'customers', targetId: row.id },
            toCustomerDto(row),
          );
          if (hooks.failInTx) throw new Error('failure after recordChange, inside the transaction');
          return dto;
        });
        await hooks.afterCommit?.();
        return output;
      }),
  }),
});
const createPipelineCaller = createCallerFactory(pipelineRouter);

describe('Idempotency-Key on the write pipeline (completed inside the change transaction)', () => {
  let now = new Date('2026-11-22T12:00:00Z');
  let app: TestApp;
  let t: TestTenant;

  beforeAll(async () => {
    app = await createTestApp({ clock: () => now });
    t = await app.tenant();
  });
  afterAll(() => app.close());

  const pipelineCaller = (key: string) => {
    const headers: Record<string, string> = {};
    const caller = createPipelineCaller(
      createInternalContext(app.deps, `Bearer ${t.key}`, {
        idempotencyKey: key,
        setResponseHeader: (name, value) => {
          headers[name.toLowerCase()] = value;
        },
      }),
    );
    return { caller, headers };
  };
  const customersNamed = async (lastName: string) =>
    (await t.caller.customers.list({ limit: 100 })).data.filter((c) => c.lastName === lastName);

  it('has the response stored once the change commits, even if the request never answers', async () => {
    const key = newKey();
    let reachedAfterCommit!: () => void;
    const committed = new Promise<void>((r) => {
      reachedAfterCommit = r;
    });
    // The first request commits, then hangs for ever (as if the process died right there).
    hooks.afterCommit = () => {
      hooks.afterCommit = undefined;
      reachedAfterCommit();
      return new Promise<void>(() => {});
    };
    void pipelineCaller(key).caller.customers.create({ lastName: key });
    await committed;

    const replay = pipelineCaller(key);
    const replayed = await replay.caller.customers.create({ lastName: key });
    expect(replay.headers['idempotent-replayed']).toBe('true');
    const [row] = await customersNamed(key);
    expect(replayed).toEqual(row);
  });

  it('re-executes a change that did not commit (the record rolls back with it)', async () => {
    const key = newKey();
    hooks.failInTx = true;
    const failed = await errorOf(() => pipelineCaller(key).caller.customers.create({ lastName: key }));
    hooks.failInTx = false;
    expect(failed.code).toBe('INTERNAL_SERVER_ERROR');
    expect(await customersNamed(key)).toHaveLength(0);
    expect((await idempotencyRows(app, t.tenantId)).map((r) => r.key)).not.toContain(
      storedKey(app.deps.masterKey, key),
    );

    const retry = pipelineCaller(key);
    await retry.caller.customers.create({ lastName: key });
    expect(retry.headers['idempotent-replayed']).toBeUndefined();
    expect(await customersNamed(key)).toHaveLength(1);
  });

  it('fences a request whose lease was taken over: it cannot commit, so one key makes one change', async () => {
    const key = newKey();
    let reached!: () => void;
    let release!: () => void;
    const slowStarted = new Promise<void>((r) => {
      reached = r;
    });
    const go = new Promise<void>((r) => {
      release = r;
    });
    hooks.beforeTransaction = () => {
      hooks.beforeTransaction = undefined;
      reached();
      return go;
    };
    const slow = errorOf(() => pipelineCaller(key).caller.customers.create({ lastName: key }));
    await slowStarted;

    // Its lease runs out; a retry takes the key over and commits.
    now = new Date(now.getTime() + app.deps.idempotencyLeaseMs + 1);
    const retry = await pipelineCaller(key).caller.customers.create({ lastName: key });

    release();
    expect(await slow).toMatchObject({ code: 'CONFLICT', domainCode: 'IDEMPOTENCY_IN_FLIGHT' });
    expect(await customersNamed(key)).toEqual([retry]);
    const replay = pipelineCaller(key);
    expect(await replay.caller.customers.create({ lastName: key })).toEqual(retry);
    expect(replay.headers['idempotent-replayed']).toBe('true');
  });
});

describe('Idempotency-Key over HTTP (tRPC and the REST facade)', () => {
  let s: Awaited<ReturnType<typeof startTestServer>>;
  let auth: string;

  beforeAll(async () => {
    s = await startTestServer();
    auth = `Basic ${s.bootstrapKey}`;
  });
  afterAll(() => s.app.close());

  async function send(method: string, path: string, body: unknown, key?: string, authorization = auth) {
    const res = await fetch(`${s.url}${path}`, {
      method,
      headers: {
        authorization,
        'content-type': 'application/json',
        ...(key === undefined ? {} : { 'idempotency-key': key }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return {
      status: res.status,
      replayed: res.headers.get('idempotent-replayed'),
      body: (await res.json()) as Record<string, unknown> & {
        result?: { data: { id: number } & Record<string, unknown> };
        error?: { message: string; data: { domainCode: string; issues?: { path: string }[] } };
      },
    };
  }
  const trpc = (path: string, input: unknown, key?: string, authorization?: string) =>
    send('POST', `/trpc/${path}`, input, key, authorization);
  const customersNamed = async (lastName: string, authorization = auth) => {
    const res = await fetch(
      `${s.url}/trpc/customers.list?input=${encodeURIComponent(JSON.stringify({ limit: 100 }))}`,
      { headers: { authorization } },
    );
    const body = (await res.json()) as { result: { data: { data: { id: number; lastName: string }[] } } };
    return body.result.data.data.filter((c) => c.lastName === lastName);
  };

  it('tRPC: replays status and body with Idempotent-Replayed: true', async () => {
    const key = newKey();
    const first = await trpc('customers.create', { lastName: key }, key);
    const second = await trpc('customers.create', { lastName: key }, key);
    expect(first.status).toBe(200);
    expect(first.replayed).toBeNull();
    expect(second).toEqual({ ...first, replayed: 'true' });
    expect(await customersNamed(key)).toHaveLength(1);
  });

  it('tRPC: mismatch is a 422, an invalid key a 400 naming the header', async () => {
    const key = newKey();
    await trpc('customers.create', { lastName: key }, key);
    const mismatch = await trpc('customers.create', { lastName: `${key}!` }, key);
    expect(mismatch.status).toBe(422);
    expect(mismatch.body.error?.data.domainCode).toBe('IDEMPOTENCY_MISMATCH');
    for (const bad of ['', 'x'.repeat(256), 'a\tb']) {
      const invalid = await trpc('customers.create', { lastName: 'never' }, bad);
      expect(invalid.status).toBe(400);
      expect(invalid.body.error?.data.issues).toEqual([
        { path: 'Idempotency-Key', message: expect.any(String) },
      ]);
    }
    expect(await customersNamed('never')).toHaveLength(0);
  });

  it('tRPC: 409 while the first request is in flight', async () => {
    const accounts = (await (
      await fetch(`${s.url}/trpc/gatewayAccounts.list`, { headers: { authorization: auth } })
    ).json()) as { result: { data: { id: number; isDefault: boolean }[] } };
    const gateway = s.app.deps.gateways.testGateway(accounts.result.data.find((a) => a.isDefault)!.id);
    const customerId = (await trpc('customers.create', { lastName: 'http-in-flight' })).body.result!.data.id;
    const input = { customerId, cardNumber: freshCardNumber(), ...holder, verify: true };
    const key = newKey();
    const gate = holdNextCardCreation(gateway);
    const first = trpc('paymentMethods.createCard', input, key);
    await gate.reached;
    const concurrent = await trpc('paymentMethods.createCard', input, key);
    expect(concurrent.status).toBe(409);
    expect(concurrent.body.error?.data.domainCode).toBe('IDEMPOTENCY_IN_FLIGHT');
    gate.release();
    expect((await first).status).toBe(200);
  });

  it('tRPC: 10 concurrent requests with one key execute once', async () => {
    const key = newKey();
    const responses = await Promise.all(
      Array.from({ length: 10 }, () => trpc('customers.create', { lastName: key }, key)),
    );
    expect(await customersNamed(key)).toHaveLength(1);
    const ok = responses.filter((r) => r.status === 200);
    expect(ok.length).toBeGreaterThanOrEqual(1);
    for (const r of ok) expect(r.body).toEqual(ok[0]!.body);
    expect(ok.filter((r) => r.replayed === null)).toHaveLength(1);
    for (const r of responses.filter((r) => r.status !== 200)) {
      expect(r.status).toBe(409);
      expect(r.body.error?.data.domainCode).toBe('IDEMPOTENCY_IN_FLIGHT');
    }
  });

  it('tRPC: 10 concurrent createCard with one key and one card number make one card', async () => {
    const customerId = (await trpc('customers.create', { lastName: 'concurrent-cards' })).body.result!.data
      .id;
    const input = { customerId, cardNumber: freshCardNumber(), ...holder };
    const key = newKey();
    const responses = await Promise.all(
      Array.from({ length: 10 }, () => trpc('paymentMethods.createCard', input, key)),
    );
    expect(responses.every((r) => r.status === 200 || r.status === 409)).toBe(true);
    const list = await fetch(
      `${s.url}/trpc/paymentMethods.list?input=${encodeURIComponent(JSON.stringify({ customerId }))}`,
      { headers: { authorization: auth } },
    );
    expect(((await list.json()) as { result: { data: { data: unknown[] } } }).result.data.data).toHaveLength(
      1,
    );
  });

  it('tRPC: scoped to the tenant of the API key', async () => {
    const tenants = await Promise.all(
      ['idem-a', 'idem-b'].map(async (name) => {
        const created = await trpc('tenants.create', { name });
        return `Basic ${(created.body.result!.data as unknown as { adminKey: { secret: string } }).adminKey.secret}`;
      }),
    );
    const key = newKey();
    const [a, b] = await Promise.all(
      tenants.map((authorization) => trpc('customers.create', { lastName: key }, key, authorization)),
    );
    expect(a!.status).toBe(200);
    expect(b!.status).toBe(200);
    expect(b!.replayed).toBeNull();
    expect(a!.body.result!.data.id).not.toBe(b!.body.result!.data.id);
    for (const authorization of tenants) expect(await customersNamed(key, authorization)).toHaveLength(1);
  });

  it('REST: replays a created card (status, body, header); one card made', async () => {
    const customerId = (await trpc('customers.create', { lastName: 'rest' })).body.result!.data.id;
    const body = { customerId, cardNumber: freshCardNumber(), cvv: '123', ...holder };
    const key = newKey();
    const first = await send('POST', '/v1/paymentMethods/creditCard', body, key);
    const second = await send('POST', '/v1/paymentMethods/creditCard', body, key);
    expect(first.status).toBe(200);
    expect(first.replayed).toBeNull();
    expect(second).toEqual({ ...first, replayed: 'true' });
    const cards = await send('GET', `/v1/customers/${customerId}/paymentMethods/creditCard`, undefined, key);
    expect(cards.replayed).toBeNull();
    expect(cards.body).toHaveLength(1);
  });

  it('REST: mismatch (422) and in-flight errors in the seed envelope; a 404 replays as 404', async () => {
    const customerId = (await trpc('customers.create', { lastName: 'rest-errors' })).body.result!.data.id;
    const key = newKey();
    await send(
      'POST',
      '/v1/paymentMethods/creditCard',
      { customerId, cardNumber: freshCardNumber(), ...holder },
      key,
    );
    const mismatch = await send(
      'POST',
      '/v1/paymentMethods/creditCard',
      { customerId, cardNumber: freshCardNumber(), ...holder },
      key,
    );
    expect(mismatch.status).toBe(422);
    expect(mismatch.body).toEqual({
      ErrorId: 0,
      HttpStatusCode: 422,
      Errors: [{ Key: 'Api Error', Value: expect.stringMatching(/Idempotency-Key was already used/) }],
    });

    const missing = newKey();
    const notFound = await send('DELETE', '/v1/paymentMethods/987654/creditCard', undefined, missing);
    const again = await send('DELETE', '/v1/paymentMethods/987654/creditCard', undefined, missing);
    expect(notFound.status).toBe(404);
    expect(notFound.replayed).toBeNull();
    expect(again).toEqual({ ...notFound, replayed: 'true' });

    const invalid = await send('DELETE', '/v1/paymentMethods/987654/creditCard', undefined, 'x'.repeat(256));
    expect(invalid.status).toBe(400);
    expect(invalid.body).toMatchObject({ Errors: [{ Key: 'Api Error' }, { Key: 'Idempotency-Key' }] });
  });
});
