import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError, Option } from 'commander';
import { createApiClient } from './client.js';
import { registerCards } from './commands/cards.js';
import { registerCustomers } from './commands/customers.js';
import { registerGateways } from './commands/gateways.js';
import { registerKeys } from './commands/keys.js';
import { registerMigrate } from './commands/migrate.js';
import { registerServe } from './commands/serve.js';
import { registerStripeEmulator, untilSignal } from './commands/stripe-emulator.js';
import { registerTenants } from './commands/tenants.js';
import { defaultUrl, type GlobalFlags, resolveApiKey, resolveUrl } from './config.js';
import type { CliContext, CliDeps } from './context.js';
import { describeError, exitCodes, exitCodesHelp, formatFailure } from './errors.js';
import { json, processIo } from './output.js';
import { cliVersion } from './version.js';

const defaultDeps: CliDeps = {
  io: processIo,
  createClient: createApiClient,
  stdin: process.stdin,
  promptOut: process.stderr,
  untilStopped: untilSignal,
};

/** The whole CLI as a commander program; `deps` lets tests swap the output and the API client. */
export function buildProgram(overrides: Partial<CliDeps> = {}): Command {
  const deps: CliDeps = { ...defaultDeps, ...overrides };
  const program = new Command('cardbridge');

  // Before any sub-command is added: sub-commands inherit these settings.
  program
    .exitOverride()
    .configureOutput({
      writeOut: (s) => deps.io.out(s),
      writeErr: (s) => deps.io.err(s),
      // run() prints usage errors itself, in the same format (and `--json` form) as API errors.
      outputError: () => {},
    })
    .showSuggestionAfterError(true)
    // `cardbridge cards list --help` also lists --url, --api-key, --data-dir and --json.
    .configureHelp({ showGlobalOptions: true });

  program
    .description(
      'Admin CLI for the cardbridge API: tenants, API keys, gateway accounts, customers and their cards; ' +
        'plus a local Stripe emulator.',
    )
    .version(cliVersion, '-V, --version')
    .addOption(new Option('--url <url>', 'cardbridge API base URL').env('CARDBRIDGE_URL').default(defaultUrl))
    .addOption(
      new Option(
        '--api-key <key>',
        'API key (prefer the env var: flags show up in process lists); default: the bootstrap key file <data dir>/bootstrap-admin.key',
      ).env('CARDBRIDGE_API_KEY'),
    )
    .addOption(
      new Option('--data-dir <dir>', 'data dir of a local server (default: <repo>/.cardbridge)').env(
        'CARDBRIDGE_DATA_DIR',
      ),
    )
    .option('--json', 'print raw JSON results (errors as {"error":{…}} on stderr) for scripts', false)
    .addHelpText(
      'after',
      `${exitCodesHelp}

Examples:
  cardbridge serve
  cardbridge tenants create --name acme
  CARDBRIDGE_API_KEY=cbk_… cardbridge customers create --first-name Ada --email ada@example.com
  cardbridge cards list --customer 1 --json
  cardbridge stripe-emulator --seed demo
  STRIPE_SECRET_KEY=sk_test_… cardbridge gateways add stripe --default
  printf '%s\\n%s\\n' "$PAN" "$CVV" | cardbridge cards create --customer 1 --exp-month 4 --exp-year 29 --first-name Ada --last-name Lovelace`,
    );

  const flags = () => program.opts<GlobalFlags>();
  const url = () => resolveUrl(flags().url);
  const ctx: CliContext = {
    deps,
    flags,
    url,
    client: async () => deps.createClient({ url: url(), apiKey: await resolveApiKey(flags()) }),
    emit: (result, human) => deps.io.out(flags().json ? json(result) : human()),
  };

  registerServe(program, ctx);
  registerMigrate(program, ctx);
  registerStripeEmulator(program, ctx);
  registerTenants(program, ctx);
  registerKeys(program, ctx);
  registerGateways(program, ctx);
  registerCustomers(program, ctx);
  registerCards(program, ctx);
  return program;
}

/** Parses `argv` (without node and script), runs the command, returns the exit code. */
export async function run(argv: string[], overrides: Partial<CliDeps> = {}): Promise<number> {
  const io = overrides.io ?? defaultDeps.io;
  const program = buildProgram(overrides);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCodes.ok;
  } catch (err) {
    // Help and version are already printed; help shown for a missing sub-command is a usage error.
    if (err instanceof CommanderError && err.code.startsWith('commander.help')) {
      return err.exitCode === 0 ? exitCodes.ok : exitCodes.usage;
    }
    if (err instanceof CommanderError && err.code === 'commander.version') return exitCodes.ok;
    const opts = program.opts<Partial<GlobalFlags>>();
    const failure = describeError(err, { url: opts.url ?? defaultUrl });
    io.err(formatFailure(failure, opts.json ?? argv.includes('--json')));
    return failure.exitCode;
  }
}

/** Entry point: sets the exit code and lets Node exit by itself (so `serve` keeps running). */
export async function main(argv: string[] = process.argv.slice(2)): Promise<void> {
  // `cardbridge … | head` closes the pipe early: that is the reader's choice, not an error.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
  process.exitCode = await run(argv);
}

const entry = process.argv[1];
if (entry && path.resolve(entry) === fileURLToPath(import.meta.url)) await main();
