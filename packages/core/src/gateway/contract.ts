import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cvv, Pan } from '../card/index.js';
import { DomainError, type DomainErrorCode } from '../errors.js';
import type { GatewayCard, PaymentGateway } from './port.js';
import { testCardNumbers } from './test/test-cards.js';

/**
 * The shared contract every PaymentGateway passes (house rule 4, docs/architecture.md), written with
 * vitest so any package can run it:
 *
 * ```ts
 * runGatewayContract('test gateway', async () => ({
 *   gateway: new TestGateway(),
 *   tokens: { visa: 'tok_visa', declined: 'tok_chargeDeclined', chargeDeclines: 'tok_chargeCustomerFail' },
 *   teardown: async () => {},
 * }));
 * ```
 *
 * `setup` runs once per suite (beforeAll); every test makes its own customer, so suites may
 * share one gateway/emulator. Idempotency keys are random per run.
 */

export interface GatewayContractTokens {
  /** Attaches and charges (Stripe `tok_visa`). */
  visa: string;
  /** Declined when attached (Stripe `tok_chargeDeclined`). */
  declined: string;
  /**
   * Optional: attaches fine but every charge is declined (Stripe `tok_chargeCustomerFail`).
   * Without it the "charge on a declining card" case is skipped.
   */
  chargeDeclines?: string;
  /**
   * Optional: a `pm_…` PaymentMethod to attach (e.g. Stripe's `pm_card_visa`), or a
   * function making a fresh one per call. With it, the PaymentMethod path (retrieve, list,
   * update, charge, delete) runs too.
   */
  paymentMethod?: string | (() => Promise<string>);
}

export interface GatewayContractFixture {
  gateway: PaymentGateway;
  tokens: GatewayContractTokens;
  teardown(): Promise<void>;
}

/** Await `promise`, expecting a DomainError with `code` (and a message matching `message`). */
export async function expectGatewayError(
  promise: Promise<unknown>,
  code: DomainErrorCode,
  message?: RegExp | string,
): Promise<DomainError> {
  let caught: unknown;
  try {
    await promise;
  } catch (error) {
    caught = error;
  }
  expect(caught, `expected ${code}, but the call succeeded`).toBeInstanceOf(DomainError);
  const error = caught as DomainError;
  expect({ code: error.code, message: error.message }).toMatchObject({ code });
  if (message !== undefined) {
    if (typeof message === 'string') expect(error.message).toContain(message);
    else expect(error.message).toMatch(message);
  }
  return error;
}

