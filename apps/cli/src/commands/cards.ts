import {
  type CardWriteResult,
  createCardInput,
  createFromTokenInput,
  deletePaymentMethodInput,
  duplicatePolicy,
  type ExpiringPaymentMethodDto,
  expiringPaymentMethodsInput,
  exportPaymentMethodInput,
  importStripeCardInput,
  listPaymentMethodsInput,
  type PaymentMethodDto,
  type PaymentMethodExportDto,
  paymentMethodIdInput,
  replaceCreditCardInput,
  updatePaymentMethodInput,
} from '@cardbridge/core/schemas';
import { type Command, Option } from 'commander';
import { type CardSecrets, readCardSecrets } from '../card-input.js';
import type { CliContext } from '../context.js';
import { CliError, describeError, exitCodes, UsageError } from '../errors.js';
import { pageHint, recordTable, shortDate, table } from '../output.js';
import { checkFlags, clearableInt, defined, intValue, numberValue, parseInput } from '../parse.js';
import { topLevelCommand } from './catalogue.js';
import { type PageFlags, pageInput, withPageFlags } from './customers.js';

const two = (n: number) => String(n).padStart(2, '0');
const expiry = (c: PaymentMethodDto) => `${two(c.expirationMonth)}/${two(c.expirationYear)}`;
const holder = (c: PaymentMethodDto) => [c.firstName, c.lastName].filter(Boolean).join(' ');

function cardRows(cards: PaymentMethodDto[]): string {
  return table(
    ['id', 'default', 'type', 'number', 'expiry', 'name', 'status', 'external customer', 'external card'],
    cards.map((c) => [
      c.id,
      c.isDefault ? '*' : '',
      c.cardType,
      c.maskedCardNumber,
      expiry(c),
      holder(c),
      c.status,
      c.externalCustomerId,
      c.externalCardId,
    ]),
  );
}

function expiringRows(cards: ExpiringPaymentMethodDto[]): string {
  return table(
    ['id', 'customer', 'default', 'type', 'number', 'expiry', 'valid through', 'expired', 'name'],
    cards.map((c) => [
      c.id,
      c.customerId,
      c.isDefault ? '*' : '',
      c.cardType,
      c.maskedCardNumber,
      expiry(c),
      c.expiresOn,
      c.expired ? 'yes' : 'no',
      holder(c),
    ]),
  );
}

type Row = Parameters<typeof recordTable>[0][number];

function cardRecord(c: PaymentMethodDto, extra: Row[] = []): string {
  const address = [c.address1, c.address2, c.city, c.state, c.postalZip, c.country]
    .filter(Boolean)
    .join(', ');
  return recordTable([
    ['id', c.id],
    ['customer', c.customerId],
    ['default', c.isDefault ? 'yes' : 'no'],
    ['status', c.status],
    ['type', c.cardType],
    ['number', c.maskedCardNumber],
    ['expiry', expiry(c)],
    ['name', holder(c)],
    ['email', c.email],
    ['address', address],
    ['gateway account', c.gatewayAccountId],
    ['external customer', c.externalCustomerId],
    ['external card', c.externalCardId],
    ['stored in vault', c.storedInVault ? 'yes' : 'no'],
    ['fingerprint', c.fingerprint],
    ['replaces', c.originalPaymentMethodId],
    ['created', shortDate(c.createdDate)],
    ['modified', shortDate(c.modifiedDate)],
    ...extra,
  ]);
}

/** A card written through the PCI path, with what it duplicates and what was collected. */
function cardWriteRecord(c: CardWriteResult): string {
  const extra: Row[] = [];
  if (c.duplicateOf !== null) extra.push(['duplicate of', c.duplicateOf]);
  if (c.collected) {
    const { amount, currency, chargeId, status } = c.collected;
    extra.push([
      'collected',
      `${amount.toFixed(2)} ${currency.toUpperCase()} (${status}, charge ${chargeId})`,
    ]);
  }
  return cardRecord(c, extra);
}

