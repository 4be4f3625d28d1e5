import { pipeline, Readable } from 'node:stream';
import Assembler from 'stream-json/assembler.js';
import parser, { type Token } from 'stream-json/parser.js';
import { ExportFileError } from './errors.js';
import type { RawExportRow } from './row.js';
import type { ExportField } from './types.js';

/**
 * The JSON forms of a Stripe card export, read token by token (stream-json) so that only one
 * record — or, in the customer-keyed form, one customer with its cards — is in memory at a time:
 *
 * - an array of flat card records: `[{"id": "cus_…", "card.number": "…", …}]`, or the same with a
 *   nested card: `[{"id": "cus_…", "card": {"id": "card_…", "number": "…", …}}]`;
 * - customer-keyed: `{"customers": {"cus_…": {"id", "email", "name", "description",
 *   "default_source", "cards": {"card_…": {…}} or [{…}]}}}` (`customers` may also be an array;
 *   other top-level fields are skipped).
 *
 * Numbers are kept as the text the file holds, so a card number written as a JSON number loses
 * no digit and an expiry "03" reads as 3.
 */

export interface JsonRow {
  raw: RawExportRow;
  record: number;
}

/** One customer (all its cards) must fit in this much JSON; it bounds memory on a broken file. */
export const MAX_JSON_VALUE_BYTES = 32 * 1024 * 1024;

/** Stripe's card field names without the `card.` prefix, as nested card objects spell them. */
const cardKeys = [
  'id',
  'number',
  'exp_month',
  'exp_year',
  'name',
  'address_line1',
  'address_line2',
  'address_city',
  'address_state',
  'address_zip',
  'address_country',
] as const;
const customerKeys = ['id', 'email', 'name', 'description', 'default_source'] as const;

type JsonObject = Record<string, unknown>;
const isObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const SHAPES =
  'expected an array of card records, or an object with a "customers" field (see packages/jobs/README.md)';

export async function* readJsonRows(chunks: AsyncIterable<Uint8Array>): AsyncGenerator<JsonRow> {
  const budget = new ByteBudget(MAX_JSON_VALUE_BYTES);
  const tokenStream = parser.asStream({ streamValues: false });
  pipeline(Readable.from(budget.watch(chunks), { objectMode: false }), tokenStream, () => {
    // Errors reach the token loop through the parser stream.
  });
  const tokens = new TokenReader(tokenStream as AsyncIterable<Token>);
  let records = 0;
  const next = (raw: RawExportRow): JsonRow => {
    records += 1;
    budget.reset();
    return { raw, record: records };
  };
  try {
    const first = await tokens.next();
    if (first === undefined) throw new ExportFileError('structure', 'the file is empty');
    if (first.name === 'startArray') {
      for (let item = await tokens.next(); item?.name !== 'endArray'; item = await tokens.next()) {
        if (item?.name !== 'startObject') {
          throw new ExportFileError('structure', `a record is not a JSON object; ${SHAPES}`, {
            record: records + 1,
          });
        }
        yield next(flatRecord(await tokens.assemble(item), records + 1));
      }
    } else if (first.name === 'startObject') {
      let sawCustomers = false;
      for (let key = await tokens.next(); key?.name !== 'endObject'; key = await tokens.next()) {
        if (key?.name !== 'keyValue') throw unexpectedEnd(records);
        if (key.value !== 'customers') {
          await tokens.skipValue();
          budget.reset();
          continue;
        }
        sawCustomers = true;
        for await (const customer of customers(tokens, () => records + 1)) {
          for (const raw of customerCards(customer, records + 1)) yield next(raw);
        }
      }
      if (!sawCustomers)
        throw new ExportFileError('structure', `the object has no "customers" field; ${SHAPES}`);
    } else {
      throw new ExportFileError('structure', SHAPES);
    }
  } catch (e) {
    throw jsonFailure(e, records + 1);
  } finally {
    tokenStream.destroy();
  }
}

/** Each customer object of the `customers` field (an object keyed by customer id, or an array). */
async function* customers(tokens: TokenReader, record: () => number): AsyncGenerator<JsonObject> {
  const start = await tokens.next();
  const keyed = start?.name === 'startObject';
  if (!keyed && start?.name !== 'startArray') {
    throw new ExportFileError(
      'structure',
      '"customers" must be an object keyed by customer id, or an array of customers',
      { record: record() },
    );
  }
  for (;;) {
    let value = await tokens.next();
    if (value?.name === (keyed ? 'endObject' : 'endArray')) return;
    let key: string | undefined;
    if (keyed) {
      if (value?.name !== 'keyValue') throw unexpectedEnd(record() - 1);
      key = value.value;
      value = await tokens.next();
    }
    if (value?.name !== 'startObject') {
      throw new ExportFileError('structure', 'a customer is not a JSON object', { record: record() });
    }
    const customer = await tokens.assemble(value);
    // In the keyed form the key is the customer id; an `id` inside wins when both are there.
    yield key !== undefined && customer.id === undefined ? { ...customer, id: key } : customer;
  }
}

