import { dumpAllTables } from '@cardbridge/db/testing';
import {
  type ExportKeyPair,
  type GeneratedCustomer,
  type GenerateStripeExportOptions,
  generateExportKeyPair,
  generateStripeExport,
} from '@cardbridge/jobs';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrationHandlers } from '../../src/services/migrations/index.js';
import { capturedLogs, createTestApp, type TestApp, type TestTenant } from '../helpers.js';
import { allItems, bytesOf, holdings, type Job, runJob, upload } from './file-helpers.js';

/*
 * Export files that cannot be imported as they are: bad rows (each its own failure, the rest
 * goes in), and files that fail as a whole — wrong key, no key, tampered, malformed — which fail
 * the plan or the job with where and what, and leave nothing behind.
 */

const passphrase = 'export key passphrase';

async function generated(options: GenerateStripeExportOptions) {
  const customers: GeneratedCustomer[] = [];
  const bytes = await bytesOf(generateStripeExport({ ...options, onCustomer: (c) => customers.push(c) }));
  return { bytes, customers, numbers: customers.flatMap((c) => c.cards.map((card) => card.number)) };
}

/** CSV text with every value quoted (values hold commas and quotes). */
const toCsv = (rows: string[][]) =>
  `${rows.map((r) => r.map((v) => `"${v.replaceAll('"', '""')}"`).join(',')).join('\n')}\n`;

