import { createLogger } from '@cardbridge/api';
import { startApp } from './app.js';
import { parseEnv } from './env.js';
import { installProcessGuards, installShutdownSignals } from './process-guards.js';

/** `cardbridge serve`: start, print where, stop once and cleanly on SIGINT/SIGTERM/SIGHUP. */
export async function serve(): Promise<void> {
  const env = parseEnv();
  const logger = createLogger({ level: env.LOG_LEVEL });
  const starting = startApp({ env, logger });
  // Before start-up finishes: a signal during migrations waits for them, then closes cleanly.
  const uninstall = installShutdownSignals({ logger, close: async () => (await starting).close() });
  const app = await starting.catch((err: unknown) => {
    uninstall();
    throw err;
  });
  installProcessGuards(logger);
  const database = env.DATABASE_URL
    ? 'PostgreSQL (DATABASE_URL)'
    : `embedded PGlite in ${env.CARDBRIDGE_DATA_DIR}`;
  process.stdout.write(
    [
      `cardbridge API listening on ${app.url}`,
      `  tRPC:      ${app.url}/trpc`,
      `  health:    ${app.url}/healthz, ${app.url}/readyz`,
      `  database:  ${database}`,
      `  admin key: ${app.bootstrapKeyFile} (bootstrap key file; the key itself is never printed)`,
      '',
    ].join('\n'),
  );
}

if (import.meta.url === `file://${process.argv[1]}`) {
  serve().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
