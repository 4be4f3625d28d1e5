import { createDeps, createLogger, startMigrationWorker } from '@cardbridge/api';
import { openDatabase } from '@cardbridge/db';
import { loadImportKey } from './app.js';
import { parseEnv } from './env.js';
import { loadMasterKey } from './master-key.js';
import { installProcessGuards, installShutdownSignals } from './process-guards.js';

/**
 * `cardbridge worker`: a process that only works on migration jobs, on the PostgreSQL server
 * (DATABASE_URL) it shares with the API servers and other workers, on any machine. It needs
 * the same master key as the servers (numbers from export files go into the vault).
 */
export async function work(): Promise<void> {
  const env = parseEnv();
  if (!env.DATABASE_URL) {
    throw new Error(
      'cardbridge worker needs DATABASE_URL: the embedded database serves one process, and the server works its jobs itself',
    );
  }
  const logger = createLogger({ level: env.LOG_LEVEL });
  const database = await openDatabase({ kind: 'postgres', url: env.DATABASE_URL });
  await database.migrate();
  const deps = createDeps({
    database,
    masterKey: await loadMasterKey(env, logger),
    logger,
    isProduction: env.NODE_ENV === 'production',
    stripeTimeoutMs: env.STRIPE_TIMEOUT_MS,
    gatewayDeadlineMs: env.CARDBRIDGE_GATEWAY_DEADLINE_MS,
    apiBases: { allowList: env.CARDBRIDGE_GATEWAY_API_BASES, allowLoopback: env.NODE_ENV !== 'production' },
    importKey: await loadImportKey(env),
  });
  installShutdownSignals({
    logger,
    close: async () => {
      await deps.jobs.stop();
      await database.close();
    },
  });
  installProcessGuards(logger);
  await startMigrationWorker(deps, { concurrency: env.CARDBRIDGE_WORKER_CONCURRENCY });
  process.stdout.write(`cardbridge worker ${process.pid} working on migration jobs (PostgreSQL)\n`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  work().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
