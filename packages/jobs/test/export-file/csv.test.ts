import { testCardNumbers } from '@cardbridge/core';
import { describe, expect, it } from 'vitest';
import { expectNoCardNumber, readAll, readError, textSource } from './helpers.js';

const header =
  'id,email,name,description,default_source,card.id,card.number,card.exp_month,card.exp_year,card.name,' +
  'card.address_line1,card.address_line2,card.address_city,card.address_state,card.address_zip,card.address_country';
const visa = testCardNumbers.visa;
const amex = testCardNumbers.amex;
const row = (overrides: Partial<Record<string, string>> = {}) => {
  const values: Record<string, string> = {
    id: 'cus_A1',
    email: 'ada@example.com',
    name: 'Ada Lovelace',
    description: '',
    default_source: 'card_1',
    'card.id': 'card_1',
    'card.number': visa,
    'card.exp_month': '03',
    'card.exp_year': '2030',
    'card.name': 'Ada Lovelace',
    'card.address_line1': '"1 Main St, Apt 2"',
    'card.address_line2': '',
    'card.address_city': 'London',
    'card.address_state': '',
    'card.address_zip': 'EC1A 1BB',
    'card.address_country': 'GB',
    ...overrides,
  };
  return header
    .split(',')
    .map((name) => values[name])
    .join(',');
};
const csv = (...lines: string[]) => `${lines.join('\n')}\n`;
const read = (text: string) => readAll(textSource(text), { allowPlaintext: true });
const failure = (text: string) => readError(textSource(text), { allowPlaintext: true });

