import {
  createGatewayAccountInput,
  type GatewayAccountDto,
  gatewayAccountIdInput,
} from '@cardbridge/core/schemas';
import { type Command, Option } from 'commander';
import type { CliContext } from '../context.js';
import { UsageError } from '../errors.js';
import { recordTable, shortDate, table } from '../output.js';
import { defined, intValue, parseInput } from '../parse.js';
import { topLevelCommand } from './catalogue.js';

/** Only the last four characters of a secret key ever exist outside the vault: `…abcd`. */
const secretHint = (a: GatewayAccountDto) => (a.secretKeyLast4 ? `…${a.secretKeyLast4}` : null);
const mode = (a: GatewayAccountDto) => (a.livemode ? 'live' : 'test');

function gatewayRows(accounts: GatewayAccountDto[]): string {
  return table(
    [
      'id',
      'default',
      'type',
      'name',
      'status',
      'mode',
      'connected account',
      'api base',
      'secret key',
      'created',
    ],
    accounts.map((a) => [
      a.id,
      a.isDefault ? '*' : '',
      a.type,
      a.name,
      a.status,
      mode(a),
      a.connectedAccountId,
      a.apiBase,
      secretHint(a),
      shortDate(a.createdDate),
    ]),
  );
}

function gatewayRecord(a: GatewayAccountDto): string {
  return recordTable([
    ['id', a.id],
    ['type', a.type],
    ['name', a.name],
    ['status', a.status],
    ['default', a.isDefault ? 'yes' : 'no'],
    ['mode', mode(a)],
    ['connected account', a.connectedAccountId],
    ['api base', a.apiBase],
    ['secret key', secretHint(a)],
    ['created', shortDate(a.createdDate)],
  ]);
}

export function registerGateways(program: Command, ctx: CliContext): void {
  const gateways = topLevelCommand(program, 'gateways');

  const add = gateways.command('add').description('add a gateway account');

  add
    .command('stripe')
    .description(
      'add a Stripe account, or a Stripe-compatible server such as `cardbridge stripe-emulator` ' +
        '(the secret key is stored encrypted; only its last 4 characters are ever shown)',
    )
    .addOption(
      new Option(
        '--secret-key <key>',
        'Stripe secret key, sk_… or rk_… (prefer the env var: flags show up in process lists)',
      ).env('STRIPE_SECRET_KEY'),
    )
    .option('--connected-account <acct>', 'Stripe Connect: act on this connected account (acct_…)')
    .option(
      '--api-base <url>',
      'a Stripe-compatible server instead of api.stripe.com, e.g. http://127.0.0.1:12111',
    )
    .option('--name <name>', 'a name for the account (default: Stripe)')
    .option('--default', "make it the tenant's default gateway account", false)
    .action(
      async (opts: {
        secretKey?: string;
        connectedAccount?: string;
        apiBase?: string;
        name?: string;
        default: boolean;
      }) => {
        if (!opts.secretKey?.trim()) {
          throw new UsageError(
            'no Stripe secret key: set STRIPE_SECRET_KEY (preferred: flags show up in process lists) or pass --secret-key',
            [{ path: 'secretKey', message: 'required' }],
          );
        }
        const input = parseInput(
          createGatewayAccountInput,
          defined({
            type: 'stripe' as const,
            secretKey: opts.secretKey,
            connectedAccountId: opts.connectedAccount,
            apiBase: opts.apiBase,
            name: opts.name,
            isDefault: opts.default,
          }),
        );
        const result = await (await ctx.client()).gatewayAccounts.create.mutate(input);
        ctx.emit(
          result,
          () => `Added gateway account ${result.id} (${result.name}).\n${gatewayRecord(result)}`,
        );
      },
    );

  add
    .command('test')
    .description('add a built-in test gateway account (in-process, for tests and demos)')
    .option('--name <name>', 'a name for the account (default: Test gateway)')
    .option('--default', "make it the tenant's default gateway account", false)
    .action(async (opts: { name?: string; default: boolean }) => {
      const input = parseInput(
        createGatewayAccountInput,
        defined({ type: 'test' as const, name: opts.name, isDefault: opts.default }),
      );
      const result = await (await ctx.client()).gatewayAccounts.create.mutate(input);
      ctx.emit(
        result,
        () => `Added gateway account ${result.id} (${result.name}).\n${gatewayRecord(result)}`,
      );
    });

  gateways
    .command('list')
    .description("list the tenant's gateway accounts (* marks the default)")
    .action(async () => {
      const result = await (await ctx.client()).gatewayAccounts.list.query();
      ctx.emit(
        result,
        () => `${gatewayRows(result)}${result.length} gateway account${result.length === 1 ? '' : 's'}\n`,
      );
    });

  gateways
    .command('get')
    .description('show a gateway account')
    .argument('<id>', 'gateway account id')
    .action(async (rawId: string) => {
      const input = parseInput(gatewayAccountIdInput, { id: intValue(rawId) });
      const result = await (await ctx.client()).gatewayAccounts.get.query(input);
      ctx.emit(result, () => gatewayRecord(result));
    });

  gateways
    .command('disable')
    .description(
      'disable a gateway account: no calls go to it any more (if it was the default, the tenant has ' +
        'none until an account is added with --default)',
    )
    .argument('<id>', 'gateway account id')
    .action(async (rawId: string) => {
      const input = parseInput(gatewayAccountIdInput, { id: intValue(rawId) });
      const result = await (await ctx.client()).gatewayAccounts.disable.mutate(input);
      ctx.emit(
        result,
        () => `Disabled gateway account ${result.id} (${result.name}).\n${gatewayRecord(result)}`,
      );
    });
}
