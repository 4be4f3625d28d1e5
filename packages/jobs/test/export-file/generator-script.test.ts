import { execFile } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  generateExportKeyPair,
  readStripeExportFile,
  writeStripeExport,
} from '../../src/export-file/index.js';
import { readAll } from './helpers.js';

const run = promisify(execFile);
const script = join(import.meta.dirname, '../../scripts/generate-stripe-export.ts');
const generate = (...args: string[]) =>
  run(process.execPath, ['--import', 'tsx', script, ...args], { cwd: join(import.meta.dirname, '../..') });

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cardbridge-export-file-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('generate-stripe-export script', { timeout: 60_000 }, () => {
  it('writes a key pair, then a file encrypted to it that the reader decrypts', async () => {
    const prefix = join(dir, 'test-key');
    await generate('--generate-key', prefix, '--passphrase', 'pw');
    expect((await stat(`${prefix}.key.asc`)).mode & 0o777).toBe(0o600);

    const out = join(dir, 'export.json.gpg');
    const { stderr } = await generate(
      ...['--cards', '12', '--cards-per-customer', '4', '--format', 'json', '--out', out],
      ...[
        '--encrypt-to',
        `${prefix}.pub.asc`,
        '--seed',
        '9',
        '--expired-share',
        '0.5',
        '--customer-prefix',
        'demo',
      ],
    );
    expect(stderr).toMatch(/wrote .*export\.json\.gpg: 12 cards of 3 customers/);

    const records = await readAll(createReadStream(out), {
      privateKeyArmored: await readFile(`${prefix}.key.asc`, 'utf8'),
      passphrase: 'pw',
    });
    expect(records).toHaveLength(12);
    expect(records.every((r) => r.ok && r.customer.id.startsWith('cus_demo'))).toBe(true);
    expect(records.some((r) => r.expired)).toBe(true);
  });

  it('refuses a bad flag with the usage', async () => {
    await expect(generate('--cards', '3', '--format', 'xml', '--out', join(dir, 'x'))).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/--format must be csv or json[\s\S]*usage:/),
    });
  });
});

describe('stopping early', { timeout: 60_000 }, () => {
  it.each([
    ['a clear', false],
    ['an encrypted', true],
  ])('closes %s file when the consumer stops reading', async (_name, encrypted) => {
    const keys = await generateExportKeyPair();
    const path = join(dir, `early-${encrypted}.csv`);
    const summary = await writeStripeExport(path, {
      format: 'csv',
      cards: 5_000,
      ...(encrypted ? { encryptTo: keys.publicKeyArmored } : {}),
    });
    expect(summary).toMatchObject({ cards: 5_000, customers: 5_000, expired: 0, invalidNumbers: 0 });
    const file = createReadStream(path, { highWaterMark: 1024 });
    const options = encrypted ? { privateKeyArmored: keys.privateKeyArmored } : { allowPlaintext: true };
    for await (const record of readStripeExportFile(file, options)) {
      expect(record.position.record).toBe(1);
      break;
    }
    expect(file.destroyed).toBe(true);
    expect(file.bytesRead).toBeLessThan(summary.bytes);
  });
});
