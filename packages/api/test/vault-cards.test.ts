import { getPaymentMethod } from '@cardbridge/db';
import { dumpAllTables, failReplacedUpdates, listColumnNames } from '@cardbridge/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshCardNumber, freshCvv, issuedCardNumbers, issuedCvvs } from './card-data.js';
import { capturedLogs, createTestApp, errorOf, type TestApp, type TestTenant } from './helpers.js';

const holder = {
  expirationMonth: 10,
  expirationYear: 30,
  firstName: 'John',
  lastName: 'Doe',
  address1: '232 Herzberg Road',
  address2: 'Suite 203',
  countryId: 124,
  stateId: 9,
  city: 'Kanata',
  postalZip: 'K2K 2A1',
};

describe('vault, createCard, replace, export, rotation (PCI path)', () => {
  let app: TestApp;
  let t: TestTenant;
  let testAccountId: number;

  beforeAll(async () => {
    app = await createTestApp({ clock: () => new Date('2026-11-22T12:00:00Z') });
    t = await app.tenant();
    testAccountId = (await t.caller.gatewayAccounts.list()).find((a) => a.isDefault)!.id;
  });
  afterAll(() => app.close());

  const newCustomer = async () =>
    (await t.caller.customers.create({ firstName: 'John', lastName: 'Doe' })).id;

  it('stores the number encrypted with its fingerprint and mask, and never a CVV', async () => {
    const customerId = await newCustomer();
    const number = freshCardNumber();
    const card = await t.caller.paymentMethods.createCard({
      customerId,
      cardNumber: number,
      cvv: freshCvv(),
      ...holder,
    });
    expect(card).toMatchObject({
      storedInVault: true,
      maskedCardNumber: `************${number.slice(-4)}`,
      cardType: 'Visa',
      expirationYear: 30,
      countryId: 124,
      country: 'CAN',
      isDefault: true,
      duplicateOf: null,
      collected: null,
    });
    expect(card.fingerprint).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const row = await getPaymentMethod(app.deps.db, t.tenantId, card.id);
    expect(row!.panCiphertext).toMatch(/^v1\./);
    expect(
      (
        await app.deps.vault.openPan(t.tenantId, card.id, {
          ciphertext: row!.panCiphertext!,
          keyVersion: row!.panKeyVersion!,
        })
      ).reveal(),
    ).toBe(number);
    const columns = await listColumnNames(app.deps.db);
    expect(columns.filter((c) => /cvv|cvc|security_code/i.test(c))).toEqual([]);
  });

  it('validates Luhn, brand CVV length, expiry and the seed maximum lengths, naming fields and never echoing the number', async () => {
    const customerId = await newCustomer();
    const valid = freshCardNumber();
    const bad = `${valid.slice(0, 15)}${(Number(valid[15]) + 1) % 10}`;
    const luhn = await errorOf(() =>
      t.caller.paymentMethods.createCard({ customerId, cardNumber: bad, ...holder }),
    );
    expect(luhn.code).toBe('BAD_REQUEST');
    expect(luhn.message).toMatch(/cardNumber/);
    expect(luhn.message).not.toMatch(/\d{6,}/);
    const amex = freshCardNumber('34', 15);
    const amexErr = await errorOf(() =>
      t.caller.paymentMethods.createCard({ customerId, cardNumber: amex, cvv: '123', ...holder }),
    );
    expect(amexErr.message).toMatch(/cvv/);
    const expired = await errorOf(() =>
      t.caller.paymentMethods.createCard({
        customerId,
        cardNumber: freshCardNumber(),
        ...holder,
        expirationMonth: 10,
        expirationYear: 26,
      }),
    );
    expect(expired.message).toMatch(/expirationYear: the card has expired/);
    const long = await errorOf(() =>
      t.caller.paymentMethods.createCard({
        customerId,
        cardNumber: freshCardNumber(),
        ...holder,
        firstName: 'x'.repeat(51),
        postalZip: '12345678901',
      }),
    );
    expect(long.message).toMatch(/firstName/);
    expect(long.message).toMatch(/postalZip/);
    expect((await t.caller.paymentMethods.list({ customerId })).data).toEqual([]);
  });

  it('verifies at the gateway when asked: a decline stores nothing', async () => {
    const customerId = await newCustomer();
    const ok = await t.caller.paymentMethods.createCard({
      customerId,
      cardNumber: freshCardNumber(),
      ...holder,
      verify: true,
    });
    expect(ok).toMatchObject({ gatewayAccountId: testAccountId, storedInVault: true });
    expect(ok.externalCardId).toMatch(/^tcard_/);
    const declined = await errorOf(() =>
      t.caller.paymentMethods.createCard({
        customerId,
        cardNumber: '4000000000000002',
        ...holder,
        verify: true,
      }),
    );
    expect(declined.code).toBe('PAYMENT_REQUIRED');
    expect((await t.caller.paymentMethods.list({ customerId })).data.map((c) => c.id)).toEqual([ok.id]);
  });

  it('reports fingerprint duplicates and applies the per-call policy (default allow)', async () => {
    const customerId = await newCustomer();
    const number = freshCardNumber();
    const first = await t.caller.paymentMethods.createCard({ customerId, cardNumber: number, ...holder });
    const again = await t.caller.paymentMethods.createCard({ customerId, cardNumber: number, ...holder });
    expect(again.duplicateOf).toBe(first.id);
    expect(again.id).not.toBe(first.id);
    const rejected = await errorOf(() =>
      t.caller.paymentMethods.createCard({
        customerId,
        cardNumber: number,
        ...holder,
        duplicatePolicy: 'reject',
      }),
    );
    expect(rejected).toMatchObject({ code: 'CONFLICT' });
    expect(rejected.message).toContain(`payment method ${first.id}`);
    const existing = await t.caller.paymentMethods.createCard({
      customerId,
      cardNumber: number,
      ...holder,
      duplicatePolicy: 'return_existing',
    });
    expect(existing).toMatchObject({ id: first.id, duplicateOf: first.id });
    // The same card for another customer is no duplicate.
    const other = await t.caller.paymentMethods.createCard({
      customerId: await newCustomer(),
      cardNumber: number,
      ...holder,
    });
    expect(other.duplicateOf).toBeNull();
  });

  it('replaces with a new id linked to the old one; the old leaves the list; the default carries over', async () => {
    const customerId = await newCustomer();
    const old = await t.caller.paymentMethods.createCard({
      customerId,
      cardNumber: freshCardNumber(),
      ...holder,
    });
    const other = await t.caller.paymentMethods.createCard({
      customerId,
      cardNumber: freshCardNumber(),
      ...holder,
    });
    expect(old.isDefault).toBe(true);
    const dto = await t.caller.paymentMethods.get({ id: old.id });
    const replaced = await t.caller.paymentMethods.replaceCreditCard({
      ...dto,
      cardNumber: freshCardNumber('55'),
      cvv: freshCvv(),
      expirationMonth: 2,
      expirationYear: 29,
    });
    expect(replaced.id).not.toBe(old.id);
    expect(replaced).toMatchObject({
      originalPaymentMethodId: old.id,
      isDefault: true,
      cardType: 'MasterCard',
      status: 'active',
      expirationYear: 29,
    });
    expect(Date.parse(replaced.modifiedDate)).not.toBeNaN();
    expect(await t.caller.paymentMethods.get({ id: old.id })).toMatchObject({
      status: 'replaced',
      isDefault: false,
    });
    const list = await t.caller.paymentMethods.list({ customerId });
    expect(list.data.map((c) => c.id).sort()).toEqual([other.id, replaced.id].sort());
    // Replacing the replaced card again names its successor.
    const twice = await errorOf(() =>
      t.caller.paymentMethods.replaceCreditCard({ ...dto, cardNumber: freshCardNumber() }),
    );
    expect(twice).toMatchObject({
      code: 'CONFLICT',
      message: `Cannot edit payment method ${old.id} because it has been replaced by payment method ${replaced.id}.`,
    });
  });

  it('refuses to replace a deleted card with the seed text', async () => {
    const customerId = await newCustomer();
    const card = await t.caller.paymentMethods.createCard({
      customerId,
      cardNumber: freshCardNumber(),
      ...holder,
    });
    await t.caller.paymentMethods.delete({ id: card.id });
    const err = await errorOf(() =>
      t.caller.paymentMethods.replaceCreditCard({
        id: card.id,
        customerId,
        cardNumber: freshCardNumber(),
        cvv: freshCvv(),
        ...holder,
      }),
    );
    expect(err).toMatchObject({
      code: 'BAD_REQUEST',
      message: `Cannot edit payment method ${card.id} because it has been deleted.`,
    });
  });

  it('is atomic: a failure injected mid-way leaves all the old state, and the retry all the new', async () => {
    const customerId = await newCustomer();
    const old = await t.caller.paymentMethods.createCard({
      customerId,
      cardNumber: freshCardNumber(),
      ...holder,
    });
    const input = { id: old.id, customerId, cardNumber: freshCardNumber(), cvv: freshCvv(), ...holder };
    await failReplacedUpdates(app.deps.db, true);
    try {
      const err = await errorOf(() => t.caller.paymentMethods.replaceCreditCard(input));
      expect(err.code).toBe('INTERNAL_SERVER_ERROR');
    } finally {
      await failReplacedUpdates(app.deps.db, false);
    }
    const after = await t.caller.paymentMethods.list({ customerId });
    expect(after.data.map((c) => [c.id, c.status, c.isDefault])).toEqual([[old.id, 'active', true]]);
    const replaced = await t.caller.paymentMethods.replaceCreditCard(input);
    const final = await t.caller.paymentMethods.list({ customerId });
    expect(final.data.map((c) => [c.id, c.isDefault, c.originalPaymentMethodId])).toEqual([
      [replaced.id, true, old.id],
    ]);
  });

  it('collects an amount once the card validates; a decline leaves the old card standing', async () => {
    const customerId = await newCustomer();
    const old = await t.caller.paymentMethods.createCard({
      customerId,
      cardNumber: freshCardNumber(),
      ...holder,
    });
    const paid = await t.caller.paymentMethods.replaceCreditCard({
      id: old.id,
      customerId,
      cardNumber: freshCardNumber(),
      cvv: freshCvv(),
      ...holder,
      paymentCollectOptions: { collectionAmount: 25.5 },
    });
    expect(paid.collected).toMatchObject({ amount: 25.5, currency: 'usd', status: 'succeeded' });
    expect(paid.externalCardId).toMatch(/^tcard_/);
    const gateway = app.deps.gateways.testGateway(testAccountId);
    expect((await gateway.listCharges()).find((c) => c.id === paid.collected!.chargeId)).toMatchObject({
      amountMinor: 2550,
    });

    const before = await t.caller.paymentMethods.list({ customerId });
    gateway.failNext('declined', { operations: ['charge'] });
    const declined = await errorOf(() =>
      t.caller.paymentMethods.replaceCreditCard({
        id: paid.id,
        customerId,
        cardNumber: freshCardNumber(),
        cvv: freshCvv(),
        ...holder,
        paymentCollectOptions: { collectionAmount: 10 },
      }),
    );
    expect(declined.code).toBe('PAYMENT_REQUIRED');
    expect(await t.caller.paymentMethods.list({ customerId })).toEqual(before);
    expect(await gateway.cardCount(paid.externalCustomerId!)).toBe(1);
  });

  it('exports a vaulted card to another gateway account once, and refuses gateway-held cards', async () => {
    const customerId = await newCustomer();
    const card = await t.caller.paymentMethods.createCard({
      customerId,
      cardNumber: freshCardNumber(),
      ...holder,
    });
    const destination = await t.caller.gatewayAccounts.create({ type: 'test', name: 'second processor' });
    const exported = await t.caller.paymentMethods.export({ id: card.id, gatewayAccountId: destination.id });
    expect(exported).toMatchObject({
      paymentMethodId: card.id,
      gatewayAccountId: destination.id,
      status: 'succeeded',
    });
    expect(exported.externalCardId).toMatch(/^tcard_/);
    const again = await t.caller.paymentMethods.export({ id: card.id, gatewayAccountId: destination.id });
    expect(again).toMatchObject({ id: exported.id, externalCardId: exported.externalCardId });
    expect(await app.deps.gateways.testGateway(destination.id).cardCount(exported.externalCustomerId!)).toBe(
      1,
    );

    const tokenCard = await t.caller.paymentMethods.createFromToken({ customerId, token: 'tok_visa' });
    const refused = await errorOf(() =>
      t.caller.paymentMethods.export({ id: tokenCard.id, gatewayAccountId: destination.id }),
    );
    expect(refused.code).toBe('BAD_REQUEST');
    expect(refused.message).toBe(
      `Payment method ${tokenCard.id} cannot be exported: its card number is held by gateway account ${testAccountId}, not by cardbridge's vault.`,
    );
    const other = await app.tenant();
    const foreign = (await other.caller.gatewayAccounts.list())[0]!.id;
    expect(
      (await errorOf(() => t.caller.paymentMethods.export({ id: card.id, gatewayAccountId: foreign }))).code,
    ).toBe('NOT_FOUND');
  });

  it('a destination timeout leaves the export UNKNOWN; the next call reconciles it by lookup, not a second copy', async () => {
    const customerId = await newCustomer();
    const card = await t.caller.paymentMethods.createCard({
      customerId,
      cardNumber: freshCardNumber(),
      ...holder,
    });
    const destination = await t.caller.gatewayAccounts.create({ type: 'test', name: 'flaky processor' });
    const gateway = app.deps.gateways.testGateway(destination.id);
    gateway.failNext('indeterminate', { operations: ['createCardFromNumber'], timing: 'after' });
    const err = await errorOf(() =>
      t.caller.paymentMethods.export({ id: card.id, gatewayAccountId: destination.id }),
    );
    expect(err.code).toBe('GATEWAY_TIMEOUT');
    expect(err.message).toMatch(/UNKNOWN/);
    const reconciled = await t.caller.paymentMethods.export({
      id: card.id,
      gatewayAccountId: destination.id,
    });
    expect(reconciled.status).toBe('succeeded');
    expect(gateway.calls.filter((c) => c.operation === 'createCardFromNumber')).toHaveLength(1);
    expect(await gateway.cardCount(reconciled.externalCustomerId!)).toBe(1);
  });

  it('rotates the data key in resumable batches; every card still decrypts', async () => {
    const customerId = await newCustomer();
    const numbers = [freshCardNumber(), freshCardNumber(), freshCardNumber()];
    for (const cardNumber of numbers)
      await t.caller.paymentMethods.createCard({ customerId, cardNumber, ...holder });
    const started = await t.caller.vault.rotateKey();
    expect(started.remaining).toBeGreaterThanOrEqual(3);
    let remaining = started.remaining;
    let batches = 0;
    while (remaining > 0) {
      const step = await t.caller.vault.reencrypt({ batchSize: 2 });
      expect(step.keyVersion).toBe(started.keyVersion);
      expect(step.reencrypted).toBeGreaterThan(0);
      remaining = step.remaining;
      batches++;
    }
    expect(batches).toBeGreaterThanOrEqual(2);
    const cards = await t.caller.paymentMethods.list({ customerId });
    for (const c of cards.data) {
      const row = (await getPaymentMethod(app.deps.db, t.tenantId, c.id))!;
      expect(row.panKeyVersion).toBe(started.keyVersion);
      const pan = await app.deps.vault.openPan(t.tenantId, c.id, {
        ciphertext: row.panCiphertext!,
        keyVersion: row.panKeyVersion!,
      });
      expect(numbers).toContain(pan.reveal());
    }
  });

  it('leaves no card number or CVV in any log line or table', async () => {
    expect(issuedCardNumbers.length).toBeGreaterThan(10);
    const dump = await dumpAllTables(app.deps.db);
    const logs = capturedLogs.join('\n');
    for (const pan of issuedCardNumbers) {
      expect(dump).not.toContain(pan);
      expect(logs).not.toContain(pan);
    }
    for (const cvv of issuedCvvs) {
      expect(dump).not.toMatch(new RegExp(`"${cvv}"`));
      expect(logs).not.toMatch(new RegExp(`"${cvv}"`));
    }
  });
});