function exportRecord(e: PaymentMethodExportDto): string {
  return recordTable([
    ['export id', e.id],
    ['card', e.paymentMethodId],
    ['gateway account', e.gatewayAccountId],
    ['status', e.status],
    ['external customer', e.externalCustomerId],
    ['external card', e.externalCardId],
    ['error', e.error],
    ['created', shortDate(e.createdDate)],
    ['modified', shortDate(e.modifiedDate)],
  ]);
}

interface HolderFlags {
  firstName?: string;
  lastName?: string;
  address1?: string;
  address2?: string;
  city?: string;
  state?: string;
  stateId?: string;
  postalZip?: string;
  countryId?: string;
}

interface ExpiryFlags {
  expMonth?: string;
  expYear?: string;
}

function withNameFlags(cmd: Command, required = false): Command {
  const add = (flags: string, description: string) =>
    required ? cmd.requiredOption(flags, description) : cmd.option(flags, description);
  add('--first-name <name>', 'cardholder first name');
  return add('--last-name <name>', 'cardholder last name');
}

/**
 * The billing address. `--state <name>` only where the API takes a state name (add-token,
 * update); an empty id clears it only in `update`.
 */
function withAddressFlags(cmd: Command, opts: { stateName: boolean; clearable?: boolean }): Command {
  cmd
    .option('--address1 <line>', 'billing address line 1')
    .option('--address2 <line>', 'billing address line 2')
    .option('--city <city>', 'billing city');
  if (opts.stateName) cmd.option('--state <name>', 'billing state or province');
  return cmd
    .option('--state-id <n>', 'billing state id (numeric)')
    .option('--postal-zip <code>', 'billing postal or ZIP code')
    .option(
      '--country-id <n>',
      `billing country, ISO 3166-1 numeric (124 Canada, 840 United States)${opts.clearable ? "; '' clears it" : ''}`,
    );
}

function withExpiryFlags(cmd: Command, required = false): Command {
  const add = (flags: string, description: string) =>
    required ? cmd.requiredOption(flags, description) : cmd.option(flags, description);
  add('--exp-month <mm>', 'expiry month, 1-12');
  return add('--exp-year <yy>', 'expiry year, YY or YYYY');
}

/** Name and address flags as API fields; only the flags given. */
function holderInput(opts: HolderFlags) {
  return defined({
    firstName: opts.firstName,
    lastName: opts.lastName,
    address1: opts.address1,
    address2: opts.address2,
    city: opts.city,
    state: opts.state,
    stateId: clearableInt(opts.stateId),
    postalZip: opts.postalZip,
    countryId: clearableInt(opts.countryId),
  });
}

function expiryInput(opts: ExpiryFlags) {
  return defined({ expirationMonth: intValue(opts.expMonth), expirationYear: intValue(opts.expYear) });
}

/**
 * Flags a card number or CVV must never come in through. They are accepted (hidden) only to
 * refuse them by name: commander's own error would repeat `--card-number=4242…` back.
 */
function refuseSecretFlags(cmd: Command): Command {
  for (const flag of ['--card-number', '--number', '--pan', '--cvv', '--cvc']) {
    cmd.addOption(new Option(`${flag} [value]`).hideHelp());
  }
  return cmd;
}

function assertNoSecretFlags(opts: object): void {
  const given = ['cardNumber', 'number', 'pan', 'cvv', 'cvc'].filter((k) => k in opts);
  if (given.length === 0) return;
  throw new UsageError(
    'the card number and CVV are never taken from flags (they would stay in shell history and ' +
      'process lists): pipe them on stdin (number, then CVV on a second line) or type them at the prompt',
    given.map((k) => ({ path: k === 'cvv' || k === 'cvc' ? 'cvv' : 'cardNumber', message: 'not a flag' })),
  );
}

const secretFields = ['cardNumber', 'cvv'];
const secretInput = (s: CardSecrets) => ({ cardNumber: s.cardNumber, ...(s.cvv ? { cvv: s.cvv } : {}) });

