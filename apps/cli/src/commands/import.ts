import { createMigrationJobInput, exportFileSource, mappingFileSource } from '@cardbridge/core/schemas';
import type { Command } from 'commander';
import { z } from 'zod';
import type { CliContext } from '../context.js';
import { UsageError } from '../errors.js';
import { type JobFlags, startJob, uploadSourceFile, withJobFlags } from '../jobs/start.js';
import { defined, intValue, listValue, numberValue, parseInput } from '../parse.js';
import { topLevelCommand } from './catalogue.js';

interface StripeAccountFlags extends JobFlags {
  gatewayAccount: string;
  connectedAccounts?: string;
  matchBy?: string;
  paymentMethods?: string;
  sync?: boolean;
  apply?: boolean;
  rps?: string;
}

interface ExportFileFlags extends JobFlags {
  gatewayAccount?: string;
  format?: string;
  matchBy?: string;
}

interface MappingFlags extends JobFlags {
  gatewayAccount: string;
  rps?: string;
}

const matchByHelp =
  "how a Stripe customer finds ours when no earlier import linked them: gateway_customer (default: the Stripe customer id we hold), reference (our customer's reference = the Stripe customer id) or email";
const rpsHelp =
  "requests per second to the gateway account, shared by all workers (default: Stripe's documented limit, 25 in test mode, 100 live)";

/** `all`, or `acct_1,acct_2`. */
const connectedValue = (raw: string | undefined) =>
  raw === undefined || raw === 'all' ? raw : listValue(raw);

/**
 * A source's flags, checked by core's schema before a file is uploaded (a bad `--format` is
 * said at once, not after gigabytes): issues name `source.<field>`, as the API's would.
 */
function checkSourceFlags(schema: z.ZodType, source: Record<string, unknown>): void {
  parseInput(z.strictObject({ source: schema }), { source });
}

export function registerImport(program: Command, ctx: CliContext): void {
  const imports = topLevelCommand(program, 'import');

  withJobFlags(
    imports
      .command('stripe-account')
      .description(
        'import every card of a Stripe account by reference (customers, their card sources and PaymentMethods; ' +
          'the cards stay at Stripe), or of its Connect accounts',
      )
      .requiredOption(
        '--gateway-account <id>',
        'the Stripe gateway account to read (the platform, with --connected-accounts)',
      )
      .option(
        '--connected-accounts <accounts>',
        "Stripe Connect: 'all' the platform's connected accounts, or acct_1,acct_2 (each needs a gateway account of its own)",
      )
      .option('--match-by <how>', matchByHelp)
      .option(
        '--payment-methods <which>',
        "PaymentMethods (pm_…) to read: default (only customers' defaults, fewest requests), all, or none",
      )
      .option(
        '--sync',
        'compare with what we hold: expiry changes, cards gone at Stripe, new cards, defaults',
      )
      .option('--apply', 'with --sync: apply the differences (without it they are only reported, as drift)')
      .option('--rps <n>', rpsHelp),
  ).action(async (opts: StripeAccountFlags) => {
    if (opts.apply && !opts.sync) {
      throw new UsageError('--apply needs --sync: it applies what a sync finds', [
        { path: 'source.apply', message: 'needs --sync' },
      ]);
    }
    const input = parseInput(createMigrationJobInput, {
      source: defined({
        kind: 'stripe_account',
        gatewayAccountId: intValue(opts.gatewayAccount),
        connectedAccounts: connectedValue(opts.connectedAccounts),
        matchBy: opts.matchBy,
        paymentMethods: opts.paymentMethods,
        sync: opts.sync,
        apply: opts.apply,
        requestsPerSecond: numberValue(opts.rps),
      }),
      dryRun: opts.dryRun ?? false,
    });
    await startJob(ctx, input, opts);
  });

  withJobFlags(
    imports
      .command('export-file')
      .description(
        'import the cards of a Stripe card export (CSV or JSON, OpenPGP-encrypted or not: it is uploaded as it is; the server decrypts it with its import key) into the vault (scopes imports and cards:intake)',
      )
      .argument('<path>', 'the export file')
      .option(
        '--gateway-account <id>',
        'the Stripe gateway account the export came from: each card keeps its Stripe ids there, so a later import of that account links instead of duplicating',
      )
      .option('--format <format>', 'auto (default), csv or json')
      .option('--match-by <how>', matchByHelp),
  ).action(async (file: string, opts: ExportFileFlags) => {
    const source = defined({
      kind: 'export_file' as const,
      gatewayAccountId: intValue(opts.gatewayAccount),
      format: opts.format,
      matchBy: opts.matchBy,
    });
    checkSourceFlags(exportFileSource.omit({ fileId: true }), source);
    const uploaded = await uploadSourceFile(ctx, file);
    const input = parseInput(createMigrationJobInput, {
      source: { ...source, fileId: uploaded.id },
      dryRun: opts.dryRun ?? false,
    });
    await startJob(ctx, input, opts);
  });

  withJobFlags(
    imports
      .command('mapping')
      .description(
        'import Stripe cards by reference from a mapping CSV (a header row naming our customer id or reference, the Stripe customer id and the Stripe card id)',
      )
      .argument('<path>', 'the mapping CSV')
      .requiredOption('--gateway-account <id>', 'the Stripe gateway account the cards are at')
      .option('--rps <n>', rpsHelp),
  ).action(async (file: string, opts: MappingFlags) => {
    const source = defined({
      kind: 'mapping_file' as const,
      gatewayAccountId: intValue(opts.gatewayAccount),
      requestsPerSecond: numberValue(opts.rps),
    });
    checkSourceFlags(mappingFileSource.omit({ fileId: true }), source);
    const uploaded = await uploadSourceFile(ctx, file);
    const input = parseInput(createMigrationJobInput, {
      source: { ...source, fileId: uploaded.id },
      dryRun: opts.dryRun ?? false,
    });
    await startJob(ctx, input, opts);
  });
}