function customerCards(customer: JsonObject, firstRecord: number): RawExportRow[] {
  const fields = pick(customer, customerKeys, '');
  const { cards } = customer;
  if (cards === undefined || cards === null) return [];
  if (!Array.isArray(cards) && !isObject(cards)) {
    throw new ExportFileError(
      'structure',
      '"cards" must be an object keyed by card id, or an array of cards',
      {
        record: firstRecord,
      },
    );
  }
  const entries: [string | undefined, unknown][] = Array.isArray(cards)
    ? cards.map((card) => [undefined, card])
    : Object.entries(cards);
  return entries.map(([key, card], i) => {
    if (!isObject(card)) {
      throw new ExportFileError('structure', 'a card is not a JSON object', { record: firstRecord + i });
    }
    const withId = key !== undefined && card.id === undefined ? { ...card, id: key } : card;
    return { ...fields, ...pick(withId, cardKeys, 'card.') };
  });
}

/** A flat record: dotted `card.*` keys, or a nested `card` object (dotted keys win when both are there). */
function flatRecord(record: JsonObject, position: number): RawExportRow {
  const { card } = record;
  if (card !== undefined && card !== null && !isObject(card)) {
    throw new ExportFileError('structure', '"card" must be a JSON object', {
      record: position,
      field: 'card',
    });
  }
  const hasDotted = Object.keys(record).some((key) => key.startsWith('card.'));
  if (!hasDotted && !isObject(card)) {
    throw new ExportFileError('structure', `the record has no card fields; ${SHAPES}`, { record: position });
  }
  const nested = isObject(card) ? pick(card, cardKeys, 'card.') : {};
  const dotted = pick(
    record,
    cardKeys.map((key) => `card.${key}` as const),
    '',
  );
  return { ...pick(record, customerKeys, ''), ...nested, ...dotted };
}

/** The known fields of `object`, renamed to the export's field names; values stay as the file has them. */
function pick(object: JsonObject, keys: readonly string[], prefix: '' | 'card.'): RawExportRow {
  const out: RawExportRow = {};
  for (const key of keys) {
    if (Object.hasOwn(object, key) && object[key] !== undefined)
      out[`${prefix}${key}` as ExportField] = object[key];
  }
  return out;
}

/** Pulls tokens one at a time; assembles a whole value or skips one. */
class TokenReader {
  readonly #iterator: AsyncIterator<Token>;

  constructor(tokens: AsyncIterable<Token>) {
    this.#iterator = tokens[Symbol.asyncIterator]();
  }

  async next(): Promise<Token | undefined> {
    const next = await this.#iterator.next();
    return next.done ? undefined : next.value;
  }

  /** The object that starts with `start` (a `startObject` token already read). */
  async assemble(start: Token): Promise<JsonObject> {
    const assembler = new Assembler<JsonObject>({ numberAsString: true });
    assembler.consume(start);
    while (!assembler.done) {
      const token = await this.next();
      if (token === undefined) throw unexpectedEnd();
      assembler.consume(token);
    }
    return assembler.current as JsonObject;
  }

  /** Reads past the value that comes next, without keeping it. */
  async skipValue(): Promise<void> {
    let depth = 0;
    do {
      const token = await this.next();
      if (token === undefined) throw unexpectedEnd();
      if (token.name === 'startObject' || token.name === 'startArray') depth += 1;
      else if (token.name === 'endObject' || token.name === 'endArray') depth -= 1;
    } while (depth > 0);
  }
}

/** Counts bytes handed to the parser since the last record, so a runaway value fails instead of filling memory. */
class ByteBudget {
  #used = 0;
  constructor(readonly limit: number) {}

  reset(): void {
    this.#used = 0;
  }

  async *watch(chunks: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
    for await (const chunk of chunks) {
      this.#used += chunk.length;
      if (this.#used > this.limit) {
        throw new ExportFileError(
          'structure',
          `one record (or one customer with its cards) is longer than ${this.limit / 1024 / 1024} MiB of JSON`,
        );
      }
      yield chunk;
    }
  }
}

function unexpectedEnd(record?: number): ExportFileError {
  return new ExportFileError('syntax', 'the JSON ends in the middle of a value', { record });
}

/** stream-json's messages describe the syntax ("expected ','"), never the text: they are kept. */
function jsonFailure(e: unknown, record: number): unknown {
  if (e instanceof ExportFileError || !(e instanceof Error)) return e;
  if (!/^Parser /.test(e.message)) return e;
  const detail = e.message.replace(/^Parser cannot parse input: /, '').replace(/^Parser has /, '');
  return new ExportFileError('syntax', `the JSON does not parse (${detail})`, { record });
}
