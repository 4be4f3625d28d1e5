import {
  type CustomerDto,
  createCustomerInput,
  getCustomerInput,
  listCustomersInput,
  updateCustomerInput,
} from '@cardbridge/core/schemas';
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { UsageError } from '../errors.js';
import { pageHint, recordTable, shortDate, table } from '../output.js';
import { clearableValue, defined, intValue, parseInput } from '../parse.js';
import { topLevelCommand } from './catalogue.js';

interface CustomerFlags {
  firstName?: string;
  lastName?: string;
  email?: string;
  company?: string;
  reference?: string;
}

export interface PageFlags {
  limit?: string;
  startingAfter?: string;
  endingBefore?: string;
}

function withCustomerFlags(cmd: Command): Command {
  return cmd
    .option('--first-name <name>', 'first name')
    .option('--last-name <name>', 'last name')
    .option('--email <email>', 'email address')
    .option('--company <name>', 'company name')
    .option('--reference <ref>', 'your own reference for the customer (unique per tenant)');
}

export function withPageFlags(cmd: Command): Command {
  return cmd
    .option('--limit <n>', 'page size, 1..100 (default 10)')
    .option('--starting-after <id>', 'the page after this id')
    .option('--ending-before <id>', 'the page before this id');
}

export function pageInput(opts: PageFlags) {
  return defined({
    limit: intValue(opts.limit),
    startingAfter: intValue(opts.startingAfter),
    endingBefore: intValue(opts.endingBefore),
  });
}

/** The flags as API fields; an empty value (`--email ''`) clears the field. */
function customerInput(opts: CustomerFlags) {
  return defined({
    firstName: clearableValue(opts.firstName),
    lastName: clearableValue(opts.lastName),
    email: clearableValue(opts.email),
    companyName: clearableValue(opts.company),
    reference: clearableValue(opts.reference),
  });
}

function customerRecord(c: CustomerDto): string {
  return recordTable([
    ['id', c.id],
    ['first name', c.firstName],
    ['last name', c.lastName],
    ['email', c.email],
    ['company', c.companyName],
    ['reference', c.reference],
    ['created', shortDate(c.createdDate)],
    ['modified', shortDate(c.modifiedDate)],
  ]);
}

const fullName = (c: CustomerDto) => [c.firstName, c.lastName].filter(Boolean).join(' ');

export function registerCustomers(program: Command, ctx: CliContext): void {
  const customers = topLevelCommand(program, 'customers');

  withCustomerFlags(customers.command('create').description('create a customer')).action(
    async (opts: CustomerFlags) => {
      const input = parseInput(createCustomerInput, customerInput(opts));
      const result = await (await ctx.client()).customers.create.mutate(input);
      ctx.emit(result, () => `Created customer ${result.id}.\n${customerRecord(result)}`);
    },
  );

  customers
    .command('get')
    .description('show a customer')
    .argument('<id>', 'customer id')
    .action(async (rawId: string) => {
      const input = parseInput(getCustomerInput, { id: intValue(rawId) });
      const result = await (await ctx.client()).customers.get.query(input);
      ctx.emit(result, () => customerRecord(result));
    });

  withPageFlags(customers.command('list').description('list customers, a page at a time')).action(
    async (opts: PageFlags) => {
      const input = parseInput(listCustomersInput, pageInput(opts));
      const result = await (await ctx.client()).customers.list.query(input);
      ctx.emit(result, () => {
        const rows = result.data.map((c) => [
          c.id,
          fullName(c),
          c.email,
          c.companyName,
          c.reference,
          shortDate(c.createdDate),
        ]);
        const limit = opts.limit ? ` --limit ${opts.limit}` : '';
        return (
          table(['id', 'name', 'email', 'company', 'reference', 'created'], rows) +
          pageHint({
            command: `cardbridge customers list${limit}`,
            page: result,
            backwards: opts.endingBefore !== undefined,
            noun: 'customer',
          })
        );
      });
    },
  );

  withCustomerFlags(
    customers
      .command('update')
      .description("update a customer's fields (only the flags given; an empty value clears a field)")
      .argument('<id>', 'customer id'),
  ).action(async (rawId: string, opts: CustomerFlags) => {
    const fields = customerInput(opts);
    if (Object.keys(fields).length === 0) {
      throw new UsageError(
        'nothing to update: pass at least one of --first-name, --last-name, --email, --company, --reference',
      );
    }
    const input = parseInput(updateCustomerInput, { id: intValue(rawId), ...fields });
    const result = await (await ctx.client()).customers.update.mutate(input);
    ctx.emit(result, () => `Updated customer ${result.id}.\n${customerRecord(result)}`);
  });
}
