import {
  deletePaymentMethodInput,
  listPaymentMethodsInput,
  type PaymentMethodDto,
  paymentMethodIdInput,
} from '@cardbridge/core';
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { pageHint, recordTable, shortDate, table } from '../output.js';
import { intValue, parseInput } from '../parse.js';
import { type PageFlags, pageInput, withPageFlags } from './customers.js';

const two = (n: number) => String(n).padStart(2, '0');
const expiry = (c: PaymentMethodDto) => `${two(c.expirationMonth)}/${two(c.expirationYear)}`;
const holder = (c: PaymentMethodDto) => [c.firstName, c.lastName].filter(Boolean).join(' ');

export function cardRows(cards: PaymentMethodDto[]): string {
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

function cardRecord(c: PaymentMethodDto): string {
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
  ]);
}

export function registerCards(program: Command, ctx: CliContext): void {
  const cards = program
    .command('cards')
    .alias('payment-methods')
    .description("manage customers' credit cards (payment methods)");

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
    .action(async (rawId: string) => {
      const input = parseInput(deletePaymentMethodInput, { id: intValue(rawId) });
      const result = await (await ctx.client()).paymentMethods.delete.mutate(input);
      ctx.emit(result, () => {
        const next =
          result.newDefaultPaymentMethodId === null
            ? 'The customer has no default card now.'
            : `Default card now: ${result.newDefaultPaymentMethodId}.`;
        return `Deleted card ${result.id}. ${next}\n`;
      });
    });
}
