import type { Command } from 'commander';
import type { CliContext } from '../context.js';

/**
 * The top-level commands, without their code. `cardbridge --help` needs only this list, so a
 * run loads the one module its command lives in (`load`) and nothing else: `cards list` never
 * loads the emulator, `--help` loads no command module, no zod schema and no tRPC client.
 */
export interface CommandEntry {
  name: string;
  alias?: string;
  description: string;
  /** What `--help` shows before the description when the module is not loaded (its options/arguments). */
  usage?: string;
  load: () => Promise<(program: Command, ctx: CliContext) => void>;
}

export const commandCatalogue: readonly CommandEntry[] = [
  {
    name: 'serve',
    usage: '[options]',
    description:
      'start the cardbridge API (config from HOST, PORT, DATABASE_URL, CARDBRIDGE_DATA_DIR, LOG_LEVEL); ' +
      'stops cleanly on SIGTERM/SIGINT',
    load: async () => (await import('./serve.js')).registerServe,
  },
  {
    name: 'worker',
    description:
      'work on migration jobs beside the API servers, on the PostgreSQL server they share (DATABASE_URL; ' +
      'CARDBRIDGE_WORKER_CONCURRENCY); any number of workers on any machines; stops cleanly on SIGTERM',
    load: async () => (await import('./worker.js')).registerWorker,
  },
  {
    name: 'migrate',
    description:
      'apply the committed database migrations to the configured database (DATABASE_URL, or the ' +
      'embedded PGlite database in the data dir), then exit',
    load: async () => (await import('./migrate.js')).registerMigrate,
  },
  {
    name: 'stripe-emulator',
    usage: '[options]',
    description:
      'run the local Stripe-compatible emulator in the foreground (for demos and tests: any sk_test_ ' +
      'key works, nothing leaves the machine); stops cleanly on SIGINT/SIGTERM',
    load: async () => (await import('./stripe-emulator.js')).registerStripeEmulator,
  },
  {
    name: 'tenants',
    description: 'manage tenants (needs a key with the platform scope, such as the bootstrap key)',
    load: async () => (await import('./tenants.js')).registerTenants,
  },
  {
    name: 'keys',
    description:
      "manage the API keys of your key's tenant, and rotate its vault data key (`keys rotate`; " +
      'needs the admin scope)',
    load: async () => (await import('./keys.js')).registerKeys,
  },
  {
    name: 'gateways',
    description:
      "manage your tenant's gateway accounts: Stripe, or the built-in test gateway " +
      '(add and disable need the admin scope)',
    load: async () => (await import('./gateways.js')).registerGateways,
  },
  {
    name: 'customers',
    description: 'manage customers',
    load: async () => (await import('./customers.js')).registerCustomers,
  },
  {
    name: 'cards',
    alias: 'payment-methods',
    description: "manage customers' credit cards (payment methods)",
    load: async () => (await import('./cards.js')).registerCards,
  },
  {
    name: 'import',
    description:
      'import cards in bulk, as a migration job watched to its end: a whole Stripe account, a Stripe card ' +
      'export file, or a mapping file (scope imports)',
    load: async () => (await import('./import.js')).registerImport,
  },
  {
    name: 'export',
    description:
      'export vaulted cards in bulk to another gateway account, as a migration job (scopes imports, cards:export)',
    load: async () => (await import('./export.js')).registerExport,
  },
  {
    name: 'jobs',
    description:
      'migration jobs: list, show, watch, pause, resume, cancel; their per-row results, report and id map (scope imports)',
    load: async () => (await import('./jobs.js')).registerJobs,
  },
];

function catalogueEntry(name: string): CommandEntry {
  const entry = commandCatalogue.find((e) => e.name === name);
  if (!entry) throw new Error(`no command '${name}' in the catalogue`);
  return entry;
}

/** The entry a command name or alias given on the command line belongs to. */
export function findCommand(nameOrAlias: string | undefined): CommandEntry | undefined {
  return commandCatalogue.find((e) => e.name === nameOrAlias || e.alias === nameOrAlias);
}

/** A top-level command with its catalogue name, alias and description; its module adds the rest. */
export function topLevelCommand(program: Command, name: string): Command {
  const entry = catalogueEntry(name);
  const cmd = program.command(entry.name).description(entry.description);
  if (entry.alias) cmd.alias(entry.alias);
  return cmd;
}
