import { Pan } from '@cardbridge/core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type ExportKeyPair,
  type GeneratedCustomer,
  type GenerateStripeExportOptions,
  generateExportKeyPair,
  type StripeExportRecord,
} from '../../src/export-file/index.js';
import { bufferSource, expectNoCardNumber, generated, readAll } from './helpers.js';

const PASSPHRASE = 'correct horse battery staple';
let keys: ExportKeyPair;

beforeAll(async () => {
  keys = await generateExportKeyPair({ passphrase: PASSPHRASE });
});

/** What the reader must give back for each generated card, in file order. */
function expectSameCards(records: StripeExportRecord[], customers: GeneratedCustomer[]) {
  const cards = customers.flatMap((customer) => customer.cards.map((card) => ({ customer, card })));
  expect(records).toHaveLength(cards.length);
  records.forEach((record, i) => {
    const { customer, card } = cards[i]!;
    expect(record.position.record).toBe(i + 1);
    expect(record.customer).toEqual({
      id: customer.id,
      email: customer.email,
      name: customer.name,
      description: customer.description,
      defaultSource: customer.defaultSource,
    });
    expect(record.isDefault).toBe(customer.defaultSource === card.id);
    expect(record.card).toMatchObject({
      id: card.id,
      expMonth: card.expMonth,
      expYear: card.expYear,
      name: card.name,
      addressLine1: card.addressLine1,
      addressLine2: card.addressLine2,
      addressCity: card.addressCity,
      addressState: card.addressState,
      addressZip: card.addressZip,
      addressCountry: card.addressCountry,
    });
    if (card.invalidNumber) {
      expect(record.ok).toBe(false);
      expect(record.problems).toEqual([{ field: 'card.number', reason: expect.stringContaining('Luhn') }]);
      expect(record.card.number).toBeNull();
    } else {
      expect(record.ok).toBe(true);
      expect(record.problems).toEqual([]);
      expect(record.card.number?.equals(Pan.parse(card.number))).toBe(true);
    }
    expect(record.expired).toBe(card.expired);
  });
  expectNoCardNumber(
    records,
    cards.map(({ card }) => card.number),
  );
}

const fileOptions = {
  cards: 25,
  cardsPerCustomer: 3,
  seed: 'round-trip',
  expiredShare: 0.2,
  invalidShare: 0.15,
} as const;

describe('generated exports read back', { timeout: 60_000 }, () => {
  const cases: [
    string,
    Partial<GenerateStripeExportOptions> & Pick<GenerateStripeExportOptions, 'format'>,
  ][] = [
    ['CSV, binary OpenPGP', { format: 'csv' }],
    [
      'CSV, armored OpenPGP, zlib-compressed (as GnuPG writes)',
      { format: 'csv', armor: true, compression: 'zlib' },
    ],
    [
      'CSV with the upper-case header of Stripe’s example',
      { format: 'csv', headerCase: 'upper', armor: true },
    ],
    ['JSON keyed by customer, armored', { format: 'json', jsonShape: 'customers', armor: true }],
    ['JSON array of dotted records, binary', { format: 'json', jsonShape: 'records' }],
    [
      'JSON array of records with a nested card, zip-compressed',
      { format: 'json', jsonShape: 'nested-records', compression: 'zip' },
    ],
  ];

  it.each(cases)('%s', async (_name, options) => {
    const { bytes, customers } = await generated({
      ...fileOptions,
      ...options,
      encryptTo: keys.publicKeyArmored,
    });
    // Some cards of each kind, so that every path of the comparison runs.
    const cards = customers.flatMap((c) => c.cards);
    expect(cards.some((c) => c.expired) && cards.some((c) => c.invalidNumber)).toBe(true);

    const records = await readAll(bufferSource(bytes), {
      privateKeyArmored: keys.privateKeyArmored,
      passphrase: PASSPHRASE,
    });
    expectSameCards(records, customers);
  });

  it('gives CSV records the line they start on (header on line 1)', async () => {
    const { bytes } = await generated({ ...fileOptions, format: 'csv' });
    const records = await readAll(bufferSource(bytes), { allowPlaintext: true });
    expect(records.map((r) => r.position.line)).toEqual(records.map((_, i) => i + 2));
  });

  it('reads the format given instead of sniffing it', async () => {
    const { bytes, customers } = await generated({ ...fileOptions, format: 'json', jsonShape: 'records' });
    expectSameCards(await readAll(bufferSource(bytes), { allowPlaintext: true, format: 'json' }), customers);
    // The same JSON read as CSV: its first line is not a header with the required columns.
    await expect(readAll(bufferSource(bytes), { allowPlaintext: true, format: 'csv' })).rejects.toMatchObject(
      {
        reason: 'structure',
      },
    );
  });

  it('makes the same file from the same seed, and different ids with another prefix', async () => {
    const a = await generated({ ...fileOptions, format: 'csv' });
    const b = await generated({ ...fileOptions, format: 'csv' });
    expect(a.bytes.equals(b.bytes)).toBe(true);
    const c = await generated({ ...fileOptions, format: 'csv', customerPrefix: 'batch2' });
    expect(c.customers.every((customer) => customer.id.startsWith('cus_batch2'))).toBe(true);
  });

  it('writes card numbers of several brands, all different', async () => {
    const { bytes } = await generated({ format: 'csv', cards: 400, seed: 3 });
    const records = await readAll(bufferSource(bytes), { allowPlaintext: true });
    const brands = new Set(records.map((r) => r.card.number?.brand));
    expect([...brands].sort()).toEqual(
      ['AmericanExpress', 'DinersClub', 'Discover', 'JCB', 'MasterCard', 'UnionPay', 'Visa'].sort(),
    );
    const numbers = records.map((r) => r.card.number!);
    const distinct = numbers.filter((n, i) => numbers.findIndex((m) => m.equals(n)) === i);
    expect(distinct).toHaveLength(400);
  });
});
