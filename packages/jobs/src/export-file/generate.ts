import { createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { stringify } from 'csv-stringify/sync';
import * as openpgp from 'openpgp';
import {
  type GeneratedCard,
  type GeneratedCardsOptions,
  type GeneratedCustomer,
  generatedCustomers,
} from './generated-cards.js';
import { toWebStream } from './source.js';
import { type ExportField, exportFields } from './types.js';

/**
 * Writes Stripe-style card-data export files of any size, for tests, demos and benchmarks: one
 * customer at a time is built, turned into CSV or JSON text and, when asked, encrypted as a
 * stream, so 100,000 cards never sit in memory.
 */

export type GeneratedJsonShape =
  /** `{"customers": {"cus_…": {…, "cards": {"card_…": {…}}}}}` */
  | 'customers'
  /** `[{"id": "cus_…", "card.number": "…", …}]` */
  | 'records'
  /** `[{"id": "cus_…", "card": {"number": "…", …}}]` */
  | 'nested-records';

export interface GenerateStripeExportOptions extends GeneratedCardsOptions {
  format: 'csv' | 'json';
  /** JSON only. Default `customers`. */
  jsonShape?: GeneratedJsonShape;
  /** CSV only: `upper` writes Stripe's example style (`CARD.NUMBER`). Default `lower`. */
  headerCase?: 'lower' | 'upper';
  /** Armored public key to encrypt to; clear text when absent. */
  encryptTo?: string;
  /** Armored (`-----BEGIN PGP MESSAGE-----`) rather than binary output. Default false. */
  armor?: boolean;
  /** Compress before encrypting, as GnuPG does by default. Default `none`. */
  compression?: 'none' | 'zlib' | 'zip';
  /** Called with each customer as it is written (tests collect what they expect here). */
  onCustomer?: (customer: GeneratedCustomer) => void;
}

/** Columns beside ours that a real export carries and a reader must ignore. */
const extraCsvColumns = ['card.transaction_ids', 'metadata.account_ref'];
const CHUNK_CHARS = 64 * 1024;

/** The file's bytes, produced as they are read. */
export async function* generateStripeExport(
  options: GenerateStripeExportOptions,
): AsyncGenerator<Uint8Array> {
  const clear = chunked(options.format === 'csv' ? csvText(options) : jsonText(options));
  if (options.encryptTo === undefined) {
    yield* clear;
    return;
  }
  const encryptionKeys = await openpgp.readKey({ armoredKey: options.encryptTo });
  const compression =
    openpgp.enums.compression[
      options.compression === 'zip' ? 'zip' : options.compression === 'zlib' ? 'zlib' : 'uncompressed'
    ];
  const encryption = {
    message: await openpgp.createMessage({ binary: toWebStream(clear) }),
    encryptionKeys,
    config: { preferredCompressionAlgorithm: compression },
  };
  const encrypted: ReadableStream<Uint8Array | string> = options.armor
    ? await openpgp.encrypt({ ...encryption, format: 'armored' })
    : await openpgp.encrypt({ ...encryption, format: 'binary' });
  const reader = encrypted.getReader();
  try {
    for (let next = await reader.read(); !next.done; next = await reader.read()) {
      yield typeof next.value === 'string' ? Buffer.from(next.value, 'utf8') : next.value;
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
}

export interface GeneratedExportSummary {
  customers: number;
  cards: number;
  expired: number;
  invalidNumbers: number;
  bytes: number;
}

/** Writes a generated export to `path` and says what is in it. */
export async function writeStripeExport(
  path: string,
  options: GenerateStripeExportOptions,
): Promise<GeneratedExportSummary> {
  const summary: GeneratedExportSummary = { customers: 0, cards: 0, expired: 0, invalidNumbers: 0, bytes: 0 };
  const counted = async function* (chunks: AsyncIterable<Uint8Array>) {
    for await (const chunk of chunks) {
      summary.bytes += chunk.length;
      yield chunk;
    }
  };
  await pipeline(
    Readable.from(
      counted(
        generateStripeExport({
          ...options,
          onCustomer: (customer) => {
            summary.customers += 1;
            summary.cards += customer.cards.length;
            summary.expired += customer.cards.filter((card) => card.expired).length;
            summary.invalidNumbers += customer.cards.filter((card) => card.invalidNumber).length;
            options.onCustomer?.(customer);
          },
        }),
      ),
    ),
    createWriteStream(path, { mode: 0o600 }),
  );
  return summary;
}

export interface ExportKeyPair {
  publicKeyArmored: string;
  privateKeyArmored: string;
}

/**
 * A key pair for test exports. `ecc` (Curve25519, the OpenPGP v4 kind GnuPG makes) is instant; `rsa` is RSA-4096, the kind Stripe
 * asks a receiving processor for, and takes seconds to make.
 */
export async function generateExportKeyPair(
  options: { passphrase?: string; type?: 'ecc' | 'rsa'; userName?: string } = {},
): Promise<ExportKeyPair> {
  const { passphrase, type = 'ecc', userName = 'cardbridge test export key' } = options;
  const { publicKey, privateKey } = await openpgp.generateKey({
    ...(type === 'rsa' ? { type: 'rsa', rsaBits: 4096 } : { type: 'ecc', curve: 'curve25519Legacy' }),
    userIDs: [{ name: userName }],
    ...(passphrase ? { passphrase } : {}),
    format: 'armored',
  });
  return { publicKeyArmored: publicKey, privateKeyArmored: privateKey };
}

function* csvText(options: GenerateStripeExportOptions): Generator<string> {
  const header = [...exportFields, ...extraCsvColumns];
  yield stringify([header.map((name) => (options.headerCase === 'upper' ? name.toUpperCase() : name))]);
  for (const customer of generatedCustomers(options)) {
    options.onCustomer?.(customer);
    const rows = customer.cards.map((card) => {
      const fields = flatFields(customer, card);
      return [...exportFields.map((field) => fields[field] ?? ''), '', `acct-${card.index + 1}`];
    });
    yield stringify(rows);
  }
}

function* jsonText(options: GenerateStripeExportOptions): Generator<string> {
  const shape = options.jsonShape ?? 'customers';
  yield shape === 'customers' ? '{"customers":{' : '[';
  let first = true;
  for (const customer of generatedCustomers(options)) {
    options.onCustomer?.(customer);
    if (shape === 'customers') {
      const cards = Object.fromEntries(customer.cards.map((card) => [card.id, nestedCard(card)]));
      yield `${first ? '' : ','}\n${JSON.stringify(customer.id)}:${JSON.stringify({
        ...customerFields(customer),
        metadata: { plan: 'pro' },
        cards,
      })}`;
      first = false;
      continue;
    }
    for (const card of customer.cards) {
      const record =
        shape === 'records'
          ? flatFields(customer, card)
          : { ...customerFields(customer), card: nestedCard(card) };
      yield `${first ? '' : ','}\n${JSON.stringify(record)}`;
      first = false;
    }
  }
  yield shape === 'customers' ? '\n}}\n' : '\n]\n';
}

function customerFields(customer: GeneratedCustomer) {
  return {
    id: customer.id,
    email: customer.email,
    name: customer.name,
    description: customer.description,
    default_source: customer.defaultSource,
  };
}

/** A card as Stripe's nested JSON spells it; expiry as numbers, as Stripe's API has them. */
function nestedCard(card: GeneratedCard) {
  return {
    id: card.id,
    number: card.number,
    exp_month: card.expMonth,
    exp_year: card.expYear,
    name: card.name,
    address_line1: card.addressLine1,
    address_line2: card.addressLine2,
    address_city: card.addressCity,
    address_state: card.addressState,
    address_zip: card.addressZip,
    address_country: card.addressCountry,
  };
}

function flatFields(
  customer: GeneratedCustomer,
  card: GeneratedCard,
): Record<ExportField, string | number | null> {
  const fields: Record<string, string | number | null> = customerFields(customer);
  for (const [key, value] of Object.entries(nestedCard(card))) fields[`card.${key}`] = value;
  return fields as Record<ExportField, string | number | null>;
}

/** Many small strings → fewer, larger byte chunks. */
async function* chunked(parts: Iterable<string>): AsyncGenerator<Uint8Array> {
  let pending = '';
  for (const part of parts) {
    pending += part;
    if (pending.length >= CHUNK_CHARS) {
      yield Buffer.from(pending, 'utf8');
      pending = '';
    }
  }
  if (pending !== '') yield Buffer.from(pending, 'utf8');
}