export function runGatewayContract(name: string, setup: () => Promise<GatewayContractFixture>): void {
  describe(`PaymentGateway contract: ${name}`, () => {
    let fixture: GatewayContractFixture | undefined;
    const run = randomUUID();
    let seq = 0;
    const key = (label: string) => `contract-${run}-${label}-${++seq}`;

    beforeAll(async () => {
      fixture = await setup();
    });
    afterAll(async () => {
      await fixture?.teardown();
    });

    const f = (): GatewayContractFixture => {
      if (!fixture) throw new Error('gateway contract: setup did not run');
      return fixture;
    };
    const gw = () => f().gateway;
    const newCustomer = async (label = 'customer') =>
      (
        await gw().createCustomer({
          email: `${label}@example.com`,
          name: `Contract ${label}`,
          idempotencyKey: key(label),
        })
      ).externalCustomerId;
    const newCard = async (customer: string, metadata?: Record<string, string>) =>
      gw().createCardFromToken({
        externalCustomerId: customer,
        token: f().tokens.visa,
        ...(metadata ? { metadata } : {}),
        idempotencyKey: key('card'),
      });
    const paymentMethodToken = async (): Promise<string | undefined> => {
      const pm = f().tokens.paymentMethod;
      return typeof pm === 'function' ? pm() : pm;
    };
    const ref = (card: GatewayCard) => ({
      externalCustomerId: card.externalCustomerId!,
      externalCardId: card.externalCardId,
    });
    const nextYear = new Date().getUTCFullYear() + 1;

    it('has a kind', () => {
      expect(gw().kind).toMatch(/^[a-z][a-z0-9-]*$/);
    });

    it('creates a customer; the same idempotency key returns the same customer', async () => {
      const k = key('customer-idem');
      const a = await gw().createCustomer({ email: 'a@example.com', name: 'A', idempotencyKey: k });
      const b = await gw().createCustomer({ email: 'a@example.com', name: 'A', idempotencyKey: k });
      expect(a.externalCustomerId).toMatch(/\S/);
      expect(b.externalCustomerId).toBe(a.externalCustomerId);
      const c = await gw().createCustomer({
        email: 'a@example.com',
        name: 'A',
        idempotencyKey: key('other'),
      });
      expect(c.externalCustomerId).not.toBe(a.externalCustomerId);
    });

    it('creates a card from a token; retrieve returns the same card', async () => {
      const customer = await newCustomer();
      const card = await newCard(customer, { source: 'contract' });
      expect(card).toMatchObject({
        externalCustomerId: customer,
        cardType: 'Visa',
        last4: '4242',
        metadata: { source: 'contract' },
      });
      expect(card.expMonth).toBeGreaterThanOrEqual(1);
      expect(card.expMonth).toBeLessThanOrEqual(12);
      expect(card.expYear).toBeGreaterThanOrEqual(2000);
      expect(card.fingerprint).toMatch(/\S/);
      expect(await gw().retrieveCard(ref(card))).toEqual(card);
    });

    it('lists the cards of a customer', async () => {
      const customer = await newCustomer();
      const card = await newCard(customer);
      const list = await gw().listCards({ externalCustomerId: customer });
      expect(list.data).toContainEqual(card);
      expect(list.hasMore).toBe(false);
      const other = await newCustomer('other');
      expect((await gw().listCards({ externalCustomerId: other })).data).toEqual([]);
    });

    it('pages through cards with limit and startingAfter', async () => {
      const customer = await newCustomer();
      const created = [await newCard(customer), await newCard(customer), await newCard(customer)];
      const first = await gw().listCards({ externalCustomerId: customer, limit: 2 });
      expect(first.data).toHaveLength(2);
      expect(first.hasMore).toBe(true);
      const second = await gw().listCards({
        externalCustomerId: customer,
        limit: 2,
        startingAfter: first.data[1]!.externalCardId,
      });
      expect(second.data).toHaveLength(1);
      expect(second.hasMore).toBe(false);
      const seen = [...first.data, ...second.data].map((c) => c.externalCardId).sort();
      expect(seen).toEqual(created.map((c) => c.externalCardId).sort());
    });

    it('updates name, address, expiry and metadata', async () => {
      const customer = await newCustomer();
      const card = await newCard(customer, { keep: 'yes', drop: 'me' });
      const updated = await gw().updateCard(
        ref(card),
        {
          name: 'Jenny Rosen',
          address: {
            line1: '232 Herzberg Road',
            line2: 'Suite 203',
            city: 'Kanata',
            state: 'ON',
            postalCode: 'K2K 2A1',
            country: 'CA',
          },
          expMonth: 10,
          expYear: nextYear + 2,
          metadata: { drop: '', added: 'new' },
        },
        key('update'),
      );
      const expected = {
        ...card,
        name: 'Jenny Rosen',
        address: {
          line1: '232 Herzberg Road',
          line2: 'Suite 203',
          city: 'Kanata',
          state: 'ON',
          postalCode: 'K2K 2A1',
          country: 'CA',
        },
        expMonth: 10,
        expYear: nextYear + 2,
        metadata: { keep: 'yes', added: 'new' },
      };
      expect(updated).toEqual(expected);
      expect(await gw().retrieveCard(ref(card))).toEqual(expected);

      // A partial patch keeps the other fields; null clears one.
      const partial = await gw().updateCard(
        ref(card),
        { address: { line2: null, city: 'Ottawa' } },
        key('update2'),
      );
      expect(partial.address).toEqual({ ...expected.address, line2: null, city: 'Ottawa' });
      expect(partial.name).toBe('Jenny Rosen');
      expect(partial.expMonth).toBe(10);
    });

    it('creates a card from a card number with CVV, name and address', async () => {
      const customer = await newCustomer();
      const card = await gw().createCardFromNumber({
        externalCustomerId: customer,
        pan: Pan.parse(testCardNumbers.visa.replace(/(\d{4})(?=\d)/g, '$1 ')),
        cvv: Cvv.parse('123', 'Visa'),
        expMonth: 10,
        expYear: nextYear,
        name: 'John Doe',
        address: { line1: '232 Herzberg Road', city: 'Kanata', postalCode: 'K2K 2A1', country: 'CA' },
        metadata: { origin: 'number' },
        idempotencyKey: key('number'),
      });
      expect(card).toMatchObject({
        externalCustomerId: customer,
        cardType: 'Visa',
        last4: '4242',
        expMonth: 10,
        expYear: nextYear,
        name: 'John Doe',
        address: {
          line1: '232 Herzberg Road',
          line2: null,
          city: 'Kanata',
          state: null,
          postalCode: 'K2K 2A1',
          country: 'CA',
        },
        metadata: { origin: 'number' },
      });
      expect(JSON.stringify(card)).not.toContain(testCardNumbers.visa);
      expect(await gw().retrieveCard(ref(card))).toEqual(card);

      // Same number, same gateway account → same fingerprint.
      const again = await gw().createCardFromNumber({
        externalCustomerId: customer,
        pan: Pan.parse(testCardNumbers.visa),
        expMonth: 11,
        expYear: nextYear,
        idempotencyKey: key('number2'),
      });
      expect(again.externalCardId).not.toBe(card.externalCardId);
      expect(again.fingerprint).toBe(card.fingerprint);
    });

    it('a declined token fails with GATEWAY_DECLINED and creates no card', async () => {
      const customer = await newCustomer();
      const error = await expectGatewayError(
        gw().createCardFromToken({
          externalCustomerId: customer,
          token: f().tokens.declined,
          idempotencyKey: key('d'),
        }),
        'GATEWAY_DECLINED',
      );
      expect(error.details.gatewayKind).toBe('declined');
      expect(error.details.gateway?.message).toMatch(/\S/);
      expect((await gw().listCards({ externalCustomerId: customer })).data).toEqual([]);
    });

    it('retrieving an unknown card is GATEWAY_RESOURCE_NOT_FOUND with "No such …"', async () => {
      const customer = await newCustomer();
      const card = await newCard(customer);
      const unknown = `${card.externalCardId}999999`;
      const error = await expectGatewayError(
        gw().retrieveCard({ externalCustomerId: customer, externalCardId: unknown }),
        'GATEWAY_RESOURCE_NOT_FOUND',
        /^No such /,
      );
      expect(error.message).toContain(unknown);
      expect(error.details.gatewayKind).toBe('not_found');
    });

    it('retrieving a card through an unknown customer is not found', async () => {
      const customer = await newCustomer();
      const card = await newCard(customer);
      await expectGatewayError(
        gw().retrieveCard({ externalCustomerId: `${customer}999999`, externalCardId: card.externalCardId }),
        'GATEWAY_RESOURCE_NOT_FOUND',
        /^No such /,
      );
    });

    it("another customer's card is not found (retrieve, update, delete, charge)", async () => {
      const owner = await newCustomer('owner');
      const other = await newCustomer('intruder');
      const card = await newCard(owner);
      const foreign = { externalCustomerId: other, externalCardId: card.externalCardId };
      await expectGatewayError(gw().retrieveCard(foreign), 'GATEWAY_RESOURCE_NOT_FOUND', /^No such /);
      await expectGatewayError(
        gw().updateCard(foreign, { name: 'X' }, key('u')),
        'GATEWAY_RESOURCE_NOT_FOUND',
      );
      await expectGatewayError(gw().deleteCard(foreign), 'GATEWAY_RESOURCE_NOT_FOUND');
      const charge = gw().charge({ ...foreign, amountMinor: 100, currency: 'usd', idempotencyKey: key('c') });
      await expect(charge).rejects.toBeInstanceOf(DomainError);
      // The owner still has it, unchanged.
      expect(await gw().retrieveCard(ref(card))).toEqual(card);
    });

    it('a deleted card is not found afterwards', async () => {
      const customer = await newCustomer();
      const card = await newCard(customer);
      await gw().deleteCard(ref(card));
      await expectGatewayError(gw().retrieveCard(ref(card)), 'GATEWAY_RESOURCE_NOT_FOUND', /^No such /);
      expect((await gw().listCards({ externalCustomerId: customer })).data).toEqual([]);
      await expectGatewayError(gw().deleteCard(ref(card)), 'GATEWAY_RESOURCE_NOT_FOUND');
    });

    it('charges a card; the same idempotency key does not charge twice', async () => {
      const customer = await newCustomer();
      const card = await newCard(customer);
      const k = key('charge');
      const input = {
        ...ref(card),
        amountMinor: 1234,
        currency: 'USD',
        idempotencyKey: k,
        description: 'contract',
      };
      const charge = await gw().charge(input);
      expect(charge).toMatchObject({ amountMinor: 1234, currency: 'usd', status: 'succeeded' });
      expect(charge.chargeId).toMatch(/\S/);
      expect(await gw().charge(input)).toEqual(charge);
      const second = await gw().charge({ ...input, idempotencyKey: key('charge2') });
      expect(second.chargeId).not.toBe(charge.chargeId);
    });

    it('a charge on a declining card fails with GATEWAY_DECLINED', async (ctx) => {
      const token = f().tokens.chargeDeclines;
      if (!token) {
        ctx.skip();
        return;
      }
      const customer = await newCustomer();
      const card = await gw().createCardFromToken({
        externalCustomerId: customer,
        token,
        idempotencyKey: key('cd'),
      });
      const error = await expectGatewayError(
        gw().charge({ ...ref(card), amountMinor: 500, currency: 'usd', idempotencyKey: key('cdc') }),
        'GATEWAY_DECLINED',
      );
      expect(error.details.gatewayKind).toBe('declined');
    });

    it('the same idempotency key twice creates one card', async () => {
      const customer = await newCustomer();
      const k = key('idem-card');
      const input = {
        externalCustomerId: customer,
        token: f().tokens.visa,
        metadata: { pm: '1' },
        idempotencyKey: k,
      };
      const a = await gw().createCardFromToken(input);
      const b = await gw().createCardFromToken(input);
      expect(b.externalCardId).toBe(a.externalCardId);
      expect((await gw().listCards({ externalCustomerId: customer })).data).toHaveLength(1);

      const numberInput = {
        externalCustomerId: customer,
        pan: Pan.parse(testCardNumbers.mastercard),
        expMonth: 1,
        expYear: nextYear,
        idempotencyKey: key('idem-number'),
      };
      const c = await gw().createCardFromNumber(numberInput);
      const d = await gw().createCardFromNumber(numberInput);
      expect(d.externalCardId).toBe(c.externalCardId);
      expect(c.cardType).toBe('MasterCard');
      expect((await gw().listCards({ externalCustomerId: customer })).data).toHaveLength(2);
    });

    it('findCardByMetadata finds the card created with that metadata (reconciliation)', async () => {
      const customer = await newCustomer();
      await newCard(customer, { paymentMethodId: '1' });
      const wanted = await newCard(customer, { paymentMethodId: '2' });
      await newCard(customer);
      const found = await gw().findCardByMetadata({
        externalCustomerId: customer,
        key: 'paymentMethodId',
        value: '2',
      });
      expect(found).toEqual(wanted);
      expect(
        await gw().findCardByMetadata({ externalCustomerId: customer, key: 'paymentMethodId', value: '3' }),
      ).toBeNull();
      const other = await newCustomer('other');
      expect(
        await gw().findCardByMetadata({ externalCustomerId: other, key: 'paymentMethodId', value: '2' }),
      ).toBeNull();
    });

    // ------------------------------------------------------------ refunds and charge lookup

    const paidCharge = async (metadata?: Record<string, string>, customer?: string) => {
      const owner = customer ?? (await newCustomer('payer'));
      const card = await newCard(owner);
      const charge = await gw().charge({
        ...ref(card),
        amountMinor: 1234,
        currency: 'usd',
        idempotencyKey: key('paid'),
        ...(metadata ? { metadata } : {}),
      });
      return { customer: owner, card, charge };
    };

    it('refunds a charge in full; the same idempotency key does not refund twice', async () => {
      const intent = randomUUID();
      const { charge, customer } = await paidCharge({ cardbridge_intent: intent });
      const input = {
        chargeId: charge.chargeId,
        idempotencyKey: key('refund'),
        metadata: { cardbridge_intent: intent },
      };
      const refund = await gw().refund(input);
      expect(refund).toMatchObject({ chargeId: charge.chargeId, amountMinor: 1234, status: 'succeeded' });
      expect(refund.refundId).toMatch(/\S/);
      expect(refund.refundId).not.toBe(charge.chargeId);
      expect(await gw().refund(input)).toEqual(refund);
      const found = await gw().findChargeByMetadata({
        externalCustomerId: customer,
        key: 'cardbridge_intent',
        value: intent,
      });
      expect(found).toMatchObject({ chargeId: charge.chargeId, refunded: true });
    });

    it('refunding an already refunded charge with a new key counts as done (returns its refund)', async () => {
      const intent = randomUUID();
      const { charge, customer } = await paidCharge({ cardbridge_intent: intent });
      const first = await gw().refund({ chargeId: charge.chargeId, idempotencyKey: key('refund-a') });
      const second = await gw().refund({ chargeId: charge.chargeId, idempotencyKey: key('refund-b') });
      expect(second).toEqual(first);
      const found = await gw().findChargeByMetadata({
        externalCustomerId: customer,
        key: 'cardbridge_intent',
        value: intent,
      });
      expect(found?.refunded).toBe(true);
    });

    it('a refund of an unknown charge is GATEWAY_RESOURCE_NOT_FOUND', async () => {
      const { charge } = await paidCharge();
      const unknown = `${charge.chargeId}999999`;
      const error = await expectGatewayError(
        gw().refund({ chargeId: unknown, idempotencyKey: key('refund-unknown') }),
        'GATEWAY_RESOURCE_NOT_FOUND',
        /^No such charge/,
      );
      expect(error.message).toContain(unknown);
      expect(error.details.gatewayKind).toBe('not_found');
    });

    it('findChargeByMetadata finds the charge made with that metadata, null for no match (reconciliation)', async () => {
      const wanted = randomUUID();
      const { customer } = await paidCharge({ cardbridge_intent: randomUUID() });
      const { charge } = await paidCharge({ cardbridge_intent: wanted, other: 'x' }, customer);
      await paidCharge(undefined, customer);
      const found = await gw().findChargeByMetadata({
        externalCustomerId: customer,
        key: 'cardbridge_intent',
        value: wanted,
      });
      expect(found).toEqual({
        ...charge,
        refunded: false,
        metadata: { cardbridge_intent: wanted, other: 'x' },
      });
      expect(
        await gw().findChargeByMetadata({
          externalCustomerId: customer,
          key: 'cardbridge_intent',
          value: randomUUID(),
        }),
      ).toBeNull();
      // Another customer's charge is not found through this customer.
      const other = await newCustomer('other');
      await newCard(other);
      expect(
        await gw().findChargeByMetadata({
          externalCustomerId: other,
          key: 'cardbridge_intent',
          value: wanted,
        }),
      ).toBeNull();
    });

    it('PaymentMethods (pm_…): attach, retrieve, list, update, charge, detach', async (ctx) => {
      const token = await paymentMethodToken();
      if (!token) {
        ctx.skip();
        return;
      }
      const customer = await newCustomer();
      const card = await gw().createCardFromToken({
        externalCustomerId: customer,
        token,
        metadata: { kind: 'pm' },
        idempotencyKey: key('pm'),
      });
      expect(card).toMatchObject({
        externalCustomerId: customer,
        cardType: 'Visa',
        metadata: { kind: 'pm' },
      });
      expect(await gw().retrieveCard(ref(card))).toEqual(card);
      expect((await gw().listCards({ externalCustomerId: customer })).data).toContainEqual(card);
      const other = await newCustomer('other');
      await expectGatewayError(
        gw().retrieveCard({ externalCustomerId: other, externalCardId: card.externalCardId }),
        'GATEWAY_RESOURCE_NOT_FOUND',
        /^No such /,
      );
      const updated = await gw().updateCard(
        ref(card),
        { name: 'PM Holder', address: { country: 'US', postalCode: '94102' }, expYear: nextYear + 3 },
        key('pm-update'),
      );
      expect(updated).toMatchObject({
        name: 'PM Holder',
        expYear: nextYear + 3,
        address: { country: 'US', postalCode: '94102' },
      });
      const intent = randomUUID();
      const charge = await gw().charge({
        ...ref(card),
        amountMinor: 700,
        currency: 'usd',
        idempotencyKey: key('pmc'),
        metadata: { cardbridge_intent: intent },
      });
      expect(charge).toMatchObject({ amountMinor: 700, currency: 'usd', status: 'succeeded' });
      const found = await gw().findChargeByMetadata({
        externalCustomerId: customer,
        key: 'cardbridge_intent',
        value: intent,
      });
      expect(found).toMatchObject({ chargeId: charge.chargeId, refunded: false });
      const refund = await gw().refund({ chargeId: charge.chargeId, idempotencyKey: key('pmr') });
      expect(refund).toMatchObject({ chargeId: charge.chargeId, amountMinor: 700, status: 'succeeded' });
      await gw().deleteCard(ref(card));
      await expectGatewayError(gw().retrieveCard(ref(card)), 'GATEWAY_RESOURCE_NOT_FOUND', /^No such /);
    });
  });
}
