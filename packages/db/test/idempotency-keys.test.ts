import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ClaimRequest,
  claimIdempotencyKey,
  completeIdempotencyKey,
  type DatabaseHandle,
  insertTenant,
  purgeIdempotencyKeys,
  releaseIdempotencyKey,
} from '../src/index.js';
import { createTestDatabase } from '../src/testing/index.js';

const day = 24 * 60 * 60 * 1000;

describe('idempotency-keys repository', () => {
  let h: DatabaseHandle;
  let tenantId: number;
  let n = 0;
  const t0 = new Date('2026-11-22T12:00:00Z');
  const at = (ms: number) => new Date(t0.getTime() + ms);
  const request = (overrides: Partial<ClaimRequest> = {}): ClaimRequest => ({
    tenantId,
    key: `k${++n}`,
    requestHash: 'h1',
    procedure: 'customers.create',
    now: t0,
    leaseMs: 60_000,
    retainedSince: at(-day),
    ...overrides,
  });

  beforeAll(async () => {
    h = await createTestDatabase();
    tenantId = (await insertTenant(h.db, { name: 'idem' })).id;
  });
  afterAll(() => h.close());

  it('lets exactly one of 10 concurrent claims own a key', async () => {
    for (let round = 0; round < 5; round++) {
      const req = request();
      const claims = await Promise.all(Array.from({ length: 10 }, () => claimIdempotencyKey(h.db, req)));
      expect(claims.filter((c) => c.kind === 'owned')).toHaveLength(1);
      expect(claims.filter((c) => c.kind !== 'owned').every((c) => c.kind === 'in_flight')).toBe(true);
    }
  });

  it('lets exactly one of 10 concurrent claims take over a dead lease', async () => {
    const req = request();
    const first = await claimIdempotencyKey(h.db, req);
    expect(first.kind).toBe('owned');
    const later = { ...req, now: at(60_001) };
    const claims = await Promise.all(Array.from({ length: 10 }, () => claimIdempotencyKey(h.db, later)));
    expect(claims.filter((c) => c.kind === 'owned')).toHaveLength(1);
    // The dead request's lease no longer counts: it can neither complete nor release.
    if (first.kind !== 'owned') throw new Error('unreachable');
    expect(
      await completeIdempotencyKey(h.db, tenantId, req.key, first.lease, { outcome: 'ok', sealed: 'x' }),
    ).toBe(false);
    expect(await releaseIdempotencyKey(h.db, tenantId, req.key, first.lease)).toBe(false);
  });

  it('replays a completed record, refuses another request, frees a released key', async () => {
    const req = request();
    const claim = await claimIdempotencyKey(h.db, req);
    if (claim.kind !== 'owned') throw new Error('expected to own the key');
    expect(
      await completeIdempotencyKey(h.db, tenantId, req.key, claim.lease, { outcome: 'ok', sealed: 's' }),
    ).toBe(true);
    expect(await claimIdempotencyKey(h.db, req)).toEqual({
      kind: 'replay',
      response: { outcome: 'ok', sealed: 's' },
    });
    expect(await claimIdempotencyKey(h.db, { ...req, requestHash: 'h2' })).toEqual({ kind: 'mismatch' });
    // Even long after its lease, a completed record replays (until 24 h).
    expect((await claimIdempotencyKey(h.db, { ...req, now: at(day - 1) })).kind).toBe('replay');

    const other = request();
    const owned = await claimIdempotencyKey(h.db, other);
    if (owned.kind !== 'owned') throw new Error('expected to own the key');
    expect(await releaseIdempotencyKey(h.db, tenantId, other.key, owned.lease)).toBe(true);
    expect((await claimIdempotencyKey(h.db, { ...other, requestHash: 'h2' })).kind).toBe('owned');
  });

  it('treats a record older than 24 h as absent, and purges it', async () => {
    const req = request();
    const claim = await claimIdempotencyKey(h.db, req);
    if (claim.kind !== 'owned') throw new Error('expected to own the key');
    await completeIdempotencyKey(h.db, tenantId, req.key, claim.lease, { outcome: 'ok', sealed: 's' });
    const nextDay = { ...req, requestHash: 'other', now: at(day + 1), retainedSince: at(1) };
    expect(await claimIdempotencyKey(h.db, nextDay)).toMatchObject({ kind: 'owned', takeover: true });
    expect(await purgeIdempotencyKeys(h.db, at(day))).toBeGreaterThan(0);
    // The taken-over record is a day younger: it stays.
    expect((await claimIdempotencyKey(h.db, nextDay)).kind).toBe('in_flight');
  });
});
