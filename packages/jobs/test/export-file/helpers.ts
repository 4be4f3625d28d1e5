import { inspect } from 'node:util';
import { expect } from 'vitest';
import {
  type ExportFileError,
  type GeneratedCustomer,
  type GenerateStripeExportOptions,
  generateStripeExport,
  type ReadStripeExportOptions,
  readStripeExportFile,
  type StripeExportRecord,
} from '../../src/export-file/index.js';

/** Pinned "now" for expiry: generator and reader agree on which cards are expired. */
export const NOW = new Date('2026-06-15T12:00:00Z');
export const clock = () => NOW;

export async function readAll(
  source: AsyncIterable<Uint8Array | string>,
  options: ReadStripeExportOptions,
): Promise<StripeExportRecord[]> {
  const records: StripeExportRecord[] = [];
  for await (const record of readStripeExportFile(source, { clock, ...options })) records.push(record);
  return records;
}

/** A clear-text file from its text, in small chunks so that parsers see chunk boundaries. */
export async function* textSource(text: string, chunkSize = 7): AsyncGenerator<Uint8Array> {
  const bytes = Buffer.from(text, 'utf8');
  for (let i = 0; i < bytes.length; i += chunkSize) yield bytes.subarray(i, i + chunkSize);
}

export async function* bufferSource(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  yield bytes;
}

/** Generates a file in memory and returns it with the customers it holds. */
export async function generated(
  options: GenerateStripeExportOptions,
): Promise<{ bytes: Buffer; customers: GeneratedCustomer[] }> {
  const customers: GeneratedCustomer[] = [];
  const chunks: Uint8Array[] = [];
  for await (const chunk of generateStripeExport({
    now: NOW,
    ...options,
    onCustomer: (c) => customers.push(c),
  })) {
    chunks.push(chunk);
  }
  return { bytes: Buffer.concat(chunks), customers };
}

/** The ExportFileError the read ends with. */
export async function readError(
  source: AsyncIterable<Uint8Array | string>,
  options: ReadStripeExportOptions,
): Promise<ExportFileError> {
  try {
    await readAll(source, options);
  } catch (e) {
    expect(e).toMatchObject({ name: 'DomainError', code: 'VALIDATION_FAILED' });
    expect(e?.constructor?.name).toBe('ExportFileError');
    return e as ExportFileError;
  }
  throw new Error('expected the read to fail');
}

/** Neither the message nor how the value prints (details, nested records, secrets) contain any of `numbers`. */
export function expectNoCardNumber(value: unknown, numbers: readonly string[]): void {
  const shown = [
    value instanceof Error ? `${value.message}\n${value.stack ?? ''}` : '',
    inspect(value, { depth: 10 }),
  ].join('\n');
  for (const number of numbers) expect(shown).not.toContain(number);
}
