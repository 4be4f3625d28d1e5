import { beforeAll, describe, expect, it } from 'vitest';
import { type ExportKeyPair, generateExportKeyPair } from '../../src/export-file/index.js';
import { bufferSource, expectNoCardNumber, generated, readAll, readError, textSource } from './helpers.js';

const PASSPHRASE = 'export key passphrase';
let keys: ExportKeyPair;
let otherKeys: ExportKeyPair;
let unprotectedKeys: ExportKeyPair;

beforeAll(async () => {
  [keys, otherKeys, unprotectedKeys] = await Promise.all([
    generateExportKeyPair({ passphrase: PASSPHRASE }),
    generateExportKeyPair({ passphrase: PASSPHRASE }),
    generateExportKeyPair(),
  ]);
});

const encryptedCsv = async (options: { armor?: boolean; encryptTo?: string } = {}) =>
  generated({ format: 'csv', cards: 6, seed: 'decryption', encryptTo: keys.publicKeyArmored, ...options });

describe('OpenPGP export files', { timeout: 60_000 }, () => {
  it('decrypts with a key that has no passphrase', async () => {
    const { bytes } = await encryptedCsv({ encryptTo: unprotectedKeys.publicKeyArmored });
    const records = await readAll(bufferSource(bytes), {
      privateKeyArmored: unprotectedKeys.privateKeyArmored,
    });
    expect(records).toHaveLength(6);
  });

  it('refuses a file encrypted to another key, saying so', async () => {
    const { bytes, customers } = await encryptedCsv();
    const error = await readError(bufferSource(bytes), {
      privateKeyArmored: otherKeys.privateKeyArmored,
      passphrase: PASSPHRASE,
    });
    expect(error.reason).toBe('decryption');
    expect(error.message).toMatch(/not encrypted to this private key/);
    expectNoCardNumber(
      error,
      customers.flatMap((c) => c.cards.map((card) => card.number)),
    );
  });

  it('refuses a wrong passphrase, and a protected key without one', async () => {
    const { bytes } = await encryptedCsv({ armor: true });
    const wrong = await readError(bufferSource(bytes), {
      privateKeyArmored: keys.privateKeyArmored,
      passphrase: 'not it',
    });
    expect(wrong).toMatchObject({ reason: 'key', message: expect.stringMatching(/wrong passphrase/) });

    const missing = await readError(bufferSource(bytes), { privateKeyArmored: keys.privateKeyArmored });
    expect(missing).toMatchObject({
      reason: 'key',
      message: expect.stringMatching(/passphrase, and none was given/),
    });
  });

  it('refuses an encrypted file when no key is given, and a key that is not a private key', async () => {
    const { bytes } = await encryptedCsv();
    expect(await readError(bufferSource(bytes), {})).toMatchObject({
      reason: 'key',
      message: expect.stringMatching(/OpenPGP-encrypted, and no private key was given/),
    });
    expect(await readError(bufferSource(bytes), { privateKeyArmored: keys.publicKeyArmored })).toMatchObject({
      reason: 'key',
      message: expect.stringMatching(/private key could not be read/),
    });
  });

  it('refuses a clear-text file unless allowPlaintext is set', async () => {
    const { bytes } = await generated({ format: 'csv', cards: 3 });
    const refused = await readError(bufferSource(bytes), {
      privateKeyArmored: keys.privateKeyArmored,
      passphrase: PASSPHRASE,
    });
    expect(refused).toMatchObject({ reason: 'plaintext', message: expect.stringMatching(/not encrypted/) });
    expect(await readAll(bufferSource(bytes), { allowPlaintext: true })).toHaveLength(3);

    // JSON, and a CSV behind a UTF-8 byte-order mark, are clear text too.
    const { bytes: json } = await generated({ format: 'json', cards: 2 });
    expect((await readError(bufferSource(json), {})).reason).toBe('plaintext');
    const withBom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), bytes]);
    expect((await readError(bufferSource(withBom), {})).reason).toBe('plaintext');
    expect(await readAll(bufferSource(withBom), { allowPlaintext: true })).toHaveLength(3);
  });

  it('reports a file changed after encryption as failing its integrity check', async () => {
    const { bytes, customers } = await encryptedCsv();
    // The last bytes of the ciphertext hold the modification detection code (MDC).
    const nearEnd = Buffer.from(bytes);
    nearEnd[nearEnd.length - 5]! ^= 0x01;
    const error = await readError(bufferSource(nearEnd), {
      privateKeyArmored: keys.privateKeyArmored,
      passphrase: PASSPHRASE,
    });
    expect(error).toMatchObject({ reason: 'integrity', message: expect.stringMatching(/integrity check/) });
    expectNoCardNumber(
      error,
      customers.flatMap((c) => c.cards.map((card) => card.number)),
    );

    // In the middle, the garbled block may break the CSV first: the read goes on to the end and
    // reports the integrity failure rather than a CSV error.
    const middle = Buffer.from(bytes);
    middle[Math.floor(middle.length / 2)]! ^= 0x04;
    const mid = await readError(bufferSource(middle), {
      privateKeyArmored: keys.privateKeyArmored,
      passphrase: PASSPHRASE,
    });
    expect(mid).toMatchObject({ reason: 'integrity', message: expect.stringMatching(/integrity check/) });
  });

  it('refuses a damaged or truncated OpenPGP message', async () => {
    const { bytes } = await encryptedCsv();
    const truncated = bytes.subarray(0, Math.floor(bytes.length / 2));
    expect(
      await readError(bufferSource(truncated), {
        privateKeyArmored: keys.privateKeyArmored,
        passphrase: PASSPHRASE,
      }),
    ).toMatchObject({ reason: 'integrity', message: expect.stringMatching(/ends early/) });
    const garbage = Buffer.from([0x85, 0x01, 0x02, 0x03, 0x04, 0x05]);
    expect(
      await readError(bufferSource(garbage), {
        privateKeyArmored: keys.privateKeyArmored,
        passphrase: PASSPHRASE,
      }),
    ).toMatchObject({
      reason: 'decryption',
      message: expect.stringMatching(/not a readable OpenPGP message/),
    });
  });

  it('says so when given a key instead of an encrypted message', async () => {
    const error = await readError(textSource(`\n\n${keys.publicKeyArmored}`), { allowPlaintext: true });
    expect(error).toMatchObject({
      reason: 'decryption',
      message: expect.stringMatching(/not an encrypted message/),
    });
  });
});
