import { type Clock, systemClock } from '@cardbridge/core';
import { readCsvRows } from './csv.js';
import {
  type ClearBytes,
  decryptExport,
  detectEncoding,
  ENCODING_PEEK_BYTES,
  type ExportFileEncoding,
  readDecryptionKey,
} from './decrypt.js';
import { ExportFileError } from './errors.js';
import { readJsonRows } from './json.js';
import { type RawExportRow, toExportRecord } from './row.js';
import { ByteStream, type ExportFileSource } from './source.js';
import type { ExportFilePosition, StripeExportRecord } from './types.js';

export type ExportFileFormat = 'csv' | 'json';

export interface ReadStripeExportOptions {
  /** `auto` (the default) looks at the first non-blank character after decryption: `[` or `{` is JSON. */
  format?: ExportFileFormat | 'auto';
  /** Armored OpenPGP private key the file is encrypted to. Needed for an encrypted file. */
  privateKeyArmored?: string;
  passphrase?: string;
  /** Accept a file that is not encrypted. Off by default: card exports travel encrypted. */
  allowPlaintext?: boolean;
  /** Decides which cards are expired; read once, at the start. */
  clock?: Clock;
}

/**
 * The card records of a Stripe card-data export (CSV or JSON, OpenPGP-encrypted — armored or
 * binary — or, when allowed, clear), one at a time, in file order.
 *
 * Nothing is read until the iteration starts, and the file is never held whole: memory is one
 * chunk, one record (one customer in the customer-keyed JSON form). The clear text is never
 * written anywhere.
 *
 * - A file that cannot be read as a whole (key, decryption, syntax, a missing column, JSON of
 *   another shape) makes the iteration throw an {@link ExportFileError}.
 * - A row with bad values is yielded with `ok: false` and its `problems`; reading goes on.
 * - **An encrypted file's records are provisional until the iteration ends without an error**:
 *   OpenPGP checks integrity at the end of the stream (see decrypt.ts). Read the whole file
 *   before acting on any of it.
 */
export async function* readStripeExportFile(
  source: ExportFileSource,
  options: ReadStripeExportOptions = {},
): AsyncGenerator<StripeExportRecord, void, undefined> {
  const now = (options.clock ?? systemClock)();
  const file = new ByteStream(source);
  let clear: ClearBytes | undefined;
  try {
    const encoding = detectEncoding(await file.peek(ENCODING_PEEK_BYTES));
    clear = await openClearText(file, encoding, options);
    const text = new ByteStream(clear.chunks);
    const format =
      options.format === undefined || options.format === 'auto'
        ? sniffFormat(await text.peek(1024))
        : options.format;
    const rows: AsyncIterable<{ raw: RawExportRow } & ExportFilePosition> =
      format === 'csv' ? readCsvRows(text.chunks()) : readJsonRows(text.chunks());
    try {
      for await (const { raw, ...position } of rows) yield toExportRecord(raw, position, now);
    } catch (e) {
      // Garbage from a modified ciphertext often breaks the CSV or JSON before OpenPGP's check at
      // the end can say so: read on, and report the integrity failure when there is one.
      if (e instanceof ExportFileError && encoding !== 'plain') await clear.readRest();
      throw e;
    }
  } finally {
    await clear?.close();
    await file.close();
  }
}

async function openClearText(
  file: ByteStream,
  encoding: ExportFileEncoding,
  { privateKeyArmored, passphrase, allowPlaintext = false }: ReadStripeExportOptions,
): Promise<ClearBytes> {
  if (encoding === 'plain') {
    if (!allowPlaintext) {
      throw new ExportFileError(
        'plaintext',
        'the file is not encrypted; card exports must be OpenPGP-encrypted (allowPlaintext accepts a clear file)',
      );
    }
    return { chunks: file.chunks(), readRest: async () => {}, close: () => file.close() };
  }
  if (privateKeyArmored === undefined) {
    throw new ExportFileError(
      'key',
      'the file is OpenPGP-encrypted, and no private key was given to decrypt it',
    );
  }
  const key = await readDecryptionKey({ privateKeyArmored, passphrase });
  return decryptExport(file, encoding, key);
}

const WHITESPACE = new Set([0x20, 0x09, 0x0a, 0x0d]);

/** JSON starts with `[` or `{`; anything else is read as CSV. */
function sniffFormat(head: Uint8Array): ExportFileFormat {
  let i = head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf ? 3 : 0;
  while (i < head.length && WHITESPACE.has(head[i]!)) i++;
  return head[i] === 0x5b || head[i] === 0x7b ? 'json' : 'csv';
}