describe('CSV exports', { timeout: 30_000 }, () => {
  it('reads a row into customer and card fields', async () => {
    const [record] = await read(csv(header, row()));
    expect(record).toMatchObject({
      ok: true,
      position: { line: 2, record: 1 },
      customer: {
        id: 'cus_A1',
        email: 'ada@example.com',
        name: 'Ada Lovelace',
        description: null,
        defaultSource: 'card_1',
      },
      card: {
        id: 'card_1',
        expMonth: 3,
        expYear: 2030,
        name: 'Ada Lovelace',
        addressLine1: '1 Main St, Apt 2',
        addressLine2: null,
        addressCity: 'London',
        addressState: null,
        addressZip: 'EC1A 1BB',
        addressCountry: 'GB',
      },
      expired: false,
      isDefault: true,
      problems: [],
    });
    expect(record?.card.number?.brand).toBe('Visa');
    expect(record?.card.number?.last4).toBe('4242');
    expectNoCardNumber(record, [visa]);
  });

  it('matches headers whatever their case, ignores unknown columns and their order', async () => {
    const upper = 'CARD.NUMBER,Card.Exp_Month,CARD.EXP_YEAR,METADATA.PLAN,CARD.ID,ID,CARD.TRANSACTION_IDS';
    const records = await read(csv(upper, `${amex},12,2031,gold,card_9,cus_9,txn_1`));
    expect(records).toMatchObject([
      {
        ok: true,
        customer: { id: 'cus_9', email: null },
        card: { id: 'card_9', expMonth: 12, expYear: 2031 },
      },
    ]);
    expect(records[0]?.card.number?.brand).toBe('AmericanExpress');
  });

  it('reads several cards of one customer, one row each', async () => {
    const records = await read(
      csv(header, row(), row({ 'card.id': 'card_2', 'card.number': testCardNumbers.mastercard })),
    );
    expect(records.map((r) => [r.customer.id, r.card.id, r.isDefault])).toEqual([
      ['cus_A1', 'card_1', true],
      ['cus_A1', 'card_2', false],
    ]);
  });

  it('reports a number failing the Luhn check on its row, names card.number, never echoes it, and goes on', async () => {
    const badLuhn = `${visa.slice(0, -1)}3`;
    const records = await read(csv(header, row({ 'card.number': badLuhn }), row({ 'card.id': 'card_2' })));
    expect(records).toHaveLength(2);
    const [bad, good] = records;
    expect(bad).toMatchObject({
      ok: false,
      position: { line: 2, record: 1 },
      customer: { id: 'cus_A1' },
      card: { id: 'card_1', number: null, expMonth: 3, expYear: 2030 },
      problems: [{ field: 'card.number', reason: 'card number is not valid (failed the Luhn check)' }],
    });
    expectNoCardNumber(bad, [badLuhn]);
    expect(good).toMatchObject({ ok: true, position: { line: 3, record: 2 } });
  });

  it('reports each bad value of a row with its field', async () => {
    const cases: [Partial<Record<string, string>>, { field: string; reason: string | RegExp }][] = [
      [{ 'card.number': '4242 4242 4242' }, { field: 'card.number', reason: /wrong length/ }],
      [{ 'card.number': '4242424242424242424242' }, { field: 'card.number', reason: /12 to 19 digits/ }],
      [{ 'card.number': '' }, { field: 'card.number', reason: 'card number is required' }],
      [
        { 'card.exp_month': '13' },
        { field: 'card.exp_month', reason: 'month must be an integer from 1 to 12' },
      ],
      [
        { 'card.exp_month': '0' },
        { field: 'card.exp_month', reason: 'month must be an integer from 1 to 12' },
      ],
      [{ 'card.exp_year': 'soon' }, { field: 'card.exp_year', reason: /year must be/ }],
      [{ 'card.exp_year': '' }, { field: 'card.exp_year', reason: 'is required' }],
      [{ 'card.id': '' }, { field: 'card.id', reason: 'is required' }],
      [{ id: '' }, { field: 'id', reason: 'is required' }],
      [{ id: 'cus 1' }, { field: 'id', reason: /Stripe id/ }],
      [{ 'card.name': `Ada ${amex}` }, { field: 'card.name', reason: 'looks like a card number' }],
    ];
    for (const [overrides, problem] of cases) {
      const [record] = await read(csv(header, row(overrides)));
      expect(record, JSON.stringify(overrides)).toMatchObject({
        ok: false,
        problems: [{ field: problem.field, reason: expect.stringMatching(problem.reason) }],
      });
      expectNoCardNumber(record, [amex, '4242424242424242424242']);
    }
  });

  it('reads an expired card as a valid row flagged expired, and a two-digit year as 20YY', async () => {
    const records = await read(
      csv(
        header,
        row({ 'card.exp_month': '5', 'card.exp_year': '2026' }),
        row({ 'card.exp_month': '6', 'card.exp_year': '26' }),
      ),
    );
    // helpers pin "now" to 2026-06-15: May 2026 is past, June 2026 is not.
    expect(records.map((r) => [r.ok, r.expired, r.card.expYear])).toEqual([
      [true, true, 2026],
      [true, false, 2026],
    ]);
  });

  it('names the line where an unclosed quote starts', async () => {
    const text = csv(
      header,
      row(),
      '',
      row({ 'card.id': 'card_2' }),
      row({ 'card.address_country': '"GB', 'card.id': 'card_3' }),
    );
    const error = await failure(text);
    expect(error).toMatchObject({
      reason: 'syntax',
      line: 5,
      record: 3,
      field: 'card.address_country',
      message: expect.stringMatching(
        /^Export file, line 5, record 3, field card.address_country: a quoted value is never closed/,
      ),
    });
    expectNoCardNumber(error, [visa]);
  });

  it('names the line of a quoted value followed by more text', async () => {
    const error = await failure(csv(header, row(), row({ 'card.name': '"Ada" Lovelace' })));
    expect(error).toMatchObject({ reason: 'syntax', line: 3, record: 2, field: 'card.name' });
  });

  it('names the line of a stray quote without quoting its value', async () => {
    const error = await failure(csv(header, row(), row({ 'card.number': `42"${visa}` })));
    expect(error).toMatchObject({ reason: 'syntax', line: 3, field: 'card.number' });
    expectNoCardNumber(error, [visa]);
  });

  it('names a missing required column', async () => {
    const withoutExpYear = header.replace(',card.exp_year', '');
    const error = await failure(csv(withoutExpYear, `cus_1,,,,,card_1,${visa},3,,,,,,,`));
    expect(error).toMatchObject({
      reason: 'structure',
      field: 'card.exp_year',
      message: 'Export file, line 1, field card.exp_year: the header has no card.exp_year column',
      details: { issues: [{ path: 'card.exp_year' }] },
    });
  });

  it('refuses a column named twice, a row with a value too many, and an empty file', async () => {
    expect(await failure(csv(`${header},CARD.NUMBER`, `${row()},${visa}`))).toMatchObject({
      reason: 'structure',
      field: 'card.number',
    });
    const tooMany = await failure(csv(header, row(), `${row()},${visa}`));
    expect(tooMany).toMatchObject({ reason: 'syntax', line: 3, record: 2 });
    expectNoCardNumber(tooMany, [visa]);
    expect(await failure('')).toMatchObject({ reason: 'structure', message: expect.stringMatching(/empty/) });
  });

  it('reads a header alone as a file without cards', async () => {
    expect(await read(csv(header))).toEqual([]);
  });
});