const cardWriteHelp = `
The card number and CVV are never flags (shell history, process lists). Pipe them in, the
number on the first line and the CVV (optional) on the second:
  printf '%s\\n%s\\n' "$PAN" "$CVV" | cardbridge cards create --customer 1 …
or run it in a terminal and type them at the prompts (nothing is echoed). They are never printed.`;

/** `cards export` after a timeout: the copy may or may not exist — the next run finds out. */
function exportUnknown(
  err: unknown,
  ctx: CliContext,
  input: { id: number; gatewayAccountId: number },
): CliError | undefined {
  const failure = describeError(err, { url: ctx.url() });
  const gatewayTimeout = failure.domainCode === 'GATEWAY_TIMEOUT';
  const apiTimeout = failure.httpStatus === null && /did not answer in time/.test(failure.message);
  if (!gatewayTimeout && !apiTimeout) return undefined;
  const why = gatewayTimeout
    ? 'the destination gateway did not answer in time'
    : `the cardbridge API at ${ctx.url()} did not answer in time`;
  return new CliError(
    `the export of card ${input.id} to gateway account ${input.gatewayAccountId} is UNKNOWN: ${why}, so ` +
      'the copy may or may not exist. Re-running the same command ' +
      `(cardbridge cards export ${input.id} --gateway ${input.gatewayAccountId}) reconciles it: the API ` +
      'looks the card up at the destination before copying, so it is never copied twice.',
    exitCodes.server,
    { domainCode: 'GATEWAY_TIMEOUT' },
  );
}

