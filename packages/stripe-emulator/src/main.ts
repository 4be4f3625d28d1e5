import { parseArgs } from 'node:util';
import { DEMO_CONNECT_CUSTOMERS, formatSeedTable, parseSeed, startStripeEmulator } from './index.js';

/**
 * `tsx src/main.ts --port 12111 --seed demo` (or `--seed 42`): start the emulator, print its URL and what
 * was seeded, run until Ctrl+C.
 */

const USAGE = `Usage: tsx src/main.ts [options]
  --port <n>                 port (default 12111; 0 = random)
  --host <host>              host (default 127.0.0.1)
  --seed <n>|demo|none       seed demo customers and cards, the same ids for the same
                             number at every start ('demo' = 4242; default none)
  --customers <n>            demo customers to seed (default 3)
  --cards-per-customer <n>   demo cards per customer (default 2)
  --connect-customers <n>    demo customers of the seed's Connect account (default 2)
  --account <acct_…>         seed into this Connect account instead of the platform
  --latency <ms>             added to every response
  --rate-limit <n>           requests per second per API key + account
  --secret-key <sk_…>        accept only this key (repeatable)
  --quiet                    no request log`;

function num(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new Error(`--${name} must be a number ≥ 0`);
  return n;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      seed: { type: 'string' },
      customers: { type: 'string' },
      'cards-per-customer': { type: 'string' },
      'connect-customers': { type: 'string' },
      account: { type: 'string' },
      latency: { type: 'string' },
      'rate-limit': { type: 'string' },
      'secret-key': { type: 'string', multiple: true },
      quiet: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const seed = parseSeed(values.seed ?? 'none');
  const latencyMs = num(values.latency, 'latency');
  const rateLimitPerSecond = num(values['rate-limit'], 'rate-limit');
  const emulator = await startStripeEmulator({
    port: num(values.port, 'port') ?? 12111,
    ...(values.host ? { host: values.host } : {}),
    ...(latencyMs !== undefined ? { latencyMs } : {}),
    ...(rateLimitPerSecond !== undefined ? { rateLimitPerSecond } : {}),
    ...(values['secret-key'] ? { secretKeys: values['secret-key'] } : {}),
    ...(values.quiet ? {} : { log: (line: string) => console.log(line) }),
  });
  console.log(`Stripe emulator listening on ${emulator.url}`);
  if (seed !== null) {
    const customers = num(values.customers, 'customers');
    const cardsPerCustomer = num(values['cards-per-customer'], 'cards-per-customer');
    const connectCustomers = num(values['connect-customers'], 'connect-customers');
    const seeded = await emulator.seedDemo({
      seed,
      connectCustomers: connectCustomers ?? DEMO_CONNECT_CUSTOMERS,
      ...(values.account ? { stripeAccount: values.account } : {}),
      ...(customers !== undefined ? { customers } : {}),
      ...(cardsPerCustomer !== undefined ? { cardsPerCustomer } : {}),
    });
    console.log(`\nSeeded ${seeded.length} customers (seed ${seed}):\n${formatSeedTable(seeded)}\n`);
  }
  const url = new URL(emulator.url);
  console.log(
    `SDK: new Stripe('sk_test_…', { host: '${url.hostname}', port: ${url.port}, protocol: 'http' })\nCtrl+C to stop.`,
  );
  const stop = () => {
    emulator.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error((error as Error).message);
  console.error(USAGE);
  process.exit(1);
});
