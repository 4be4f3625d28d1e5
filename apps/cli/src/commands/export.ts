import { bulkExportSource, createMigrationJobInput } from '@cardbridge/core/schemas';
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { type JobFlags, startJob, withJobFlags } from '../jobs/start.js';
import { defined, intValue, listValue, numberValue, parseInput } from '../parse.js';
import { topLevelCommand } from './catalogue.js';

interface ExportCardsFlags extends JobFlags {
  to: string;
  customer: string[];
  brand?: string;
  createdAfter?: string;
  createdBefore?: string;
  rps?: string;
}

const brands = bulkExportSource.shape.brand.unwrap().options;

/** `--customer 1 --customer 2,3` → ['1', '2', '3']. */
const collect = (value: string, previous: string[]) => [...previous, ...(listValue(value) ?? [])];

export function registerExport(program: Command, ctx: CliContext): void {
  const exports = topLevelCommand(program, 'export');

  withJobFlags(
    exports
      .command('cards')
      .description(
        'copy vaulted cards (those whose number we hold) to another gateway account of the tenant, server to ' +
          'server, as a job; each card gets an alias there, not a second card (scopes imports and cards:export)',
      )
      .requiredOption('--to <id>', 'the gateway account the cards go to')
      .option('--customer <id>', "only this customer's cards (repeat it, or a comma list)", collect, [])
      .option('--brand <brand>', `only cards of this brand: ${brands.join(', ')}`)
      .option(
        '--created-after <iso>',
        'only cards created after this instant (ISO 8601 with an offset, e.g. 2026-01-01T00:00:00Z)',
      )
      .option('--created-before <iso>', 'only cards created before this instant')
      .option('--rps <n>', 'requests per second to the destination account (default: its documented limit)'),
  ).action(async (opts: ExportCardsFlags) => {
    const input = parseInput(createMigrationJobInput, {
      source: defined({
        kind: 'bulk_export',
        targetGatewayAccountId: intValue(opts.to),
        customerIds: opts.customer.length > 0 ? opts.customer.map(intValue) : undefined,
        // `visa` is Visa: the brand's case is the API's business, not the typist's.
        brand: brands.find((b) => b.toLowerCase() === opts.brand?.toLowerCase()) ?? opts.brand,
        createdAfter: opts.createdAfter,
        createdBefore: opts.createdBefore,
        requestsPerSecond: numberValue(opts.rps),
      }),
      dryRun: opts.dryRun ?? false,
    });
    await startJob(ctx, input, opts);
  });
}
