import { listAuditEvents } from '@cardbridge/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { capturedLogs, createTestApp, type TestApp, type TestTenant } from './helpers.js';

describe('audit trail and logs', () => {
  let app: TestApp;
  let t: TestTenant;
  beforeAll(async () => {
    app = await createTestApp();
    t = await app.tenant();
  });
  afterAll(() => app.close());

  const eventsOf = (tenantId: number) => listAuditEvents(app.deps.db, tenantId);

  it('records every mutation with actor key, action, target, outcome and origin', async () => {
    const c = await t.caller.customers.create({ firstName: 'Audit' });
    const card = await t.addCard(c.id);
    await t.caller.paymentMethods.delete({ id: card.id });
    await t.caller.paymentMethods.delete({ id: card.id }).catch(() => {});
    await t.caller.customers.get({ id: c.id }); // a query: not audited
    const events = await eventsOf(t.tenantId);
    const keyId = t.key.slice(4, 16);
    expect(events.map((e) => [e.action, e.targetId, e.outcome, e.actorKeyId])).toEqual([
      ['paymentMethods.delete', String(card.id), 'failure', keyId],
      ['paymentMethods.delete', String(card.id), 'success', keyId],
      ['customers.create', String(c.id), 'success', keyId],
    ]);
    expect(events[0]!.details).toMatchObject({ errorCode: 'PAYMENT_METHOD_DELETED' });
    expect(events[0]!.origin).toBe('internal');
  });

  it('audits a refused input whose id is a hostile object as a 400 with no target, never a 500', async () => {
    const other = await app.tenant();
    const hostile = { id: { toString: '' } } as unknown as { id: number };
    await expect(other.caller.paymentMethods.setDefault(hostile)).rejects.toMatchObject({
      code: 'BAD_REQUEST',
    });
    const [event] = await eventsOf(other.tenantId);
    expect(event).toMatchObject({ action: 'paymentMethods.setDefault', outcome: 'failure', targetId: null });
  });

  it('records failed authentication without the secret', async () => {
    const bogus = `cbk_abcdefabcdef_${'Z'.repeat(43)}`;
    await app
      .callerFor(bogus)
      .customers.list({})
      .catch(() => {});
    const [event] = await listAuditEvents(app.deps.db, null, { action: 'auth.failed', limit: 1 });
    expect(event).toMatchObject({ tenantId: null, actorKeyId: 'abcdefabcdef', outcome: 'failure' });
    expect(JSON.stringify(event)).not.toContain('Z'.repeat(43));
  });

  it('never logs an API key secret or a card number', async () => {
    app.deps.logger.info(
      { req: { headers: { authorization: `Basic ${t.key}` } } },
      'request with auth header',
    );
    app.deps.logger.info(
      { cardNumber: '4111111111111111', nested: { note: 'card 4111 1111 1111 1111 on file' } },
      'x',
    );
    app.deps.logger.warn('free text with 5555555555554444 inside');
    const all = capturedLogs.join('\n');
    expect(all).toContain('request with auth header');
    expect(all).not.toContain(t.key);
    expect(all).not.toMatch(/4111\s?1111\s?1111\s?1111/);
    expect(all).not.toContain('5555555555554444');
    expect(all).toContain('4444');
  });
});
