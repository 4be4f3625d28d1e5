import * as openpgp from 'openpgp';
import { ExportFileError } from './errors.js';
import { type ByteStream, toWebStream } from './source.js';

/**
 * OpenPGP decryption of an export as a stream (OpenPGP.js 6, Web Streams).
 *
 * Integrity and memory. A message encrypted the classic way (SEIPD v1, what GnuPG and Stripe's
 * exports use) carries its integrity check (MDC) at the very end. By default OpenPGP.js
 * therefore holds back the whole clear text until it has checked it: memory grows with the
 * file (measured: 330 MB of RSS for an 85 MB file). We set `allowUnauthenticatedStream`, so
 * clear text flows as it is decrypted and a failed check surfaces as an error at the end of
 * the stream instead. The contract that makes this safe: **records read from an encrypted
 * file are provisional until the reader finishes without an error.** A job must read the
 * whole file (its plan pass) before it writes anything, so a file that was modified or
 * truncated fails the plan and nothing is imported. AEAD messages (SEIPD v2) are checked
 * chunk by chunk by OpenPGP.js itself, with the same final check for truncation.
 *
 * The clear text exists only in memory, a chunk at a time: nothing here writes to disk.
 */

export type ExportFileEncoding = 'armored-pgp' | 'binary-pgp' | 'plain';

/** Enough to see an armor header behind a few blank lines, or an OpenPGP packet tag. */
export const ENCODING_PEEK_BYTES = 256;

const ARMOR_MESSAGE = '-----BEGIN PGP MESSAGE-----';
const ARMOR_ANY = '-----BEGIN PGP ';
const UTF8_BOM = [0xef, 0xbb, 0xbf];

/** Tells an armored or binary OpenPGP message from a clear-text file by its first bytes. */
export function detectEncoding(head: Uint8Array): ExportFileEncoding {
  const first = head[0];
  if (first === undefined) return 'plain';
  const hasBom = UTF8_BOM.every((byte, i) => head[i] === byte);
  // Every OpenPGP packet header has its top bit set; text (ASCII, or UTF-8 behind a BOM) never
  // starts with such a byte except the BOM itself.
  if ((first & 0x80) !== 0 && !hasBom) return 'binary-pgp';
  const text = Buffer.from(head.subarray(hasBom ? UTF8_BOM.length : 0))
    .toString('latin1')
    .trimStart();
  if (text.startsWith(ARMOR_MESSAGE)) return 'armored-pgp';
  if (text.startsWith(ARMOR_ANY)) {
    throw new ExportFileError(
      'decryption',
      'the file is an OpenPGP block of another kind (a key or a signature), not an encrypted message',
    );
  }
  return 'plain';
}

export interface DecryptionKeyOptions {
  /** The armored private key (`-----BEGIN PGP PRIVATE KEY BLOCK-----`). */
  privateKeyArmored: string;
  /** Its passphrase, when it has one. */
  passphrase?: string | undefined;
}

/** Reads and unlocks the private key; every failure is an ExportFileError with reason `key`. */
export async function readDecryptionKey({
  privateKeyArmored,
  passphrase,
}: DecryptionKeyOptions): Promise<openpgp.PrivateKey> {
  let key: openpgp.PrivateKey;
  try {
    key = await openpgp.readPrivateKey({ armoredKey: privateKeyArmored });
  } catch {
    throw new ExportFileError(
      'key',
      'the private key could not be read (expected an armored OpenPGP private key)',
    );
  }
  if (key.isDecrypted()) return key;
  if (passphrase === undefined || passphrase === '') {
    throw new ExportFileError('key', 'the private key is protected by a passphrase, and none was given');
  }
  try {
    return await openpgp.decryptKey({ privateKey: key, passphrase });
  } catch {
    throw new ExportFileError('key', 'the passphrase does not unlock the private key (wrong passphrase)');
  }
}

/** Decrypted bytes, read by the CSV or JSON reader. */
export interface ClearBytes {
  /** The clear text. Leaving the loop early does not cancel decryption: see `readRest`, `close`. */
  chunks: AsyncIterable<Uint8Array>;
  /**
   * Reads (and drops) what the format reader left, so that OpenPGP's integrity check at the end
   * can speak: a CSV error inside a modified file is reported as the integrity failure it is.
   */
  readRest(): Promise<void>;
  close(): Promise<void>;
}

export async function decryptExport(
  bytes: ByteStream,
  encoding: Exclude<ExportFileEncoding, 'plain'>,
  key: openpgp.PrivateKey,
): Promise<ClearBytes> {
  const encrypted = toWebStream(bytes.chunks());
  let data: ReadableStream<Uint8Array>;
  try {
    const message =
      encoding === 'armored-pgp'
        ? await openpgp.readMessage({ armoredMessage: encrypted.pipeThrough(new TextDecoderStream()) })
        : await openpgp.readMessage({ binaryMessage: encrypted });
    const decrypted = await openpgp.decrypt({
      message,
      decryptionKeys: key,
      format: 'binary',
      config: { allowUnauthenticatedStream: true },
    });
    data = decrypted.data as ReadableStream<Uint8Array>;
  } catch (e) {
    await encrypted.cancel().catch(() => {});
    throw openpgpFailure(e, 'opening');
  }

  const reader = data.getReader();
  let finished = false;
  const read = async (): Promise<IteratorResult<Uint8Array>> => {
    if (finished) return { done: true, value: undefined };
    try {
      const next = await reader.read();
      if (next.done) {
        finished = true;
        return { done: true, value: undefined };
      }
      return { done: false, value: next.value };
    } catch (e) {
      finished = true;
      throw openpgpFailure(e, 'reading');
    }
  };
  return {
    chunks: {
      [Symbol.asyncIterator]: () => ({ next: read, return: async () => ({ done: true, value: undefined }) }),
    },
    async readRest() {
      while (!(await read()).done) {
        // Dropped: only the end of the stream matters here.
      }
    },
    async close() {
      if (finished) return;
      finished = true;
      await reader.cancel().catch(() => {});
    },
  };
}

/** OpenPGP.js's messages name packets and keys, never clear text; they are kept as the detail. */
function openpgpFailure(e: unknown, stage: 'opening' | 'reading'): ExportFileError {
  if (e instanceof ExportFileError) return e;
  const detail = e instanceof Error ? e.message.replace(/^Error decrypting message: /, '') : 'unknown error';
  if (/modification detected|authentication tag|integrity/i.test(detail)) {
    return new ExportFileError(
      'integrity',
      'the encrypted file failed its integrity check: it was modified or damaged after encryption',
    );
  }
  if (stage === 'reading' && /unexpected end/i.test(detail)) {
    return new ExportFileError('integrity', 'the encrypted file ends early: it was truncated');
  }
  if (
    /no decryption key packets found|session key decryption failed|no public key encrypted session key/i.test(
      detail,
    )
  ) {
    return new ExportFileError('decryption', 'the file is not encrypted to this private key (wrong key)');
  }
  return new ExportFileError('decryption', `the file is not a readable OpenPGP message (${detail})`);
}
