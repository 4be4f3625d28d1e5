/**
 * Writes a Stripe-style card-data export for tests, demos and benchmarks, or a test key pair.
 *
 *   pnpm --filter @cardbridge/jobs export-file --generate-key /tmp/export [--passphrase pw] [--key-type ecc|rsa]
 *   pnpm --filter @cardbridge/jobs export-file --cards 100000 --cards-per-customer 3 --format csv \
 *     --out /tmp/export.csv.gpg --encrypt-to /tmp/export.pub.asc [--seed 7] [--expired-share 0.1]
 *
 * See packages/jobs/README.md ("Stripe card-export files") for every flag.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import {
  type GeneratedJsonShape,
  generateExportKeyPair,
  writeStripeExport,
} from '../src/export-file/index.js';

const usage = `usage:
  generate-stripe-export --cards <n> --format csv|json --out <path> [options]
  generate-stripe-export --generate-key <prefix> [--passphrase <text>] [--key-type ecc|rsa]

file options:
  --cards-per-customer <k>   cards per customer (default 1)
  --json-shape customers|records|nested-records   (JSON only, default customers)
  --upper-case-header        CSV header as in Stripe's example (CARD.NUMBER)
  --encrypt-to <key.asc>     encrypt to this armored public key (else clear text)
  --armor                    armored output (default binary)
  --compress                 zlib-compress before encrypting, as GnuPG does
  --seed <n>                 same seed, same file (default 1)
  --customer-prefix <text>   put after "cus_" in every customer id
  --expired-share <0..1>     share of expired cards (default 0)
  --invalid-share <0..1>     share of card numbers failing the Luhn check (default 0)`;

function fail(message: string): never {
  process.stderr.write(`${message}\n\n${usage}\n`);
  process.exit(2);
}

function numberFlag(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (value.trim() === '' || !Number.isFinite(parsed)) fail(`--${name} must be a number`);
  return parsed;
}

const { values } = (() => {
  try {
    return parseArgs({
      options: {
        cards: { type: 'string' },
        'cards-per-customer': { type: 'string' },
        format: { type: 'string' },
        'json-shape': { type: 'string' },
        'upper-case-header': { type: 'boolean' },
        out: { type: 'string' },
        'encrypt-to': { type: 'string' },
        armor: { type: 'boolean' },
        compress: { type: 'boolean' },
        seed: { type: 'string' },
        'customer-prefix': { type: 'string' },
        'expired-share': { type: 'string' },
        'invalid-share': { type: 'string' },
        'generate-key': { type: 'string' },
        passphrase: { type: 'string' },
        'key-type': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    });
  } catch (e) {
    fail(e instanceof Error ? e.message : String(e));
  }
})();

if (values.help) {
  process.stdout.write(`${usage}\n`);
  process.exit(0);
}

if (values['generate-key'] !== undefined) {
  const prefix = values['generate-key'];
  const keyType = values['key-type'] ?? 'ecc';
  if (keyType !== 'ecc' && keyType !== 'rsa') fail('--key-type must be ecc or rsa');
  const pair = await generateExportKeyPair({ passphrase: values.passphrase, type: keyType });
  await writeFile(`${prefix}.pub.asc`, pair.publicKeyArmored);
  await writeFile(`${prefix}.key.asc`, pair.privateKeyArmored, { mode: 0o600 });
  process.stderr.write(`wrote ${prefix}.pub.asc and ${prefix}.key.asc (${keyType})\n`);
  process.exit(0);
}

const format = values.format;
if (format !== 'csv' && format !== 'json') fail('--format must be csv or json');
if (values.out === undefined) fail('--out is required');
if (values.cards === undefined) fail('--cards is required');
const jsonShape = values['json-shape'] ?? 'customers';
if (!['customers', 'records', 'nested-records'].includes(jsonShape)) {
  fail('--json-shape must be customers, records or nested-records');
}

try {
  const started = performance.now();
  const summary = await writeStripeExport(values.out, {
    format,
    jsonShape: jsonShape as GeneratedJsonShape,
    headerCase: values['upper-case-header'] ? 'upper' : 'lower',
    cards: numberFlag(values.cards, 'cards', 0),
    cardsPerCustomer: numberFlag(values['cards-per-customer'], 'cards-per-customer', 1),
    seed: values.seed ?? 1,
    customerPrefix: values['customer-prefix'] ?? '',
    expiredShare: numberFlag(values['expired-share'], 'expired-share', 0),
    invalidShare: numberFlag(values['invalid-share'], 'invalid-share', 0),
    encryptTo: values['encrypt-to'] === undefined ? undefined : await readFile(values['encrypt-to'], 'utf8'),
    armor: values.armor ?? false,
    compression: values.compress ? 'zlib' : 'none',
  });
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  process.stderr.write(
    `wrote ${values.out}: ${summary.cards} cards of ${summary.customers} customers ` +
      `(${summary.expired} expired, ${summary.invalidNumbers} invalid numbers), ${summary.bytes} bytes in ${seconds} s\n`,
  );
} catch (e) {
  fail(e instanceof Error ? e.message : String(e));
}
