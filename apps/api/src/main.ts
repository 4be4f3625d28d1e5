import { startApp } from './app.js';
import { parseEnv } from './env.js';
import { installProcessGuards } from './process-guards.js';

/** `cardbridge serve`: start, print where, stop cleanly on SIGTERM/SIGINT. */
export async function serve(): Promise<void> {
  const env = parseEnv();
  const app = await startApp({ env });
  installProcessGuards(app.deps.logger);
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
  const stop = (signal: string) => {
    app.deps.logger.info({ signal }, 'shutting down');
    void app.close().then(() => process.exit(0));
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  serve().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
