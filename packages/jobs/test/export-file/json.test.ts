import { testCardNumbers } from '@cardbridge/core';
import { describe, expect, it } from 'vitest';
import { expectNoCardNumber, readAll, readError, textSource } from './helpers.js';

const visa = testCardNumbers.visa;
const mastercard = testCardNumbers.mastercard;
const read = (value: unknown) =>
  readAll(textSource(typeof value === 'string' ? value : JSON.stringify(value)), { allowPlaintext: true });
const failure = (value: unknown) =>
  readError(textSource(typeof value === 'string' ? value : JSON.stringify(value)), {
    allowPlaintext: true,
    format: 'json',
  });

const nestedCard = {
  id: 'card_1',
  number: visa,
  exp_month: 3,
  exp_year: 2030,
  name: 'Ada',
  address_country: 'GB',
};

describe('JSON exports', { timeout: 30_000 }, () => {
  it('reads the customer-keyed form with cards keyed by id, or as an array', async () => {
    const records = await read({
      customers: {
        cus_A: {
          email: 'ada@example.com',
          name: 'Ada',
          description: null,
          default_source: 'card_2',
          metadata: { plan: 'pro', note: visa },
          cards: {
            card_1: { ...nestedCard, id: undefined },
            card_2: { ...nestedCard, id: 'card_2', number: mastercard },
          },
        },
        cus_B: { id: 'cus_B', cards: [{ ...nestedCard, id: 'card_3' }] },
        cus_C: { id: 'cus_C' },
      },
      // Top-level fields other than "customers" are skipped, whatever their shape.
      generated: { at: '2026-06-01', counts: [1, 2, { n: 3 }] },
    });
    expect(
      records.map((r) => [r.ok, r.position, r.customer.id, r.card.id, r.isDefault, r.card.number?.brand]),
    ).toEqual([
      [true, { record: 1 }, 'cus_A', 'card_1', false, 'Visa'],
      [true, { record: 2 }, 'cus_A', 'card_2', true, 'MasterCard'],
      [true, { record: 3 }, 'cus_B', 'card_3', false, 'Visa'],
    ]);
    expect(records[0]).toMatchObject({
      customer: { email: 'ada@example.com', name: 'Ada', description: null, defaultSource: 'card_2' },
      card: { expMonth: 3, expYear: 2030, name: 'Ada', addressCountry: 'GB', addressLine1: null },
    });
    expectNoCardNumber(records, [visa, mastercard]);
  });

  it('reads "customers" given as an array', async () => {
    const records = await read({ customers: [{ id: 'cus_A', cards: [nestedCard] }] });
    expect(records).toMatchObject([{ ok: true, customer: { id: 'cus_A' }, card: { id: 'card_1' } }]);
  });

  it('reads arrays of flat records, with dotted keys or a nested card', async () => {
    const records = await read([
      {
        id: 'cus_A',
        'card.id': 'card_1',
        'card.number': visa,
        'card.exp_month': '03',
        'card.exp_year': '2030',
      },
      { id: 'cus_A', card: { ...nestedCard, id: 'card_2' } },
    ]);
    expect(records.map((r) => [r.ok, r.position.record, r.card.id, r.card.expMonth])).toEqual([
      [true, 1, 'card_1', 3],
      [true, 2, 'card_2', 3],
    ]);
  });

  it('keeps every digit of a card number written as a JSON number', async () => {
    const text = `[{"id":"cus_A","card":{"id":"card_1","number":${testCardNumbers.unionpay},"exp_month":12,"exp_year":2031}}]`;
    const [record] = await read(text);
    expect(record).toMatchObject({ ok: true, card: { expMonth: 12, expYear: 2031 } });
    expect(record?.card.number?.last4).toBe(testCardNumbers.unionpay.slice(-4));
  });

  it('reports bad values per record and goes on', async () => {
    const badLuhn = `${visa.slice(0, -1)}1`;
    const records = await read([
      { id: 'cus_A', card: { ...nestedCard, number: badLuhn } },
      { id: 'cus_A', card: { ...nestedCard, id: 'card_2', exp_month: 13, exp_year: 'next' } },
      { card: { ...nestedCard, id: null, name: { first: 'Ada' } } },
      { id: 'cus_A', card: { ...nestedCard, id: 'card_4' } },
    ]);
    expect(records.map((r) => [r.ok, r.problems])).toEqual([
      [false, [{ field: 'card.number', reason: 'card number is not valid (failed the Luhn check)' }]],
      [
        false,
        [
          { field: 'card.exp_month', reason: 'month must be an integer from 1 to 12' },
          { field: 'card.exp_year', reason: 'year must be YY (0 to 99) or YYYY (2000 to 2099)' },
        ],
      ],
      [
        false,
        [
          { field: 'id', reason: 'is required' },
          { field: 'card.id', reason: 'is required' },
          { field: 'card.name', reason: 'must be text' },
        ],
      ],
      [true, []],
    ]);
    expectNoCardNumber(records, [badLuhn]);
  });

  it.each([
    ['a string', '"cards"', /expected an array of card records/],
    ['an array of strings', '["cus_A"]', /record is not a JSON object/],
    ['an object without "customers"', '{"data": []}', /no "customers" field/],
    ['"customers" as a string', '{"customers": "all"}', /"customers" must be an object/],
    ['a customer that is a number', '{"customers": {"cus_A": 1}}', /customer is not a JSON object/],
    ['"cards" as a string', '{"customers": {"cus_A": {"cards": "many"}}}', /"cards" must be an object/],
    ['a record without card fields', '[{"id": "cus_A", "email": "a@example.com"}]', /no card fields/],
    ['"card" as a string', '[{"id": "cus_A", "card": "card_1"}]', /"card" must be a JSON object/],
  ])('refuses %s as a file error (format: json)', async (_name, text, message) => {
    expect(await failure(text)).toMatchObject({
      reason: 'structure',
      message: expect.stringMatching(message),
    });
  });

  it('names the record where the JSON stops parsing, without quoting it', async () => {
    const text = `[{"id":"cus_A","card":{"id":"card_1","number":"${visa}","exp_month":1,"exp_year":2030}},{"id":"cus_B","card":{"number":"${mastercard}" "exp_month":1}}]`;
    const error = await failure(text);
    expect(error).toMatchObject({
      reason: 'syntax',
      record: 2,
      message: expect.stringMatching(/does not parse/),
    });
    expectNoCardNumber(error, [visa, mastercard]);

    const truncated = await failure(`[{"id":"cus_A","card":{"id":"card_1","number":"${visa}`);
    expect(truncated.reason).toBe('syntax');
    expectNoCardNumber(truncated, [visa]);
  });
});