export function registerCards(program: Command, ctx: CliContext): void {
  const cards = topLevelCommand(program, 'cards');

  withPageFlags(
    cards
      .command('list')
      .description("list a customer's cards, a page at a time (* marks the default)")
      .requiredOption('--customer <id>', 'customer id'),
  ).action(async (opts: PageFlags & { customer: string }) => {
    const input = parseInput(listPaymentMethodsInput, {
      customerId: intValue(opts.customer),
      ...pageInput(opts),
    });
    const result = await (await ctx.client()).paymentMethods.list.query(input);
    ctx.emit(result, () => {
      const limit = opts.limit ? ` --limit ${opts.limit}` : '';
      return (
        cardRows(result.data) +
        pageHint({
          command: `cardbridge cards list --customer ${input.customerId}${limit}`,
          page: result,
          backwards: opts.endingBefore !== undefined,
          noun: 'card',
        })
      );
    });
  });

  withPageFlags(
    cards
      .command('expiring')
      .description(
        'list the active cards that expire within a window, already expired ones included, soonest ' +
          'first (a card is valid through the last day of its expiry month)',
      )
      .requiredOption(
        '--within <duration>',
        'how far ahead to look: 30d, 12w, 3m (months), 1y or a number of days; at most 5 years',
      )
      .option('--customer <id>', "only this customer's cards (default: every customer's)"),
  ).action(async (opts: PageFlags & { within: string; customer?: string }) => {
    const input = parseInput(
      expiringPaymentMethodsInput,
      defined({ within: opts.within, customerId: intValue(opts.customer), ...pageInput(opts) }),
    );
    const result = await (await ctx.client()).paymentMethods.expiring.query(input);
    ctx.emit(result, () => {
      const customer = input.customerId === undefined ? '' : ` --customer ${input.customerId}`;
      const limit = opts.limit ? ` --limit ${opts.limit}` : '';
      return (
        `Active cards expiring on or before ${result.expiresOnOrBefore} (UTC), already expired ones included:\n` +
        expiringRows(result.data) +
        pageHint({
          command: `cardbridge cards expiring --within ${input.within}${customer}${limit}`,
          page: result,
          backwards: opts.endingBefore !== undefined,
          noun: 'card',
        })
      );
    });
  });

  cards
    .command('get')
    .description('show a card')
    .argument('<id>', 'payment method id')
    .action(async (rawId: string) => {
      const input = parseInput(paymentMethodIdInput, { id: intValue(rawId) });
      const result = await (await ctx.client()).paymentMethods.get.query(input);
      ctx.emit(result, () => cardRecord(result));
    });

  cards
    .command('set-default')
    .description("make a card its customer's default")
    .argument('<id>', 'payment method id')
    .action(async (rawId: string) => {
      const input = parseInput(paymentMethodIdInput, { id: intValue(rawId) });
      const result = await (await ctx.client()).paymentMethods.setDefault.mutate(input);
      ctx.emit(
        result,
        () => `Card ${result.id} is now the default of customer ${result.customerId}.\n${cardRows([result])}`,
      );
    });

  cards
    .command('delete')
    .description('delete a card (if it was the default, the newest remaining card becomes the default)')
    .argument('<id>', 'payment method id')
    .option('--at-gateway', 'also delete (card) or detach (PaymentMethod) it at its gateway', false)
    .action(async (rawId: string, opts: { atGateway: boolean }) => {
      const input = parseInput(deletePaymentMethodInput, { id: intValue(rawId), atGateway: opts.atGateway });
      const result = await (await ctx.client()).paymentMethods.delete.mutate(input);
      ctx.emit(result, () => {
        const next =
          result.newDefaultPaymentMethodId === null
            ? 'The customer has no default card now.'
            : `Default card now: ${result.newDefaultPaymentMethodId}.`;
        return `Deleted card ${result.id}${input.atGateway ? ' (also at its gateway)' : ''}. ${next}\n`;
      });
    });

  cards
    .command('import')
    .description(
      'import a card that already lives at Stripe, by reference (needs the imports scope); importing ' +
        'the same card again returns the card already imported',
    )
    .requiredOption('--customer <id>', 'customer id (ours)')
    .requiredOption('--stripe-customer <cus>', 'Stripe customer id (cus_…)')
    .requiredOption('--stripe-card <id>', 'Stripe card (card_…) or PaymentMethod (pm_…) id')
    .option('--gateway <accountId>', 'Stripe gateway account id (default: the tenant default account)')
    .option('--connect', 'import through a Stripe Connect gateway account (Stripe-Account header)', false)
    .action(
      async (opts: {
        customer: string;
        stripeCustomer: string;
        stripeCard: string;
        gateway?: string;
        connect: boolean;
      }) => {
        const input = parseInput(
          importStripeCardInput,
          defined({
            customerId: intValue(opts.customer),
            stripeCustomerId: opts.stripeCustomer,
            stripeCardId: opts.stripeCard,
            gatewayAccountId: intValue(opts.gateway),
          }),
        );
        const client = await ctx.client();
        const result = opts.connect
          ? await client.paymentMethods.importStripeConnectCard.mutate(input)
          : await client.paymentMethods.importStripeCard.mutate(input);
        ctx.emit(
          result,
          () => `Imported card ${result.id} for customer ${result.customerId}.\n${cardRows([result])}`,
        );
      },
    );

  withAddressFlags(
    withNameFlags(
      cards
        .command('add-token')
        .description('add a card from a gateway token (tok_…) or a Stripe PaymentMethod (pm_…) to attach')
        .requiredOption('--customer <id>', 'customer id')
        .requiredOption('--token <token>', 'gateway token (tok_…) or PaymentMethod id (pm_…)')
        .option('--gateway <accountId>', 'gateway account id (default: the tenant default account)'),
    ),
    { stateName: true },
  )
    .option('--default', "make it the customer's default card")
    .action(
      async (opts: HolderFlags & { customer: string; token: string; gateway?: string; default?: true }) => {
        const input = parseInput(
          createFromTokenInput,
          defined({
            customerId: intValue(opts.customer),
            token: opts.token,
            gatewayAccountId: intValue(opts.gateway),
            isDefault: opts.default,
            ...holderInput(opts),
          }),
        );
        const result = await (await ctx.client()).paymentMethods.createFromToken.mutate(input);
        ctx.emit(
          result,
          () => `Added card ${result.id} for customer ${result.customerId}.\n${cardRows([result])}`,
        );
      },
    );

  withExpiryFlags(
    withAddressFlags(
      withNameFlags(
        cards
          .command('update')
          .description(
            "update a card's name, billing address or expiry (only the flags given; at its gateway first, if it has one)",
          )
          .argument('<id>', 'payment method id'),
      ),
      { stateName: true, clearable: true },
    ),
  ).action(async (rawId: string, opts: HolderFlags & ExpiryFlags) => {
    const fields = { ...holderInput(opts), ...expiryInput(opts) };
    if (Object.keys(fields).length === 0) {
      throw new UsageError(
        'nothing to update: pass at least one of --first-name, --last-name, --address1, --address2, ' +
          '--city, --state, --state-id, --postal-zip, --country-id, --exp-month with --exp-year',
      );
    }
    const input = parseInput(updatePaymentMethodInput, { id: intValue(rawId), ...fields });
    const result = await (await ctx.client()).paymentMethods.update.mutate(input);
    ctx.emit(result, () => `Updated card ${result.id}.\n${cardRecord(result)}`);
  });

  refuseSecretFlags(
    withAddressFlags(
      withExpiryFlags(
        withNameFlags(
          cards
            .command('create')
            .description(
              "store a card from its full number in cardbridge's vault (needs the cards:intake scope); " +
                'the number and CVV come from stdin or a hidden prompt, never from flags',
            )
            .requiredOption('--customer <id>', 'customer id'),
          true,
        ),
        true,
      ),
      { stateName: false },
    ),
  )
    .option('--verify', 'verify the card by also creating it at a gateway account', false)
    .option('--gateway <accountId>', 'gateway account for --verify (default: the tenant default account)')
    .option(
      '--duplicates <policy>',
      `when the customer already has this card: ${duplicatePolicy.options.join(', ')} (reject: exit 3)`,
      'allow',
    )
    .option('--default', "make it the customer's default card")
    .addHelpText('after', cardWriteHelp)
    .action(
      async (
        opts: HolderFlags &
          ExpiryFlags & {
            customer: string;
            verify: boolean;
            gateway?: string;
            duplicates: string;
            default?: true;
          },
      ) => {
        assertNoSecretFlags(opts);
        if (opts.gateway !== undefined && !opts.verify) {
          throw new UsageError('--gateway is the account --verify creates the card at: add --verify', [
            { path: 'gatewayAccountId', message: 'only with --verify' },
          ]);
        }
        const flags = defined({
          customerId: intValue(opts.customer),
          ...holderInput(opts),
          ...expiryInput(opts),
          isDefault: opts.default,
          verify: opts.verify,
          gatewayAccountId: intValue(opts.gateway),
          duplicatePolicy: opts.duplicates,
        });
        // Bad flags fail before anyone types a card number.
        checkFlags(createCardInput, flags, secretFields);
        const secrets = await readCardSecrets(ctx.deps.stdin, ctx.deps.promptOut);
        const {
          cardNumber: _pan,
          cvv: _cvv,
          ...checked
        } = parseInput(createCardInput, {
          ...flags,
          ...secretInput(secrets),
        });
        // The parsed number is a `Pan` that refuses to serialise: the request carries the text.
        const result = await (await ctx.client()).paymentMethods.createCard.mutate({
          ...checked,
          ...secretInput(secrets),
        });
        ctx.emit(result, () => {
          const headline =
            opts.duplicates === 'return_existing' && result.duplicateOf === result.id
              ? `Customer ${result.customerId} already has this card: card ${result.id} (nothing created).`
              : `Created card ${result.id} for customer ${result.customerId}.`;
          return `${headline}\n${cardWriteRecord(result)}`;
        });
      },
    );

  refuseSecretFlags(
    withAddressFlags(withExpiryFlags(withNameFlags(cards.command('replace'))), { stateName: false }),
  )
    .description(
      'replace a card with a new card number (a new card that replaces the old one, needs the cards:intake ' +
        "scope); name, address and expiry default to the old card's",
    )
    .argument('<id>', 'payment method id of the card to replace')
    .option(
      '--duplicates <policy>',
      `when the customer already has the new card: ${duplicatePolicy.options.join(', ')} (reject: exit 3)`,
      'allow',
    )
    .option('--default', "make the new card the customer's default (it is anyway if the old one was)")
    .option(
      '--collect <amount>',
      'collect this amount (e.g. 25.50) on the new card; a decline keeps the old card',
    )
    .option('--currency <code>', 'currency of --collect, ISO 4217 (default usd)')
    .addHelpText('after', cardWriteHelp)
    .action(
      async (
        rawId: string,
        opts: HolderFlags &
          ExpiryFlags & { duplicates: string; default?: true; collect?: string; currency?: string },
      ) => {
        assertNoSecretFlags(opts);
        if (opts.currency !== undefined && opts.collect === undefined) {
          throw new UsageError('--currency goes with --collect <amount>', [
            { path: 'paymentCollectOptions', message: '--currency without --collect' },
          ]);
        }
        const { id } = parseInput(paymentMethodIdInput, { id: intValue(rawId) });
        const client = await ctx.client();
        // GET, then PUT what changed (the seed's pattern): omitted flags keep the old card's values.
        const old = await client.paymentMethods.get.query({ id });
        if (old.status !== 'active') {
          const replaced = old.status === 'replaced';
          throw new CliError(
            `Cannot replace payment method ${id} because it has been ${old.status}.`,
            replaced ? exitCodes.notFound : exitCodes.usage,
            { domainCode: replaced ? 'PAYMENT_METHOD_REPLACED' : 'PAYMENT_METHOD_DELETED' },
          );
        }
        const given = { ...holderInput(opts), ...expiryInput(opts) };
        const flags = defined({
          id: old.id,
          customerId: old.customerId,
          firstName: old.firstName,
          lastName: old.lastName,
          address1: old.address1,
          address2: old.address2,
          city: old.city,
          stateId: old.stateId,
          postalZip: old.postalZip,
          countryId: old.countryId,
          expirationMonth: old.expirationMonth,
          expirationYear: old.expirationYear,
          ...given,
          isDefault: opts.default,
          duplicatePolicy: opts.duplicates,
          paymentCollectOptions:
            opts.collect === undefined
              ? undefined
              : defined({ collectionAmount: numberValue(opts.collect), currency: opts.currency }),
        });
        checkFlags(replaceCreditCardInput, flags, secretFields);
        const secrets = await readCardSecrets(ctx.deps.stdin, ctx.deps.promptOut);
        const {
          cardNumber: _pan,
          cvv: _cvv,
          ...checked
        } = parseInput(replaceCreditCardInput, {
          ...flags,
          ...secretInput(secrets),
        });
        const result = await client.paymentMethods.replaceCreditCard.mutate({
          ...checked,
          ...secretInput(secrets),
        });
        ctx.emit(result, () => {
          const headline =
            opts.duplicates === 'return_existing' && result.duplicateOf === result.id
              ? `Customer ${result.customerId} already has this card: card ${result.id} (card ${id} unchanged).`
              : `Replaced card ${id} with card ${result.id}.`;
          return `${headline}\n${cardWriteRecord(result)}`;
        });
      },
    );

  cards
    .command('export')
    .description(
      'copy a vaulted card to another gateway account, server to server (needs the cards:export scope); ' +
        'exactly once: re-running after a timeout reconciles instead of copying again',
    )
    .argument('<id>', 'payment method id')
    .requiredOption('--gateway <accountId>', 'destination gateway account id')
    .action(async (rawId: string, opts: { gateway: string }) => {
      const input = parseInput(exportPaymentMethodInput, {
        id: intValue(rawId),
        gatewayAccountId: intValue(opts.gateway),
      });
      let result: PaymentMethodExportDto;
      try {
        result = await (await ctx.client()).paymentMethods.export.mutate(input);
      } catch (err) {
        throw exportUnknown(err, ctx, input) ?? err;
      }
      ctx.emit(
        result,
        () =>
          `Export of card ${result.paymentMethodId} to gateway account ${result.gatewayAccountId}: ${result.status}.\n` +
          exportRecord(result),
      );
    });
}
