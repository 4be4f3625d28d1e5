import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError, Help, Option } from 'commander';
import type { ClientOptions } from './client.js';
import { type CommandEntry, commandCatalogue, findCommand, topLevelCommand } from './commands/catalogue.js';
import { defaultUrl, type GlobalFlags, resolveApiKey, resolveUrl } from './config.js';
import type { CliContext, CliDeps, Interrupt } from './context.js';
import { CommandExit, describeError, exitCodes, exitCodesHelp, formatFailure } from './errors.js';
import { json, processIo } from './io.js';
import { cliVersion } from './version.js';

/**
 * Start-up cost matters (every call is a new process): this file loads commander and the light
 * modules above, nothing else. A command's module is imported only when that command runs
 * (`commands/catalogue.ts`); the tRPC client only when a command talks to the API; the API and
 * the emulator only in `serve`, `migrate` and `stripe-emulator`.
 */
const defaultDeps: CliDeps = {
  io: processIo,
  createClient: async (opts: ClientOptions) => (await import('./client.js')).createApiClient(opts),
  createFiles: async (opts: ClientOptions) => (await import('./rest-files.js')).createRestFiles(opts),
  stdin: process.stdin,
  promptOut: process.stderr,
  untilStopped: async () => (await import('./commands/stripe-emulator.js')).untilSignal(),
  interrupts: processInterrupts,
  progress: process.stderr,
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  now: () => Date.now(),
};

/** The first SIGINT or SIGTERM from now on; the process's own handling is back after `dispose`. */
function processInterrupts(): Interrupt {
  let stop: (signal: NodeJS.Signals) => void = () => {};
  const signal = new Promise<NodeJS.Signals>((resolve) => {
    stop = resolve;
  });
  const onSignal = (s: NodeJS.Signals) => stop(s);
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signal,
    dispose: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}

/** Global flags that take a value: the word after them is not a command name. */
const globalValueFlags = new Set(['--url', '--api-key', '--data-dir']);

/**
 * The top-level command `argv` runs (`cardbridge [global flags] <command> …`, or
 * `cardbridge help <command>`), without parsing it: that is commander's job, once the
 * command's module is loaded. Undefined for `--help`, `--version` or an unknown word.
 */
export function commandOf(argv: readonly string[]): CommandEntry | undefined {
  let sawHelp = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--') return findCommand(argv[i + 1]);
    if (globalValueFlags.has(arg)) {
      i++;
      continue;
    }
    if (arg.startsWith('-')) continue;
    if (arg === 'help' && !sawHelp) {
      sawHelp = true;
      continue;
    }
    return findCommand(arg);
  }
  return undefined;
}

/**
 * The whole CLI as a commander program; `deps` lets tests swap the output and the API client.
 * `load`: the commands whose modules are loaded and registered in full ('all', or the entries);
 * every other command is listed for `--help` from the catalogue only.
 */
export async function buildProgram(
  overrides: Partial<CliDeps> = {},
  load: 'all' | readonly CommandEntry[] = 'all',
): Promise<Command> {
  const deps: CliDeps = { ...defaultDeps, ...overrides };
  const program = new Command('cardbridge');
  const stubs = new WeakMap<Command, CommandEntry>();

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
    .configureHelp({
      showGlobalOptions: true,
      // A command not loaded shows the usage the catalogue gives it (the same text as when loaded).
      subcommandTerm(this: Help, cmd: Command): string {
        const stub = stubs.get(cmd);
        if (!stub) return Help.prototype.subcommandTerm.call(this, cmd);
        return [stub.alias ? `${stub.name}|${stub.alias}` : stub.name, stub.usage].filter(Boolean).join(' ');
      },
    });

  program
    .description(
      'Admin CLI for the cardbridge API: tenants, API keys, gateway accounts, customers and their cards, ' +
        'bulk imports and exports as migration jobs; plus a local Stripe emulator.',
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
  cardbridge import stripe-account --gateway-account 2 --dry-run
  cardbridge jobs report 7 --out report.csv
  printf '%s\\n%s\\n' "$PAN" "$CVV" | cardbridge cards create --customer 1 --exp-month 4 --exp-year 29 --first-name Ada --last-name Lovelace`,
    );

  const flags = () => program.opts<GlobalFlags>();
  const url = () => resolveUrl(flags().url);
  const apiKey = () =>
    resolveApiKey({
      ...flags(),
      apiKeySource: program.getOptionValueSource('apiKey') === 'env' ? 'env' : 'flag',
    });
  const ctx: CliContext = {
    deps,
    flags,
    url,
    client: async () => deps.createClient({ url: url(), apiKey: await apiKey() }),
    files: async () => deps.createFiles({ url: url(), apiKey: await apiKey() }),
    emit: (result, human) => deps.io.out(flags().json ? json(result) : human()),
  };

  // Loaded in parallel, registered in the catalogue's order (the order `--help` lists them in).
  const wanted = load === 'all' ? commandCatalogue : load;
  const registrations = await Promise.all(
    commandCatalogue.map((entry) => (wanted.includes(entry) ? entry.load() : undefined)),
  );
  commandCatalogue.forEach((entry, i) => {
    const register = registrations[i];
    if (register) register(program, ctx);
    else stubs.set(topLevelCommand(program, entry.name), entry);
  });
  return program;
}

/** Parses `argv` (without node and script), runs the command, returns the exit code. */
export async function run(argv: string[], overrides: Partial<CliDeps> = {}): Promise<number> {
  const io = overrides.io ?? defaultDeps.io;
  const command = commandOf(argv);
  const program = await buildProgram(overrides, command ? [command] : []);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCodes.ok;
  } catch (err) {
    // Help and version are already printed; help shown for a missing sub-command is a usage error.
    if (err instanceof CommanderError && err.code.startsWith('commander.help')) {
      return err.exitCode === 0 ? exitCodes.ok : exitCodes.usage;
    }
    if (err instanceof CommanderError && err.code === 'commander.version') return exitCodes.ok;
    if (err instanceof CommandExit) return err.exitCode;
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