describe('migration job: export files that cannot be imported as they are', () => {
  let app: TestApp;
  let keys: ExportKeyPair;

  beforeAll(async () => {
    keys = await generateExportKeyPair({ passphrase });
    app = await createTestApp({ importKey: { armored: keys.privateKeyArmored, passphrase } });
    await app.deps.jobs.work(migrationHandlers(app.deps));
  });
  afterAll(async () => {
    await app.close();
  });

  /** No number of the file in any table or any log line. */
  async function expectNoNumberLeft(numbers: readonly string[]) {
    const dump = await dumpAllTables(app.deps.db);
    const logs = capturedLogs.join('\n');
    for (const number of numbers) {
      expect(dump).not.toContain(number);
      expect(logs).not.toContain(number);
    }
  }

  async function expectNothingWritten(t: TestTenant, job: Job) {
    expect(job.progress).toMatchObject({ total: 0, done: 0, counts: {} });
    expect(await allItems(t.caller, job.id)).toEqual([]);
    expect(await holdings(app, t.tenantId, job.id)).toEqual({
      customers: 0,
      cards: 0,
      imports: 0,
      chunks: 0,
    });
  }

  it('a bad row is a failure of its own, naming its field and line and never its number; the other rows go in', async () => {
    const t = await app.tenant();
    const file = await generated({ format: 'csv', cards: 8, seed: 21, invalidShare: 0.25 });
    const [header, ...records] = parse(file.bytes) as string[][];
    const column = (name: string) => header!.indexOf(name);
    const bad = new Set<number>();
    for (const [i, customer] of file.customers.entries()) if (customer.cards[0]!.invalidNumber) bad.add(i);
    expect(bad.size).toBeGreaterThan(0);
    // Three rows with good numbers get one bad value each.
    const [a, b, c] = [...records.keys()].filter((i) => !bad.has(i));
    records[a!]![column('card.exp_month')] = '13';
    records[b!]![column('card.id')] = '';
    records[c!]![column('card.exp_year')] = 'next year';
    for (const i of [a!, b!, c!]) bad.add(i);
    // A plain file is accepted: it was sealed by the vault at upload.
    const uploaded = await upload(app, t, 'export.csv', toCsv([header!, ...records]));
    const source = { kind: 'export_file' as const, fileId: uploaded.id };

    const plan = await runJob(t.caller, { source, dryRun: true });
    const run = await runJob(t.caller, { source });
    for (const job of [plan, run]) {
      expect(job.status).toBe('completed');
      expect(job.progress.counts).toEqual({ created: 8 - bad.size, failed: bad.size });
    }
    const failures = (await allItems(t.caller, run.id)).filter((i) => i.outcome === 'failed');
    // Record i of the file is on line i + 2 (the header is line 1).
    expect(failures.map((i) => i.position)).toEqual([...bad].sort((x, y) => x - y).map((i) => i + 2));
    const reasonOn = (record: number) => failures.find((i) => i.position === record + 2)!.reason;
    expect(reasonOn(a!)).toBe(`line ${a! + 2}: card.exp_month: month must be an integer from 1 to 12`);
    expect(reasonOn(b!)).toBe(`line ${b! + 2}: card.id: is required`);
    expect(reasonOn(c!)).toMatch(new RegExp(`^line ${c! + 2}: card\\.exp_year: `));
    for (const i of bad) {
      const card = file.customers[i]!.cards[0]!;
      const reason = reasonOn(i)!;
      if (card.invalidNumber) expect(reason).toMatch(/card\.number: card number is not valid/);
      expect(reason).not.toContain(card.number);
    }
    expect(await holdings(app, t.tenantId)).toMatchObject({ cards: 8 - bad.size });
    await expectNoNumberLeft(file.numbers);
  });

  it('a file encrypted to another key fails the job, says so, and writes nothing', async () => {
    const t = await app.tenant();
    const other = await generateExportKeyPair();
    const file = await generated({ format: 'csv', cards: 5, seed: 22, encryptTo: other.publicKeyArmored });
    const uploaded = await upload(app, t, 'export.csv.gpg', file.bytes);

    const job = await runJob(t.caller, { source: { kind: 'export_file', fileId: uploaded.id } });
    expect(job.status).toBe('failed');
    expect(job.error).toBe('Export file: the file is not encrypted to this private key (wrong key)');
    await expectNothingWritten(t, job);
  });

  it('an encrypted file on a server without an import key fails the job and names the setting', async () => {
    const t = await app.tenant();
    const file = await generated({ format: 'csv', cards: 3, seed: 23, encryptTo: keys.publicKeyArmored });
    const uploaded = await upload(app, t, 'export.csv.gpg', file.bytes);
    const configured = app.deps.importKey;
    app.deps.importKey = null;
    try {
      const job = await runJob(t.caller, { source: { kind: 'export_file', fileId: uploaded.id } });
      expect(job.status).toBe('failed');
      expect(job.error).toMatch(/OpenPGP-encrypted .* no import key .* CARDBRIDGE_IMPORT_PGP_KEY_FILE/);
      await expectNothingWritten(t, job);
    } finally {
      app.deps.importKey = configured;
    }
  });

  it('a tampered file fails at the end of its read, and what was read before is thrown away', async () => {
    const t = await app.tenant();
    // Two chunks' worth: the first is staged before the integrity check at the end can fail.
    const file = await generated({ format: 'csv', cards: 2400, seed: 24, encryptTo: keys.publicKeyArmored });
    const tampered = Buffer.from(file.bytes);
    const at = Math.floor(tampered.length * 0.9);
    tampered[at] = tampered[at]! ^ 0x01;
    const uploaded = await upload(app, t, 'export.csv.gpg', tampered);

    for (const dryRun of [true, false]) {
      const job = await runJob(t.caller, { source: { kind: 'export_file', fileId: uploaded.id }, dryRun });
      expect(job.status).toBe('failed');
      expect(job.error).toMatch(/integrity check: it was modified or damaged after encryption/);
      await expectNothingWritten(t, job);
    }
    await expectNoNumberLeft(file.numbers);
  });

  it('a malformed file fails the plan and the job with its line and field', async () => {
    const t = await app.tenant();
    const file = await generated({ format: 'csv', cards: 6, seed: 25 });
    const text = file.bytes.toString('utf8');

    const noNumbers = await upload(app, t, 'export.csv', text.replace('card.number', 'card.digits'));
    const plan = await runJob(t.caller, {
      source: { kind: 'export_file', fileId: noNumbers.id },
      dryRun: true,
    });
    expect(plan.status).toBe('failed');
    expect(plan.error).toBe('Export file, line 1, field card.number: the header has no card.number column');
    await expectNothingWritten(t, plan);

    const unclosed = await upload(app, t, 'export.csv', `${text.trimEnd()},"unclosed\n`);
    const run = await runJob(t.caller, { source: { kind: 'export_file', fileId: unclosed.id } });
    expect(run.status).toBe('failed');
    expect(run.error).toMatch(/^Export file, line 7, record 6: a quoted value is never closed/);
    await expectNothingWritten(t, run);
  });
});
