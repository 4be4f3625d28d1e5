import { beforeAll, describe, expect, it } from 'vitest';
import {
  type ExportKeyPair,
  type GenerateStripeExportOptions,
  generateExportKeyPair,
  generateStripeExport,
  readStripeExportFile,
} from '../../src/export-file/index.js';
import { clock, NOW } from './helpers.js';

/**
 * Streaming is shown by what has been read, not by time or heap size: the generator writes the
 * encrypted file while the reader reads it, and the first record must come out after a bounded
 * look-ahead, well before the end of the file. A reader (or OpenPGP with its default integrity
 * setting, which holds the clear text until its check at the end) would pull the whole file
 * first. Measured here: about 0.85 MB of look-ahead, the same for 20,000 and 100,000 cards.
 */
const CARDS = 20_000;
const LOOK_AHEAD_BOUND = 2 * 1024 * 1024;
let keys: ExportKeyPair;

beforeAll(async () => {
  keys = await generateExportKeyPair();
});

async function readWhileGenerating(options: Omit<GenerateStripeExportOptions, 'cards'>) {
  let pulled = 0;
  const source = async function* () {
    for await (const chunk of generateStripeExport({ cards: CARDS, now: NOW, ...options })) {
      pulled += chunk.length;
      yield chunk;
    }
  };
  let records = 0;
  let invalid = 0;
  let pulledAtFirstRecord = -1;
  for await (const record of readStripeExportFile(source(), {
    privateKeyArmored: keys.privateKeyArmored,
    clock,
  })) {
    if (records === 0) pulledAtFirstRecord = pulled;
    records += 1;
    if (!record.ok) invalid += 1;
  }
  return { records, invalid, pulledAtFirstRecord, pulled };
}

describe(`a ${CARDS.toLocaleString('en')}-card export`, { timeout: 120_000 }, () => {
  it('is read as it is decrypted (CSV, binary OpenPGP)', async () => {
    const result = await readWhileGenerating({
      format: 'csv',
      cardsPerCustomer: 2,
      encryptTo: keys.publicKeyArmored,
      invalidShare: 0.01,
    });
    expect(result.records).toBe(CARDS);
    expect(result.invalid).toBeGreaterThan(0);
    expect(result.pulled).toBeGreaterThan(2 * LOOK_AHEAD_BOUND);
    expect(result.pulledAtFirstRecord).toBeGreaterThan(0);
    expect(result.pulledAtFirstRecord).toBeLessThan(LOOK_AHEAD_BOUND);
  });

  it('is read as it is decrypted (JSON keyed by customer, armored)', async () => {
    const result = await readWhileGenerating({
      format: 'json',
      jsonShape: 'customers',
      cardsPerCustomer: 3,
      encryptTo: keys.publicKeyArmored,
      armor: true,
    });
    expect(result.records).toBe(CARDS);
    expect(result.pulled).toBeGreaterThan(2 * LOOK_AHEAD_BOUND);
    expect(result.pulledAtFirstRecord).toBeLessThan(LOOK_AHEAD_BOUND);
  });
});
