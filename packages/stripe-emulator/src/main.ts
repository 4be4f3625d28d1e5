import { parseArgs } from 'node:util';
import { DEMO_CONNECT_CUSTOMERS, formatSeedTable, parseSeed, startStripeEmulator } from './index.js';

/**
 * `tsx src/main.ts --port 12111 --seed demo` (or `--seed 42`): start the emulator, print its URL and what
 * was seeded, run until Ctrl+C.
 */

const USAGE = `Usage: tsx src/main.ts [options]
  --port <n>                 port (default 12111; 0 = random)
  --host <host>              host (default 127.0.0.1)

Seeding (with --seed; everything below derives from the seed, the same data at every start):
  --seed <n>|demo|none       seed customers and cards ('demo' = 4242; default none)
  --customers <n>            customers to seed (default 3; up to 1,000,000)
  --cards-per-customer <n>   saved cards (card_… sources) per customer, the first the
                             default source (default 2)
  --payment-methods-per-customer <n>
                             PaymentMethods (pm_…, attached, not sources) per customer
                             (default 1)
  --default-pm-share <0..1>  share of customers whose first PaymentMethod is their
                             invoice_settings.default_payment_method (default 1)
  --expiring-soon-share <0..1>
                             share of cards and PaymentMethods expiring within 60 days
                             (default 0.1; the rest 2 months to 6 years ahead)
  --created-from <ts|date>   customers' created timestamps spread over [from, to)
  --created-to <ts|date>     (unix seconds or an ISO date; default 2021-01-01 … 2026-01-01)
  --connect-accounts <n>     Connect accounts to create (default 1), each with
  --connect-customers <n>    customers of its own (default 2)
  --account <acct_…>         seed the customers into this Connect account instead of the platform
  --show <n>                 customers to list in the printed table (default 20)

Behaviour:
  --latency <ms>             added to every response
  --rate-limit <n>           requests per second of each Stripe account (all its keys share it)
  --rate-limit-account <account>=<n>
                             one account's own budget; account = platform or acct_… (repeatable)
  --fault-429-rate <0..1>    share of requests answered 429 rate_limit (before processing)
  --fault-5xx-rate <0..1>    share of requests answered 500 api_error (before processing)
  --fault-seed <n>           seed of those draws: request n gets the same fault every run (default 0)
  --secret-key <sk_…>        accept only this key (repeatable)
  --quiet                    no request log

Control API (JSON, no auth): GET /_emulator/stats, POST /_emulator/stats/reset,
POST /_emulator/rate-limit, POST /_emulator/fault-rates, POST /_emulator/faults, … (README)`;

function num(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0) throw new Error(`--${name} must be a number ≥ 0`);
  return n;
}

/** Unix seconds, or an ISO date (`2024-01-01`, `2024-01-01T12:00:00Z`). */
function timestamp(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (/^\d+$/.test(value)) return Number(value);
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new Error(`--${name} must be unix seconds or an ISO date`);
  return Math.floor(ms / 1000);
}

/** `--rate-limit-account acct_1…=25` (repeatable) → `{ acct_1…: 25 }`. */
function perAccount(values: string[] | undefined): Record<string, number> | undefined {
  if (!values) return undefined;
  const out: Record<string, number> = {};
  for (const value of values) {
    const at = value.lastIndexOf('=');
    const limit = num(at > 0 ? value.slice(at + 1) : undefined, 'rate-limit-account');
    if (at <= 0 || limit === undefined) throw new Error('--rate-limit-account takes <account>=<perSecond>');
    out[value.slice(0, at)] = limit;
  }
  return out;
}

const defined = <T extends Record<string, unknown>>(o: T) =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as {
    [K in keyof T]: Exclude<T[K], undefined>;
  };

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      seed: { type: 'string' },
      customers: { type: 'string' },
      'cards-per-customer': { type: 'string' },
      'payment-methods-per-customer': { type: 'string' },
      'default-pm-share': { type: 'string' },
      'expiring-soon-share': { type: 'string' },
      'created-from': { type: 'string' },
      'created-to': { type: 'string' },
      'connect-accounts': { type: 'string' },
      'connect-customers': { type: 'string' },
      account: { type: 'string' },
      show: { type: 'string' },
      latency: { type: 'string' },
      'rate-limit': { type: 'string' },
      'rate-limit-account': { type: 'string', multiple: true },
      'fault-429-rate': { type: 'string' },
      'fault-5xx-rate': { type: 'string' },
      'fault-seed': { type: 'string' },
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
  const emulator = await startStripeEmulator(
    defined({
      port: num(values.port, 'port') ?? 12111,
      host: values.host,
      latencyMs: num(values.latency, 'latency'),
      rateLimitPerSecond: num(values['rate-limit'], 'rate-limit'),
      rateLimitPerAccount: perAccount(values['rate-limit-account']),
      fault429Rate: num(values['fault-429-rate'], 'fault-429-rate'),
      fault5xxRate: num(values['fault-5xx-rate'], 'fault-5xx-rate'),
      faultSeed: num(values['fault-seed'], 'fault-seed'),
      secretKeys: values['secret-key'],
      log: values.quiet ? undefined : (line: string) => console.log(line),
    }),
  );
  console.log(`Stripe emulator listening on ${emulator.url}`);
  if (seed !== null) {
    const connectAccounts = num(values['connect-accounts'], 'connect-accounts') ?? 1;
    const connectCustomers =
      connectAccounts === 0
        ? 0
        : (num(values['connect-customers'], 'connect-customers') ?? DEMO_CONNECT_CUSTOMERS);
    const started = performance.now();
    const seeded = await emulator.seedDemo(
      defined({
        seed,
        stripeAccount: values.account,
        customers: num(values.customers, 'customers'),
        cardsPerCustomer: num(values['cards-per-customer'], 'cards-per-customer'),
        paymentMethodsPerCustomer: num(
          values['payment-methods-per-customer'],
          'payment-methods-per-customer',
        ),
        defaultPaymentMethodShare: num(values['default-pm-share'], 'default-pm-share'),
        expiringSoonShare: num(values['expiring-soon-share'], 'expiring-soon-share'),
        createdFrom: timestamp(values['created-from'], 'created-from'),
        createdTo: timestamp(values['created-to'], 'created-to'),
        connectAccounts,
        connectCustomers,
      }),
    );
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    const accounts = new Set(seeded.map((c) => c.stripeAccount ?? '(platform)'));
    const table = formatSeedTable(seeded, { maxCustomers: num(values.show, 'show') ?? 20 });
    console.log(
      `\nSeeded ${seeded.length} customers in ${accounts.size} account(s) (seed ${seed}, ${seconds} s):\n${table}\n`,
    );
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
