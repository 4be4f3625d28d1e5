import type { Command } from 'commander';
import { z } from 'zod';
import type { CliContext } from '../context.js';
import { defined, intValue, numberValue, parseInput } from '../parse.js';
import { enableTypeScriptImports } from '../typescript-runtime.js';
import { topLevelCommand } from './catalogue.js';
import { startupError } from './serve.js';

const emulatorFlags = z.strictObject({
  port: z.number().int().min(0).max(65_535),
  host: z.string().trim().min(1),
  seed: z.union([z.enum(['demo', 'none']), z.number().int().min(0).max(Number.MAX_SAFE_INTEGER)]),
  latencyMs: z.number().min(0).max(60_000).optional(),
  rateLimitPerSecond: z.number().positive().optional(),
});

/** Any `sk_test_…` key works against the emulator; this one is only a placeholder, not a secret. */
const emulatorDemoKey = 'sk_test_emulator_demo';

/** The default `untilStopped`: resolves on the first SIGINT or SIGTERM. */
export function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve(signal);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

interface Seeded {
  id: string;
  email: string | null;
  stripeAccount: string | null;
  cards: { id: string }[];
}

/**
 * What to paste next: a gateway account for the emulator, a customer, the import of a seeded
 * card; and with a seeded Connect account, the same through it.
 */
function nextSteps(url: string, seeded: readonly Seeded[]): string {
  const lines = [
    'Next, with `./cardbridge serve` running (the emulator accepts any sk_test_ key):',
    `  ./cardbridge gateways add stripe --secret-key ${emulatorDemoKey} --api-base ${url} --default`,
  ];
  const withCard = (c: Seeded) => c.cards.length > 0;
  const customer = seeded.find((c) => c.stripeAccount === null && withCard(c));
  const card = customer?.cards[0];
  if (customer && card) {
    lines.push(
      `  ./cardbridge customers create${customer.email ? ` --email ${customer.email}` : ''}`,
      `  ./cardbridge cards import --customer <id> --stripe-customer ${customer.id} --stripe-card ${card.id}`,
      '  (<id>: the customer id `customers create` printed)',
    );
  }
  const connected = seeded.find((c) => c.stripeAccount !== null && withCard(c));
  const connectedCard = connected?.cards[0];
  if (connected?.stripeAccount && connectedCard) {
    lines.push(
      'Through the Connect account (its customers are visible only with its Stripe-Account header):',
      `  ./cardbridge gateways add stripe --secret-key ${emulatorDemoKey} --connected-account ${connected.stripeAccount} --api-base ${url}`,
      `  ./cardbridge cards import --connect --customer <id> --stripe-customer ${connected.id} --stripe-card ${connectedCard.id}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

export function registerStripeEmulator(program: Command, ctx: CliContext): void {
  topLevelCommand(program, 'stripe-emulator')
    .option('--port <port>', 'port to listen on, 0 for any free port', '12111')
    .option('--host <host>', 'interface to listen on', '127.0.0.1')
    .option(
      '--seed <seed>',
      'a number: seed customers with cards (and a Stripe Connect account with its own) and print them, ' +
        "the same ids at every start for the same number; 'demo': the fixed default number; 'none': start empty",
      'none',
    )
    .option('--latency <ms>', 'delay added to every response, in milliseconds')
    .option('--rate-limit <perSecond>', 'requests per second per key and account; more get a 429')
    .action(
      async (opts: { port: string; host: string; seed: string; latency?: string; rateLimit?: string }) => {
        const flags = parseInput(
          emulatorFlags,
          defined({
            port: intValue(opts.port),
            host: opts.host,
            seed: intValue(opts.seed),
            latencyMs: numberValue(opts.latency),
            rateLimitPerSecond: numberValue(opts.rateLimit),
          }),
        );
        // Loaded only here: no other command needs the emulator.
        await enableTypeScriptImports();
        const emulatorModule = await import('@cardbridge/stripe-emulator');
        const { startStripeEmulator, formatSeedTable, parseSeed, DEMO_CONNECT_CUSTOMERS } = emulatorModule;
        const seed = parseSeed(flags.seed);
        let emulator: Awaited<ReturnType<typeof startStripeEmulator>>;
        try {
          emulator = await startStripeEmulator(
            defined({
              port: flags.port,
              host: flags.host,
              latencyMs: flags.latencyMs,
              rateLimitPerSecond: flags.rateLimitPerSecond,
            }),
          );
        } catch (err) {
          throw startupError(err, 'stripe-emulator');
        }
        try {
          const all =
            seed === null ? [] : await emulator.seedDemo({ seed, connectCustomers: DEMO_CONNECT_CUSTOMERS });
          const seeded = all.filter((c) => c.stripeAccount === null);
          const connectCustomers = all.filter((c) => c.stripeAccount !== null);
          const account = connectCustomers[0]?.stripeAccount ?? null;
          const connect = account ? { account, customers: connectCustomers } : null;
          const { url, host, port } = emulator;
          ctx.emit({ url, host, port, seed, seeded, connect }, () =>
            [
              `Stripe emulator listening on ${url}`,
              '',
              ...(seed !== null
                ? [
                    `Seeded ${seeded.length} customers:`,
                    formatSeedTable(seeded),
                    '',
                    ...(connect
                      ? [
                          `Seeded ${connect.customers.length} customers on Stripe Connect account ${connect.account}:`,
                          formatSeedTable(connect.customers),
                          '',
                        ]
                      : []),
                    `Seed ${seed}: the same customers, cards and ids at every start with --seed ${seed}.`,
                    '',
                  ]
                : []),
              nextSteps(url, all),
              'Ctrl+C to stop.',
              '',
            ].join('\n'),
          );
          const signal = await ctx.deps.untilStopped();
          if (!ctx.flags().json) ctx.deps.io.out(`\nStopping the Stripe emulator (${signal}).\n`);
        } finally {
          await emulator.close();
        }
      },
    );
}
