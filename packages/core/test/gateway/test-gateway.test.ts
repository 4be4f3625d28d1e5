import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Cvv, Pan } from '../../src/card/index.js';
import type { DomainError } from '../../src/errors.js';
import { expectGatewayError } from '../../src/gateway/contract.js';
import {
  gatewayErrorKindOf,
  TestGateway,
  testCardNumbers,
  testCards,
  testTokens,
} from '../../src/gateway/index.js';

const year = new Date().getUTCFullYear() + 1;

async function customerWith(gateway: TestGateway) {
  const { externalCustomerId } = await gateway.createCustomer({ idempotencyKey: `c-${Math.random()}` });
  return externalCustomerId;
}

describe('TestGateway', () => {
  it('hands out ids from a fixed tag and a counter when given one', async () => {
    for (let i = 0; i < 2; i++) {
      const gw = new TestGateway({ idTag: 'x1' });
      const c1 = await gw.createCustomer({ idempotencyKey: 'a' });
      const c2 = await gw.createCustomer({ idempotencyKey: 'b' });
      expect([c1.externalCustomerId, c2.externalCustomerId]).toEqual(['tcus_x1_1', 'tcus_x1_2']);
      const card = await gw.createCardFromToken({
        externalCustomerId: 'tcus_x1_1',
        token: 'tok_visa',
        idempotencyKey: 'k',
      });
      expect(card.externalCardId).toBe('tcard_x1_1');
      const charge = await gw.charge({
        ...{ externalCustomerId: 'tcus_x1_1', externalCardId: 'tcard_x1_1' },
        amountMinor: 1,
        currency: 'usd',
        idempotencyKey: 'ch',
      });
      expect(charge.chargeId).toBe('tch_x1_1');
    }
  });

  it('hands out ids that differ between instances (a restarted process does not reuse them)', async () => {
    const ids = async (gw: TestGateway) => {
      const { externalCustomerId } = await gw.createCustomer({ idempotencyKey: 'a' });
      const card = await gw.createCardFromToken({
        externalCustomerId,
        token: 'tok_visa',
        idempotencyKey: 'k',
      });
      const charge = await gw.charge({
        externalCustomerId,
        externalCardId: card.externalCardId,
        amountMinor: 1,
        currency: 'usd',
        idempotencyKey: 'ch',
      });
      return [externalCustomerId, card.externalCardId, charge.chargeId];
    };
    const first = await ids(new TestGateway());
    const second = await ids(new TestGateway());
    expect(first[0]).toMatch(/^tcus_[0-9a-z]{8}_1$/);
    expect(first[1]).toMatch(/^tcard_[0-9a-z]{8}_1$/);
    expect(first[2]).toMatch(/^tch_[0-9a-z]{8}_1$/);
    for (let i = 0; i < first.length; i++) expect(second[i]).not.toBe(first[i]);
    expect(() => new TestGateway({ idTag: 'Not ok' })).toThrow(RangeError);
  });

  it("mirrors Stripe's not-found wording", async () => {
    const gw = new TestGateway();
    const customer = await customerWith(gw);
    await expectGatewayError(
      gw.retrieveCard({ externalCustomerId: customer, externalCardId: 'tcard_9' }),
      'GATEWAY_RESOURCE_NOT_FOUND',
      "No such source: 'tcard_9'",
    );
    const e = await expectGatewayError(
      gw.retrieveCard({ externalCustomerId: 'tcus_9', externalCardId: 'tcard_1' }),
      'GATEWAY_RESOURCE_NOT_FOUND',
    );
    expect(e.message).toBe("No such customer: 'tcus_9'");
    expect(e.details.gateway).toMatchObject({
      code: 'resource_missing',
      statusCode: 404,
      message: e.message,
    });
    await expectGatewayError(
      gw.createCardFromToken({ externalCustomerId: customer, token: 'tok_nope', idempotencyKey: 'x' }),
      'GATEWAY_RESOURCE_NOT_FOUND',
      "No such token: 'tok_nope'",
    );
  });

  it('supports every card of the test-card table by number and by token', async () => {
    const gw = new TestGateway();
    const customer = await customerWith(gw);
    for (const entry of testCards) {
      const pan = Pan.parse(entry.number);
      expect(pan.brand).toBe(entry.brand);
      const create = gw.createCardFromNumber({
        externalCustomerId: customer,
        pan,
        expMonth: 12,
        expYear: year,
        idempotencyKey: `n-${entry.number}`,
      });
      if (entry.behaviour.outcome === 'declined') {
        const e = await expectGatewayError(create, 'GATEWAY_DECLINED', entry.behaviour.decline.message);
        expect(e.details.declineCode).toBe(entry.behaviour.decline.declineCode);
        expect(e.details.gateway?.code).toBe(entry.behaviour.decline.code);
      } else {
        const card = await create;
        expect(card.cardType).toBe(entry.brand);
        expect(card.last4).toBe(entry.number.slice(-4));
      }
      for (const token of entry.tokens) {
        const byToken = gw.createCardFromToken({
          externalCustomerId: customer,
          token,
          idempotencyKey: `t-${token}`,
        });
        if (entry.behaviour.outcome === 'declined') await expectGatewayError(byToken, 'GATEWAY_DECLINED');
        else expect((await byToken).cardType).toBe(entry.brand);
      }
    }
  });

  it('declines on create with the decline codes of the table', async () => {
    const gw = new TestGateway();
    const customer = await customerWith(gw);
    const cases = [
      [testTokens.chargeDeclined, 'card_declined', 'generic_decline'],
      [testTokens.chargeDeclinedInsufficientFunds, 'card_declined', 'insufficient_funds'],
      [testTokens.chargeDeclinedExpiredCard, 'expired_card', 'expired_card'],
      [testTokens.chargeDeclinedProcessingError, 'processing_error', 'processing_error'],
    ] as const;
    for (const [token, code, declineCode] of cases) {
      const e = await expectGatewayError(
        gw.createCardFromToken({ externalCustomerId: customer, token, idempotencyKey: token }),
        'GATEWAY_DECLINED',
      );
      expect(e.details).toMatchObject({
        gatewayKind: 'declined',
        declineCode,
        gateway: { code, statusCode: 402 },
      });
    }
    expect(await gw.cardCount(customer)).toBe(0);
  });

  it('declines charges on a card that attaches but cannot be charged', async () => {
    const gw = new TestGateway();
    const customer = await customerWith(gw);
    const card = await gw.createCardFromToken({
      externalCustomerId: customer,
      token: testTokens.chargeCustomerFail,
      idempotencyKey: 'k',
    });
    await expectGatewayError(
      gw.charge({
        externalCustomerId: customer,
        externalCardId: card.externalCardId,
        amountMinor: 100,
        currency: 'usd',
        idempotencyKey: 'c',
      }),
      'GATEWAY_DECLINED',
      'Your card was declined.',
    );
    expect(await gw.listCharges()).toHaveLength(0);
  });

  it('rejects an expired or impossible expiry like Stripe', async () => {
    const gw = new TestGateway({ now: () => new Date('2030-06-15T00:00:00Z') });
    const customer = await customerWith(gw);
    const base = { externalCustomerId: customer, pan: Pan.parse(testCardNumbers.visa) };
    const e1 = await expectGatewayError(
      gw.createCardFromNumber({ ...base, expMonth: 5, expYear: 2030, idempotencyKey: 'a' }),
      'GATEWAY_DECLINED',
      "Your card's expiration year is invalid.",
    );
    expect(e1.details.gateway?.code).toBe('invalid_expiry_year');
    await expectGatewayError(
      gw.createCardFromNumber({ ...base, expMonth: 13, expYear: 2031, idempotencyKey: 'b' }),
      'GATEWAY_DECLINED',
      "Your card's expiration month is invalid.",
    );
    expect(
      (await gw.createCardFromNumber({ ...base, expMonth: 6, expYear: 2030, idempotencyKey: 'c' })).expYear,
    ).toBe(2030);
  });

  it('fingerprints with an HMAC under a per-instance secret, never a plain hash', async () => {
    const secret = Buffer.alloc(32, 7);
    const gw = new TestGateway({ fingerprintSecret: secret });
    const customer = await customerWith(gw);
    const card = await gw.createCardFromNumber({
      externalCustomerId: customer,
      pan: Pan.parse(testCardNumbers.visa),
      expMonth: 1,
      expYear: year,
      idempotencyKey: 'k',
    });
    const expected = createHmac('sha256', secret)
      .update(testCardNumbers.visa)
      .digest('base64url')
      .slice(0, 22);
    expect(card.fingerprint).toBe(expected);
    const tokenCard = await gw.createCardFromToken({
      externalCustomerId: customer,
      token: 'tok_visa',
      idempotencyKey: 't',
    });
    expect(tokenCard.fingerprint).toBe(card.fingerprint);
    const other = new TestGateway();
    expect(await other.fingerprintOf(Pan.parse(testCardNumbers.visa))).not.toBe(card.fingerprint);
    expect(JSON.stringify(card)).not.toContain(testCardNumbers.visa);
  });

  it('replays idempotent results, including declines, and rejects a key reused with other parameters', async () => {
    const gw = new TestGateway();
    const customer = await customerWith(gw);
    const d1 = await expectGatewayError(
      gw.createCardFromToken({
        externalCustomerId: customer,
        token: 'tok_chargeDeclined',
        idempotencyKey: 'dk',
      }),
      'GATEWAY_DECLINED',
    );
    const d2 = await expectGatewayError(
      gw.createCardFromToken({
        externalCustomerId: customer,
        token: 'tok_chargeDeclined',
        idempotencyKey: 'dk',
      }),
      'GATEWAY_DECLINED',
    );
    expect(d2.message).toBe(d1.message);
    const card = await gw.createCardFromToken({
      externalCustomerId: customer,
      token: 'tok_visa',
      idempotencyKey: 'ok',
    });
    const e = await expectGatewayError(
      gw.createCardFromToken({ externalCustomerId: customer, token: 'tok_amex', idempotencyKey: 'ok' }),
      'GATEWAY_INVALID_REQUEST',
      'Keys for idempotent requests can only be used with the same parameters',
    );
    expect(e.message).toContain("'ok'");
    // Replays are copies: mutating one does not change the stored card.
    card.metadata.x = 'y';
    expect(
      (await gw.retrieveCard({ externalCustomerId: customer, externalCardId: card.externalCardId })).metadata,
    ).toEqual({});
  });

  it('tokens from createToken work once', async () => {
    const gw = new TestGateway();
    const customer = await customerWith(gw);
    const token = await gw.createToken({
      pan: Pan.parse(testCardNumbers.jcb),
      expMonth: 3,
      expYear: year,
      name: 'J',
    });
    expect(token).toMatch(/^ttok_[0-9a-z]{8}_1$/);
    const card = await gw.createCardFromToken({ externalCustomerId: customer, token, idempotencyKey: 'a' });
    expect(card).toMatchObject({ cardType: 'JCB', last4: '0505', expMonth: 3, expYear: year, name: 'J' });
    await expectGatewayError(
      gw.createCardFromToken({ externalCustomerId: customer, token, idempotencyKey: 'b' }),
      'GATEWAY_INVALID_REQUEST',
      'You cannot use a Stripe token more than once',
    );
  });

  describe('failNext', () => {
    it("'indeterminate' on create applies the effect first, so reconciliation finds the card", async () => {
      const gw = new TestGateway();
      const customer = await customerWith(gw);
      gw.failNext('indeterminate');
      const e = await expectGatewayError(
        gw.createCardFromToken({
          externalCustomerId: customer,
          token: 'tok_visa',
          metadata: { pmId: '42' },
          idempotencyKey: 'k1',
        }),
        'GATEWAY_TIMEOUT',
      );
      expect(gatewayErrorKindOf(e)).toBe('indeterminate');
      const found = await gw.findCardByMetadata({ externalCustomerId: customer, key: 'pmId', value: '42' });
      expect(found?.externalCardId).toMatch(/^tcard_[0-9a-z]{8}_1$/);
      // Retrying with the same key replays: still one card.
      const again = await gw.createCardFromToken({
        externalCustomerId: customer,
        token: 'tok_visa',
        metadata: { pmId: '42' },
        idempotencyKey: 'k1',
      });
      expect(again.externalCardId).toBe(found?.externalCardId);
      expect(await gw.cardCount(customer)).toBe(1);
    });

    it("'before' timing fails without an effect", async () => {
      const gw = new TestGateway();
      const customer = await customerWith(gw);
      gw.failNext('indeterminate', { timing: 'before' });
      await expectGatewayError(
        gw.createCardFromToken({ externalCustomerId: customer, token: 'tok_visa', idempotencyKey: 'k' }),
        'GATEWAY_TIMEOUT',
      );
      expect(await gw.cardCount(customer)).toBe(0);
    });

    it('counts, kinds and operation filters', async () => {
      const gw = new TestGateway();
      const customer = await customerWith(gw);
      gw.failNext('unavailable', 2);
      await expectGatewayError(gw.listCards({ externalCustomerId: customer }), 'GATEWAY_UNAVAILABLE');
      await expectGatewayError(gw.listCards({ externalCustomerId: customer }), 'GATEWAY_UNAVAILABLE');
      expect((await gw.listCards({ externalCustomerId: customer })).data).toEqual([]);

      gw.failNext('rate_limited', { operations: ['charge'] });
      const card = await gw.createCardFromToken({
        externalCustomerId: customer,
        token: 'tok_visa',
        idempotencyKey: 'k',
      });
      const ref = { externalCustomerId: customer, externalCardId: card.externalCardId };
      await expectGatewayError(
        gw.charge({ ...ref, amountMinor: 5, currency: 'usd', idempotencyKey: 'c' }),
        'GATEWAY_RATE_LIMITED',
      );
      expect((await gw.charge({ ...ref, amountMinor: 5, currency: 'usd', idempotencyKey: 'c' })).status).toBe(
        'succeeded',
      );

      for (const [kind, code] of [
        ['declined', 'GATEWAY_DECLINED'],
        ['not_found', 'GATEWAY_RESOURCE_NOT_FOUND'],
        ['invalid_request', 'GATEWAY_INVALID_REQUEST'],
        ['authentication', 'GATEWAY_AUTHENTICATION'],
      ] as const) {
        gw.failNext(kind, { message: `simulated ${kind}` });
        await expectGatewayError(gw.retrieveCard(ref), code, `simulated ${kind}`);
      }
      gw.failNext('unavailable');
      gw.clearFaults();
      expect((await gw.retrieveCard(ref)).externalCardId).toBe(card.externalCardId);
      expect(gw.calls.filter((c) => c.operation === 'charge').map((c) => c.idempotencyKey)).toEqual([
        'c',
        'c',
      ]);
    });

    it("'indeterminate' on charge after the effect: retry with the same key returns the same charge", async () => {
      const gw = new TestGateway();
      const customer = await customerWith(gw);
      const card = await gw.createCardFromToken({
        externalCustomerId: customer,
        token: 'tok_visa',
        idempotencyKey: 'k',
      });
      const input = {
        externalCustomerId: customer,
        externalCardId: card.externalCardId,
        amountMinor: 900,
        currency: 'eur',
        idempotencyKey: 'pay-1',
      };
      gw.failNext('indeterminate', { operations: ['charge'] });
      await expectGatewayError(gw.charge(input), 'GATEWAY_TIMEOUT');
      const charge = await gw.charge(input);
      expect(await gw.listCharges()).toHaveLength(1);
      expect(charge.chargeId).toBe((await gw.listCharges())[0]!.id);
    });
  });

  it('validates amounts, currency, limits and metadata like Stripe', async () => {
    const gw = new TestGateway();
    const customer = await customerWith(gw);
    const card = await gw.createCardFromToken({
      externalCustomerId: customer,
      token: 'tok_visa',
      idempotencyKey: 'k',
    });
    const ref = { externalCustomerId: customer, externalCardId: card.externalCardId };
    await expectGatewayError(
      gw.charge({ ...ref, amountMinor: 0, currency: 'usd', idempotencyKey: 'a' }),
      'GATEWAY_INVALID_REQUEST',
    );
    await expectGatewayError(
      gw.charge({ ...ref, amountMinor: 1.5, currency: 'usd', idempotencyKey: 'b' }),
      'GATEWAY_INVALID_REQUEST',
    );
    await expectGatewayError(
      gw.charge({ ...ref, amountMinor: 1, currency: 'dollars', idempotencyKey: 'c' }),
      'GATEWAY_INVALID_REQUEST',
    );
    await expectGatewayError(
      gw.listCards({ externalCustomerId: customer, limit: 101 }),
      'GATEWAY_INVALID_REQUEST',
    );
    await expectGatewayError(
      gw.updateCard(ref, { metadata: { ['k'.repeat(41)]: 'v' } }, 'm'),
      'GATEWAY_INVALID_REQUEST',
    );
  });

  it('never puts a card number or CVV in an error', async () => {
    const gw = new TestGateway();
    const customer = await customerWith(gw);
    const errors: DomainError[] = [];
    for (const number of [testCardNumbers.declined, testCardNumbers.insufficientFunds]) {
      try {
        await gw.createCardFromNumber({
          externalCustomerId: customer,
          pan: Pan.parse(number),
          cvv: Cvv.parse('987'),
          expMonth: 1,
          expYear: year,
          idempotencyKey: number,
        });
      } catch (e) {
        errors.push(e as DomainError);
      }
    }
    expect(errors).toHaveLength(2);
    const dump = JSON.stringify(errors.map((e) => ({ m: e.message, d: e.details, s: e.stack })));
    expect(dump).not.toContain(testCardNumbers.declined);
    expect(dump).not.toContain(testCardNumbers.insufficientFunds);
    expect(dump).not.toContain('987');
  });
});
